import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { botIdFor, Principal } from '../auth/principal';
import { UrlKeysService } from '../bots/url-keys.service';
import { AppError } from '../common/errors';
import { Sql } from '../database/sql';
import type { IssuedWebhookView } from './dto/webhook.dto';
import { parseIssueRequest } from './issue-request';
import { issueWebhookUrl } from './webhook-url';

/**
 * Node's default limit for a request's line and headers together is 16 KiB; a URL longer than this
 * would be issued only to fail with 431 when called.
 */
const MAX_URL_LENGTH = 14_336;

@Injectable()
export class IssueService {
  constructor(
    private readonly urlKeys: UrlKeysService,
    private readonly sql: Sql,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  /** Pure CPU once the bot's URL key is cached: nothing is written, single use and revocation are checked on call. */
  async issue(principal: Principal, body: unknown): Promise<IssuedWebhookView> {
    const request = parseIssueRequest(body);
    const botId = botIdFor(principal, request.botId);
    const keys = await this.urlKeys.forBot(botId);
    if (!keys) throw new AppError('not_found', `bot ${botId} not found`);
    const webhookId = randomUUID();
    // Whole seconds, rounded up: a URL may outlive expiresIn by under a second, never fall short of it.
    const expiresAt = request.expiresIn === null ? null : Math.ceil(Date.now() / 1000) + request.expiresIn;
    const url = issueWebhookUrl(
      this.app.publicUrl,
      {
        webhookId,
        botId,
        keyVersion: keys.current.version,
        command: request.command,
        userId: request.userId,
        chatId: request.chatId,
        content: request.content,
        params: request.params,
        redirect: request.redirect,
        expiresAt,
        singleUse: request.singleUse,
        mode: request.mode,
      },
      keys.current.key,
    );
    if (url.length > MAX_URL_LENGTH) {
      throw new AppError('bad_request', `the issued URL would be ${url.length} characters long, more than the ${MAX_URL_LENGTH} that fit in a request: shorten content, params or redirect`);
    }
    return {
      webhookId,
      url,
      botId,
      command: request.command,
      userId: request.userId,
      chatId: request.chatId,
      mode: request.mode,
      expiresAt: expiresAt === null ? null : new Date(expiresAt * 1000).toISOString(),
    };
  }

  /**
   * Issued URLs are not stored, so there is nothing to look up: the revocation is recorded and every URL
   * with this id answers 410 from then on. A bot key's revocation applies to its own bot's URL only, so
   * it can neither touch nor learn about another bot's.
   */
  async revoke(principal: Principal, webhookId: string): Promise<void> {
    await this.sql.query(`INSERT INTO revoked_webhooks (webhook_id, bot_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      webhookId,
      principal.kind === 'bot' ? principal.botId : null,
    ]);
  }
}
