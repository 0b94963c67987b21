import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated } from '../../auth/auth.decorator';
import { botIdFor, CurrentPrincipal, Principal } from '../../auth/principal';
import { StreamQuery } from './stream.dto';
import { InvocationStream } from './invocation-stream';

/** Registered before the invocations controller, so that `stream` is not read as an invocation id. */
@ApiTags('webhooks')
@Authenticated()
@Controller('v1/invocations/stream')
export class InvocationStreamController {
  constructor(private readonly stream: InvocationStream) {}

  @Get()
  @ApiOperation({
    operationId: 'streamInvocations',
    summary: 'Server-sent events: an `invocation` event (the invocation as JSON) for each new invocation and each change of status',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream; a comment line keeps it open while nothing happens', schema: { type: 'string' } })
  open(@CurrentPrincipal() principal: Principal, @Query() query: StreamQuery, @Res() res: Response): void {
    const botId = principal.kind === 'bot' ? botIdFor(principal, query.botId) : query.botId;
    this.stream.open(principal, botId, res);
  }
}
