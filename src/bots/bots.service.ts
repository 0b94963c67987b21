import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '../config/section';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { securityConfig } from '../config/security.config';
import { ApiKeysService } from '../auth/api-keys.service';
import { ChangeNotices } from '../common/change-notices';
import { AppError } from '../common/errors';
import { newObjectId } from '../common/ids';
import { SecretBox } from '../common/secret-box';
import { generateSigningSecret } from '../common/signing';
import { assertPublicUrl } from '../common/outbound/ssrf-guard';
import { Bot } from './bot.entity';
import { UrlKey } from './url-key.entity';
import { Purger } from './purger';
import type { BotDetailView, BotView, CreateBotDto, CreatedApiKeyView, CreatedBotView, UpdateBotDto } from './dto/bot.dto';

@Injectable()
export class BotsService {
  constructor(
    @InjectRepository(Bot) private readonly bots: Repository<Bot>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly secrets: SecretBox,
    private readonly notices: ChangeNotices,
    private readonly purger: Purger,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
  ) {}

  async create(dto: CreateBotDto): Promise<CreatedBotView> {
    await this.checkRuntimeUrl(dto.runtimeUrl);
    const signingSecret = generateSigningSecret();
    const { bot, apiKey } = await this.dataSource.transaction(async (manager) => {
      const bot = await manager.save(
        manager.create(Bot, { id: newObjectId(), name: dto.name, runtimeUrl: dto.runtimeUrl ?? null, ordering: dto.ordering ?? 'conversation', signingSecretSealed: this.secrets.seal(signingSecret) }),
      );
      await manager.insert(UrlKey, { botId: bot.id, version: 1, secretSealed: this.secrets.seal(newUrlKeySecret()), retiresAt: null });
      const { apiKey } = await this.apiKeys.create('bot', bot.id, manager);
      return { bot, apiKey };
    });
    return { ...this.detail(bot, signingSecret), apiKey };
  }

  async list(): Promise<BotView[]> {
    return (await this.bots.find({ order: { createdAt: 'ASC', id: 'ASC' } })).map((bot) => this.view(bot));
  }

  async get(id: string): Promise<BotDetailView> {
    const bot = await this.find(id);
    return this.detail(bot, this.secrets.open(bot.signingSecretSealed));
  }

  async update(id: string, dto: UpdateBotDto): Promise<BotDetailView> {
    const bot = await this.find(id);
    if (dto.runtimeUrl !== undefined) await this.checkRuntimeUrl(dto.runtimeUrl);
    if (dto.name !== undefined) bot.name = dto.name;
    if (dto.runtimeUrl !== undefined) bot.runtimeUrl = dto.runtimeUrl;
    if (dto.ordering !== undefined) bot.ordering = dto.ordering;
    const saved = await this.bots.save(bot);
    return this.detail(saved, this.secrets.open(saved.signingSecretSealed));
  }

  /**
   * Its keys, URL keys and connections go with it at once (ON DELETE CASCADE), caches here drop it before
   * the answer and other instances' as the notice arrives; its invocations and deliveries are purged in
   * the background.
   */
  async remove(id: string): Promise<void> {
    if (!(await this.purger.deleteBot(id))) throw notFound(id);
    await this.notices.publish('bot_deleted', { botId: id });
  }

  async createApiKey(botId: string): Promise<CreatedApiKeyView> {
    await this.find(botId);
    return this.apiKeys.create('bot', botId);
  }

  async revokeApiKey(botId: string, keyId: string): Promise<void> {
    await this.find(botId);
    await this.apiKeys.revoke(keyId, botId);
  }

  /**
   * Starts signing URLs with a new key version. URLs signed before keep working for graceSeconds,
   * then answer 410. A shorter grace than one already running wins; a longer one does not revive a key.
   */
  async rotateUrlKey(botId: string, graceSeconds: number): Promise<void> {
    await this.find(botId);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM bots WHERE id = $1 FOR UPDATE`, [botId]);
      await manager.query(
        `UPDATE url_keys SET retires_at = LEAST(COALESCE(retires_at, 'infinity'), now() + $2::int * interval '1 second') WHERE bot_id = $1`,
        [botId, graceSeconds],
      );
      await manager.query(
        `INSERT INTO url_keys (bot_id, version, secret) SELECT $1::varchar, COALESCE(MAX(version), 0) + 1, $2 FROM url_keys WHERE bot_id = $1::varchar`,
        [botId, this.secrets.seal(newUrlKeySecret())],
      );
    });
    await this.notices.publish('url_keys_rotated', { botId });
  }

  private async find(id: string): Promise<Bot> {
    const bot = await this.bots.findOne({ where: { id } });
    if (!bot) throw notFound(id);
    return bot;
  }

  private async checkRuntimeUrl(url: string | null | undefined): Promise<void> {
    if (!url) return;
    try {
      await assertPublicUrl(url, { allowPrivate: this.security.outboundAllowPrivate });
    } catch (error) {
      throw new AppError('bad_request', 'request validation failed', { errors: [{ path: 'runtimeUrl', message: (error as Error).message }] });
    }
  }

  private view(bot: Bot): BotView {
    return { id: bot.id, name: bot.name, runtimeUrl: bot.runtimeUrl, ordering: bot.ordering, createdAt: bot.createdAt.toISOString(), updatedAt: bot.updatedAt.toISOString() };
  }

  private detail(bot: Bot, signingSecret: string): BotDetailView {
    return { ...this.view(bot), signingSecret };
  }
}

const notFound = (id: string): AppError => new AppError('not_found', `bot ${id} not found`);

/** The HMAC key for webhook URLs: 32 random bytes, never sent anywhere. */
function newUrlKeySecret(): string {
  return randomBytes(32).toString('base64url');
}
