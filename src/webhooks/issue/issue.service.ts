import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import { appConfig } from '../../config/app.config';
import { webhooksConfig } from '../../config/webhooks.config';
import { botIdFor, Principal } from '../../auth/principal';
import { UrlKeysService } from '../../bots/url-keys.service';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/errors';
import { SecretBox } from '../../common/secret-box';
import { Sql } from '../../database/sql';
import type { IssuedWebhookView } from './issue.dto';
import { parseIssueRequest } from './issue-request';
import { botBoundUuid, isBoundTo } from '../shared/uuid';
import { issueWebhookUrl } from './webhook-url';

/**
 * Node's default limit for a request's line and headers together is 16 KiB; a URL longer than this
 * would be issued only to fail with 431 when called.
 */
const MAX_URL_LENGTH = 14_336;

@Injectable()
export class IssueService {
  /** Binds webhook ids to their bot; derived, so it changes only with ENCRYPTION_KEY. */
  private readonly idKey: Buffer;

  constructor(
    private readonly urlKeys: UrlKeysService,
    private readonly sql: Sql,
    private readonly clock: Clock,
    secrets: SecretBox,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(webhooksConfig.KEY) private readonly webhooks: ConfigType<typeof webhooksConfig>,
  ) {
    this.idKey = secrets.deriveKey('bothooks webhook id');
  }

  /** Pure CPU once the bot's URL key is cached: nothing is written, single use and revocation are checked on call. */
  async issue(principal: Principal, body: unknown): Promise<IssuedWebhookView> {
    const request = parseIssueRequest(body, this.webhooks.runtimeTimeoutMs);
    const botId = botIdFor(principal, request.botId);
    const keys = await this.urlKeys.forBot(botId);
    if (!keys) throw new AppError('not_found', `bot ${botId} not found`);
    const webhookId = botBoundUuid(this.idKey, botId);
    // Whole seconds, rounded up: a URL may outlive expiresIn by under a second, never fall short of it.
    const expiresAt = request.expiresIn === null ? null : Math.ceil(this.clock.now() / 1000) + request.expiresIn;
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
        deadlineMs: request.deadlineMs,
        cors: request.cors,
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
   * Issued URLs are not stored, so the id itself says whose it is: a bot key may revoke only ids issued
   * for its bot, an admin key ids issued for any existing bot, found by checking the id's MAC against
   * each bot id (one HMAC per bot, on a rare call). Any other id is 404, as if unknown, and so are the
   * random ids of URLs issued before ids told their bot: nothing can tell one of them from an id never
   * issued. Those URLs keep working; rotating the bot's URL key is what stops them.
   */
  async revoke(principal: Principal, webhookId: string): Promise<void> {
    const botId = await this.issuedFor(principal, webhookId);
    if (botId === undefined) throw new AppError('not_found', `webhook ${webhookId} not found`);
    // The bot's newest URL key signed this URL or an older one did: once all of those are rotated out,
    // the URL cannot be called and the tombstone can go (see Retention).
    await this.sql.query(
      `INSERT INTO revoked_webhooks (webhook_id, bot_id, key_version)
       VALUES ($1, $2::varchar, (SELECT max(version) FROM url_keys WHERE bot_id = $2::varchar)) ON CONFLICT DO NOTHING`,
      [webhookId, botId],
    );
  }

  private async issuedFor(principal: Principal, webhookId: string): Promise<string | undefined> {
    if (principal.kind === 'bot') return isBoundTo(this.idKey, webhookId, principal.botId) ? principal.botId : undefined;
    const bots = await this.sql.query<{ id: string }>(`SELECT id FROM bots`);
    return bots.find((bot) => isBoundTo(this.idKey, webhookId, bot.id))?.id;
  }
}
