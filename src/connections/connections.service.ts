import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '../config/section';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { canSeeBot } from '../auth/principal';
import { Bot } from '../bots/bot.entity';
import { Purger } from '../bots/purger';
import { AppError } from '../common/errors';
import { newObjectId } from '../common/ids';
import { assertPublicUrl } from '../common/outbound/ssrf-guard';
import { SecretBox } from '../common/secret-box';
import { generateSigningSecret } from '../common/signing';
import { securityConfig } from '../config/security.config';
import { Sql } from '../database/sql';
import { Connection } from './connection.entity';
import { DispatchService } from './dispatch.service';
import { ConnectionFields, ConnectionListItemView, ConnectionView, DEFAULT_TIMEOUT_MS, NewConnectionFields, VerificationView } from './dto/connection.dto';
import { VerificationService } from './verification.service';

/** Create, read, replace, delete and verify connections. Secrets are sealed before they reach the database. */
@Injectable()
export class ConnectionsService {
  constructor(
    @InjectRepository(Connection) private readonly connections: Repository<Connection>,
    @InjectRepository(Bot) private readonly bots: Repository<Bot>,
    private readonly secrets: SecretBox,
    private readonly verifier: VerificationService,
    private readonly dispatcher: DispatchService,
    private readonly sql: Sql,
    private readonly purger: Purger,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
  ) {}

  async list(principal: Principal): Promise<ConnectionListItemView[]> {
    const connections = await this.connections.find({
      where: principal.kind === 'bot' ? { botId: principal.botId } : {},
      relations: { bot: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return connections.map((connection) => this.listItem(connection));
  }

  async get(principal: Principal, id: string): Promise<ConnectionView> {
    const connection = await this.connections.findOne({ where: { id }, relations: { bot: true } });
    if (!connection || !canSeeBot(principal, connection.botId)) throw notFound(id);
    const open = (sealed: string | null) => (sealed === null ? null : this.secrets.open(sealed));
    const headers = open(connection.headersSealed);
    const auth = open(connection.authSealed);
    const item = this.listItem(connection);
    return {
      id: item.id,
      story: item.story,
      name: item.name,
      url: item.url,
      token: open(connection.tokenSealed),
      headers: headers === null ? null : JSON.parse(headers),
      auth: auth === null ? null : JSON.parse(auth),
      timeoutMs: connection.timeoutMs,
      verification: connection.verification,
      signingSecret: this.secrets.open(connection.signingSecretSealed),
      error: item.error,
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
  }

  /** Verifies the backend (when there is a token) before saving, so the row is written once with the outcome. */
  async create(fields: NewConnectionFields): Promise<string> {
    await this.checkUrl(fields.url);
    if (!(await this.bots.existsBy({ id: fields.storyId }))) throw new AppError('not_found', `bot ${fields.storyId} not found`);
    const id = newObjectId();
    const timeoutMs = fields.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { verification, error } = await this.verifier.handshake({ ...fields, token: fields.token ?? null, timeoutMs });
    await this.connections.insert({
      id,
      botId: fields.storyId,
      ...this.sealedFields(fields),
      signingSecretSealed: this.secrets.seal(generateSigningSecret()),
      verification,
      error,
    });
    return id;
  }

  /**
   * Replaces the whole connection: what the body leaves out goes back to its default. A new url or token
   * runs the handshake again (and clears the old error, which was about the old backend); otherwise the
   * verification outcome and the last error stand.
   */
  async replace(id: string, fields: ConnectionFields): Promise<void> {
    await this.checkUrl(fields.url);
    const existing = await this.connections.findOne({ where: { id }, select: { id: true, url: true, tokenSealed: true, verification: true, error: true } });
    if (!existing) throw notFound(id);
    const token = fields.token ?? null;
    const previousToken = existing.tokenSealed === null ? null : this.secrets.open(existing.tokenSealed);
    const timeoutMs = fields.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const changed = existing.url !== fields.url || previousToken !== token;
    const { verification, error } = changed ? await this.verifier.handshake({ ...fields, token, timeoutMs }) : existing;
    const result = await this.connections.update({ id }, { ...this.sealedFields(fields), verification, error });
    await this.dispatcher.forget(id);
    if (!result.affected) throw notFound(id);
  }

  /** Its deliveries, unreachable once it is gone, are purged in the background. */
  async remove(id: string): Promise<void> {
    const result = await this.connections.delete({ id });
    await this.dispatcher.forget(id);
    if (!result.affected) throw notFound(id);
    this.purger.drain();
  }

  /** Runs the handshake now and keeps its outcome. Without a token there is nothing to verify. */
  async verify(id: string): Promise<VerificationView> {
    const connection = await this.connections.findOne({
      where: { id },
      select: { id: true, url: true, tokenSealed: true, headersSealed: true, authSealed: true, timeoutMs: true, error: true },
    });
    if (!connection) throw notFound(id);
    if (connection.tokenSealed === null) return { verification: 'not_required', error: connection.error };
    const openJson = (sealed: string | null) => (sealed === null ? null : JSON.parse(this.secrets.open(sealed)));
    const result = await this.verifier.handshake({
      url: connection.url,
      token: this.secrets.open(connection.tokenSealed),
      headers: openJson(connection.headersSealed),
      auth: openJson(connection.authSealed),
      timeoutMs: connection.timeoutMs,
    });
    // Not an edit of the connection, so updated_at stays.
    const updated = await this.sql.query(`UPDATE connections SET verification = $2, error = $3 WHERE id = $1 RETURNING id`, [id, result.verification, result.error]);
    await this.dispatcher.forget(id);
    if (updated.length === 0) throw notFound(id);
    return result;
  }

  private sealedFields(fields: ConnectionFields): Pick<Connection, 'name' | 'url' | 'tokenSealed' | 'headersSealed' | 'authSealed' | 'timeoutMs'> {
    const seal = (value: string | null | undefined) => (value === null || value === undefined ? null : this.secrets.seal(value));
    return {
      name: fields.name,
      url: fields.url,
      tokenSealed: seal(fields.token),
      headersSealed: fields.headers ? seal(JSON.stringify(fields.headers)) : null,
      authSealed: fields.auth ? seal(JSON.stringify({ username: fields.auth.username, password: fields.auth.password })) : null,
      timeoutMs: fields.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
  }

  /** Saving a URL that would reach a private address is refused here, and calling one is refused again at send. */
  private async checkUrl(url: string): Promise<void> {
    try {
      await assertPublicUrl(url, { allowPrivate: this.security.outboundAllowPrivate });
    } catch (error) {
      throw new AppError('bad_request', 'request validation failed', { errors: [{ path: 'url', message: (error as Error).message }] });
    }
  }

  private listItem(connection: Connection): ConnectionListItemView {
    return {
      id: connection.id,
      story: { id: connection.botId, name: connection.bot!.name },
      name: connection.name,
      url: connection.url,
      error: connection.error,
      createdAt: connection.createdAt.toISOString(),
      updatedAt: connection.updatedAt.toISOString(),
    };
  }
}

const notFound = (id: string): AppError => new AppError('not_found', `connection ${id} not found`);
