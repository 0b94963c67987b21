import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiBody, ApiConflictResponse, ApiGatewayTimeoutResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorator';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { ApiObjectIdParam, ApiUuidParam, ParseObjectIdPipe, ParseUuidPipe } from '../common/id-params';
import { DeliveriesService } from './deliveries.service';
import { DispatchService } from './dispatch.service';
import { DeliveryPageView, DeliveryView, ListDeliveriesQuery } from './dto/delivery.dto';
import { DispatchBody, DispatchResultView } from './dto/dispatch.dto';

/** What a dispatch (or a retry, which answers the same way) can come back with. */
const DispatchAnswers = () =>
  applyDecorators(
    ApiOkResponse({ type: DispatchResultView }),
    ApiConflictResponse({ description: 'the connection failed its verification handshake' }),
    ApiBadGatewayResponse({ description: 'backend non-2xx (Request failed with status code <n>), unreachable, refused by the SSRF guard, or its reply not JSON, over 64 KiB or invalid (errors by path)' }),
    ApiServiceUnavailableResponse({ description: 'circuit open after consecutive failures; see Retry-After' }),
    ApiGatewayTimeoutResponse({ description: 'timeout of <timeoutMs>ms exceeded' }),
  );

/** Sending chats to a connection's backend and looking back at what was sent; bot keys for their own bot. */
@ApiTags('connections')
@Authenticated()
@ApiObjectIdParam('id')
@Controller('v2/integrations/webhook/:id')
export class DispatchController {
  constructor(
    private readonly dispatcher: DispatchService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Post('dispatch')
  @HttpCode(200)
  @ApiOperation({ operationId: 'dispatchConnection', summary: "Send a chat to the connection's backend" })
  @ApiBody({ type: DispatchBody })
  @DispatchAnswers()
  dispatch(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Body() body: unknown): Promise<DispatchResultView> {
    return this.dispatcher.dispatch(principal, id, body);
  }

  @Get('deliveries')
  @ApiOperation({ operationId: 'listDeliveries', summary: "List a connection's deliveries, newest first" })
  @ApiOkResponse({ type: DeliveryPageView })
  list(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Query() query: ListDeliveriesQuery): Promise<DeliveryPageView> {
    return this.deliveries.list(principal, id, query.limit, query.cursor);
  }

  @Get('deliveries/:deliveryId')
  @ApiOperation({ operationId: 'getDelivery', summary: 'Get a delivery with its request and response' })
  @ApiUuidParam('deliveryId')
  @ApiOkResponse({ type: DeliveryView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Param('deliveryId', ParseUuidPipe) deliveryId: string): Promise<DeliveryView> {
    return this.deliveries.get(principal, id, deliveryId);
  }

  @Post('deliveries/:deliveryId/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryDelivery', summary: 'Send a delivery again, as a new delivery' })
  @ApiUuidParam('deliveryId')
  @DispatchAnswers()
  retry(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string, @Param('deliveryId', ParseUuidPipe) deliveryId: string): Promise<DispatchResultView> {
    return this.deliveries.retry(principal, id, deliveryId);
  }
}
