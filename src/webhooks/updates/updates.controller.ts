import { Controller, Get, Header, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated } from '../../auth/auth.decorator';
import { botIdFor, CurrentPrincipal, Principal } from '../../auth/principal';
import { DroppedView, DropUpdatesQuery, UpdatesQuery, UpdateView } from './updates.dto';
import { UpdatesService } from './updates.service';

/** Pull mode: a bot without a runtime URL fetches its calls like Telegram's getUpdates. */
@ApiTags('webhooks')
@Authenticated()
@Controller('v1/updates')
export class UpdatesController {
  constructor(private readonly updates: UpdatesService) {}

  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOperation({ operationId: 'getUpdates', summary: 'Fetch queued calls (pull mode), confirming those before offset' })
  @ApiOkResponse({ type: [UpdateView] })
  poll(@CurrentPrincipal() principal: Principal, @Query() query: UpdatesQuery, @Res({ passthrough: true }) res: Response): Promise<string> {
    // A long poll whose caller has gone away stops waiting.
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    return this.updates.poll(botIdFor(principal, query.botId), { offset: query.offset, limit: query.limit ?? 100, timeoutSeconds: query.timeout ?? 0 }, abort.signal);
  }

  @Post('drop')
  @HttpCode(200)
  @ApiOperation({ operationId: 'dropUpdates', summary: 'Drop every call still waiting, like Telegram drop_pending_updates' })
  @ApiOkResponse({ type: DroppedView })
  drop(@CurrentPrincipal() principal: Principal, @Query() query: DropUpdatesQuery): Promise<DroppedView> {
    return this.updates.drop(botIdFor(principal, query.botId));
  }
}
