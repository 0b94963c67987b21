import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CACHE_BOUNDS } from '../common/cache-bounds';
import { ChangeNotices } from '../common/change-notices';
import { SecretBox } from '../common/secret-box';
import { Sql } from '../database/sql';

const TTL_MS = 5000;
/** A version this instance has not seen reloads the bot's keys at most this often, so forged versions cost no query per call. */
const UNKNOWN_VERSION_RELOAD_MS = 1000;

export interface UrlKeyVersion {
  version: number;
  key: Buffer;
  /** Epoch milliseconds after which URLs signed with this version answer 410; null while it is in use. */
  retiresAt: number | null;
}

export interface BotUrlKeys {
  /** The version new URLs are signed with: the newest. */
  current: UrlKeyVersion;
  versions: Map<number, UrlKeyVersion>;
}

interface Entry {
  keys: BotUrlKeys | null;
  /** When a version missing from `keys` last made this instance reload them; null if it never has. */
  reloadedForVersionAt: number | null;
}

/**
 * A bot's URL keys, decrypted and kept in memory: issuing and verifying a URL read nothing from the
 * database. A rotation or deletion, on any instance, drops the entry as its notice arrives; TTL_MS bounds
 * how long a missed notice leaves it stale (the receive path re-checks retirement in its own statement, so
 * a rotated-out URL is refused everywhere at once). A URL signed with a version newer than the cached keys, issued on another
 * instance right after a rotation, reloads them at once. Unknown bots are cached too, so forged URLs
 * cannot make every call a query.
 */
@Injectable()
export class UrlKeysService {
  /** The clock the cache ages by; replaceable so that a test can move time. */
  now: () => number = Date.now;
  private readonly entries = new LRUCache<string, Entry>({ max: CACHE_BOUNDS.urlKeys, ttl: TTL_MS, ttlResolution: 0, perf: { now: () => this.now() } });

  constructor(
    private readonly sql: Sql,
    private readonly secrets: SecretBox,
    notices: ChangeNotices,
  ) {
    notices.subscribe('url_keys_rotated', ({ botId }) => this.forget(botId));
    notices.subscribe('bot_deleted', ({ botId }) => this.forget(botId));
    notices.onResync(() => this.entries.clear());
  }

  /** With `version`, a cached set of keys that lacks it is reloaded, at most once every UNKNOWN_VERSION_RELOAD_MS. */
  async forBot(botId: string, version?: number): Promise<BotUrlKeys | null> {
    const now = this.now();
    const cached = this.entries.get(botId);
    if (cached) {
      const known = version === undefined || (cached.keys?.versions.has(version) ?? false);
      const reloadedLately = cached.reloadedForVersionAt !== null && now - cached.reloadedForVersionAt < UNKNOWN_VERSION_RELOAD_MS;
      if (known || reloadedLately) return cached.keys;
    }
    const forVersion = cached !== undefined;
    const rows = await this.sql.query<{ version: number; secret: string; retires_at: Date | null }>(
      `SELECT version, secret, retires_at FROM url_keys WHERE bot_id = $1 ORDER BY version`,
      [botId],
      'url_keys_for_bot',
    );
    const keys = rows.length === 0 ? null : this.open(rows);
    this.entries.set(botId, { keys, reloadedForVersionAt: forVersion ? now : null });
    return keys;
  }

  forget(botId: string): void {
    this.entries.delete(botId);
  }

  private open(rows: { version: number; secret: string; retires_at: Date | null }[]): BotUrlKeys {
    const versions = new Map<number, UrlKeyVersion>();
    for (const row of rows) {
      versions.set(row.version, {
        version: row.version,
        key: Buffer.from(this.secrets.open(row.secret), 'base64url'),
        retiresAt: row.retires_at === null ? null : row.retires_at.getTime(),
      });
    }
    return { current: versions.get(rows[rows.length - 1].version)!, versions };
  }
}
