import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../../auth/auth.decorator';
import { CurrentPrincipal, Principal } from '../../auth/principal';
import { ApiUuidParam, ParseUuidPipe } from '../../common/id-params';
import { AcceptedView, InvocationDetail, InvocationPage, InvocationsQuery } from './invocations.dto';
import { InvocationsService } from './invocations.service';

/** What calls of issued URLs became; a bot key sees its own bot's only. */
@ApiTags('webhooks')
@Authenticated()
@Controller('v1/invocations')
export class InvocationsController {
  constructor(private readonly invocations: InvocationsService) {}

  @Get()
  @ApiOperation({ operationId: 'listInvocations', summary: 'List invocations, newest first' })
  @ApiOkResponse({ type: InvocationPage })
  list(@CurrentPrincipal() principal: Principal, @Query() query: InvocationsQuery): Promise<InvocationPage> {
    return this.invocations.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getInvocation', summary: 'Get an invocation with the message its runtime received' })
  @ApiUuidParam('id')
  @ApiOkResponse({ type: InvocationDetail })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUuidPipe) id: string): Promise<InvocationDetail> {
    return this.invocations.get(principal, id);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({ operationId: 'redeliverInvocation', summary: 'Deliver an invocation again in the background' })
  @ApiUuidParam('id')
  @ApiAcceptedResponse({ type: AcceptedView })
  async redeliver(@CurrentPrincipal() principal: Principal, @Param('id', ParseUuidPipe) id: string): Promise<AcceptedView> {
    await this.invocations.redeliver(principal, id);
    return { accepted: true };
  }
}
