import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorator';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { StatsQuery, StatsView } from './stats.dto';
import { StatsService } from './stats.service';

@ApiTags('webhooks')
@Authenticated()
@Controller('v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({ operationId: 'getStats', summary: 'Invocations and connection deliveries per minute, hour or day, with latency percentiles' })
  @ApiOkResponse({ type: StatsView })
  get(@CurrentPrincipal() principal: Principal, @Query() query: StatsQuery): Promise<StatsView> {
    return this.stats.stats(principal, query);
  }
}
