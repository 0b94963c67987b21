import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorator';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { ParseObjectIdPipe, ParseUuidPipe } from '../common/ids';
import { DeliveriesService } from './deliveries.service';
import { DispatchService } from './dispatch.service';
import { DeliveryPageView, DeliveryView, ListDeliveriesQuery } from './dto/delivery.dto';
import { DispatchDto, DispatchResultView } from './dto/dispatch.dto';

/** Sending chats to a connection's backend and looking back at what was sent; bot keys for their own bot. */
@ApiTags('connections')
@Authenticated()
@Controller('v2/integrations/webhook/:id')
export class DispatchController {
  constructor(
    private readonly dispatcher: DispatchService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Post('dispatch')
  @HttpCode(200)
  @ApiOkResponse({ type: DispatchResultView, description: '502 backend failed or replied badly, 503 circuit open, 504 timeout, 409 verification failed' })
  dispatch(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Body() body: DispatchDto): Promise<DispatchResultView> {
    return this.dispatcher.dispatch(principal, id, body);
  }

  @Get('deliveries')
  @ApiOkResponse({ type: DeliveryPageView })
  list(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Query() query: ListDeliveriesQuery): Promise<DeliveryPageView> {
    return this.deliveries.list(principal, id, query.limit, query.cursor);
  }

  @Get('deliveries/:deliveryId')
  @ApiOkResponse({ type: DeliveryView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Param('deliveryId', ParseUuidPipe) deliveryId: string): Promise<DeliveryView> {
    return this.deliveries.get(principal, id, deliveryId);
  }

  @Post('deliveries/:deliveryId/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: DispatchResultView })
  retry(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Param('deliveryId', ParseUuidPipe) deliveryId: string): Promise<DispatchResultView> {
    return this.deliveries.retry(principal, id, deliveryId);
  }
}
