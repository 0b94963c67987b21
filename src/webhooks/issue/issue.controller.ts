import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../../auth/auth.decorator';
import { CurrentPrincipal, Principal } from '../../auth/principal';
import { successEnvelope } from '../../common/errors';
import { ApiUuidParam, ParseUuidPipe } from '../../common/id-params';
import { ApiSuccessEnvelope } from '../../common/openapi/envelopes';
import { IssuedWebhookView, IssueWebhookBody } from './issue.dto';
import { IssueService } from './issue.service';

/** Issuing signed URLs and revoking them; a bot key for its own bot, an admin key naming the bot. */
@ApiTags('webhooks')
@Authenticated()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly issuer: IssueService) {}

  @Post()
  @ApiOperation({ operationId: 'issueWebhook', summary: 'Issue a signed webhook URL' })
  @ApiBody({ type: IssueWebhookBody })
  @ApiCreatedResponse({ type: IssuedWebhookView })
  issue(@CurrentPrincipal() principal: Principal, @Body() body: Record<string, unknown>): Promise<IssuedWebhookView> {
    return this.issuer.issue(principal, body);
  }

  @Post(':webhookId/revoke')
  @HttpCode(200)
  @ApiOperation({ operationId: 'revokeWebhook', summary: 'Revoke an issued URL' })
  @ApiUuidParam('webhookId')
  @ApiSuccessEnvelope('Revoked: the URL answers 410 from now on')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('webhookId', ParseUuidPipe) webhookId: string) {
    await this.issuer.revoke(principal, webhookId);
    return successEnvelope();
  }
}
