import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { CACHE_BOUNDS } from '../common/cache-bounds';
import { ChangeNotices } from '../common/change-notices';
import { AppError } from '../common/errors';
import { ApiKey, ApiKeyKind } from './api-key.entity';
import { NegativeCache } from './negative-cache';
import type { Principal } from './principal';

const KEY_FORMAT = /^bh_(admin|bot)_[A-Za-z0-9_-]{43,}$/;
const CACHE_TTL_MS = 5000;
const UNKNOWN_TTL_MS = 5000;

const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

function generateApiKey(kind: ApiKeyKind): string {
  return `bh_${kind}_${randomBytes(32).toString('base64url')}`;
}

@Injectable()
export class ApiKeysService {
  // Every API call authenticates; a short-lived cache spares a round trip. A revocation, on any instance,
  // reaches this cache by its notice; CACHE_TTL_MS bounds how long a missed notice leaves a key working.
  private readonly cache = new LRUCache<string, Principal>({ max: CACHE_BOUNDS.apiKeys, ttl: CACHE_TTL_MS });
  // A flood of one unknown key would otherwise be a query each. A key created on any instance is taken
  // out by its notice; one whose notice was missed works here within UNKNOWN_TTL_MS.
  private readonly unknown = new NegativeCache(UNKNOWN_TTL_MS, CACHE_BOUNDS.unknownApiKeys);

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly notices: ChangeNotices,
  ) {
    notices.subscribe('api_key_created', ({ keyHash }) => this.unknown.delete(keyHash));
    notices.subscribe('api_key_revoked', ({ keyId }) => this.forget((p) => p.keyId === keyId));
    notices.subscribe('bot_deleted', ({ botId }) => this.forget((p) => p.kind === 'bot' && p.botId === botId));
    notices.onResync(() => {
      this.cache.clear();
      this.unknown.clear();
    });
  }

  /** Creates a key and returns it in clear, the only time it is ever seen. */
  async create(kind: ApiKeyKind, botId: string | null, manager?: EntityManager): Promise<{ id: string; apiKey: string }> {
    const apiKey = generateApiKey(kind);
    const repository = manager ? manager.getRepository(ApiKey) : this.keys;
    const keyHash = hashApiKey(apiKey);
    const saved = await repository.save(repository.create({ kind, botId, keyHash, prefix: apiKey.slice(0, kind === 'admin' ? 16 : 14) }));
    // Inside the caller's transaction nothing else may run; and a key made with its new bot was never
    // presented before, so no instance can have it down as unknown.
    if (!manager) await this.notices.publish('api_key_created', { keyHash });
    return { id: saved.id, apiKey };
  }

  /** The principal behind a presented key, or an AppError 401. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (!presented) throw new AppError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
    if (!KEY_FORMAT.test(presented)) throw new AppError('unauthorized', 'malformed API key');
    const hash = hashApiKey(presented);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    if (this.unknown.has(hash)) throw unknownKey();
    const key = await this.keys.findOne({ where: { keyHash: hash, revokedAt: IsNull() }, select: { id: true, kind: true, botId: true } });
    if (!key) {
      this.cache.delete(hash);
      this.unknown.add(hash);
      throw unknownKey();
    }
    const principal: Principal = key.kind === 'admin' ? { kind: 'admin', keyId: key.id } : { kind: 'bot', keyId: key.id, botId: key.botId! };
    this.cache.set(hash, principal);
    return principal;
  }

  /** Revokes one key; with a botId, only a key of that bot. */
  async revoke(keyId: string, botId?: string): Promise<void> {
    const result = await this.keys.update({ id: keyId, revokedAt: IsNull(), ...(botId ? { botId } : {}) }, { revokedAt: new Date() });
    if (!result.affected) throw new AppError('not_found', `api key ${keyId} not found`);
    await this.notices.publish('api_key_revoked', { keyId });
  }

  /** Registers a key chosen by the operator (ADMIN_API_KEY); a no-op when it is already there. */
  async register(kind: ApiKeyKind, apiKey: string): Promise<void> {
    const keyHash = hashApiKey(apiKey);
    await this.keys.createQueryBuilder().insert().values({ kind, botId: null, keyHash, prefix: apiKey.slice(0, 16) }).orIgnore().execute();
    await this.notices.publish('api_key_created', { keyHash });
  }

  async countAdminKeys(): Promise<number> {
    return this.keys.count({ where: { kind: 'admin' } });
  }

  async list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC' } });
  }

  private forget(match: (p: Principal) => boolean): void {
    for (const [hash, principal] of [...this.cache.entries()]) if (match(principal)) this.cache.delete(hash);
  }
}

const unknownKey = () => new AppError('unauthorized', 'unknown or revoked API key');
