import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CACHE_BOUNDS } from '../common/cache-bounds';
import { ChangeNotices } from '../common/change-notices';
import { SecretBox } from '../common/secret-box';
import { Sql } from '../database/sql';
import { ConnectionRow, PreparedConnection, prepareConnection } from './prepared-connection';

const TTL_MS = 5000;

/**
 * Connections as the dispatch path uses them, kept in memory so that a dispatch reads nothing from the
 * database before it calls the backend. A change (PUT, DELETE, verify) drops the entry on every instance
 * as its notice arrives, and so does deleting a bot, whose connections must never be called again; TTL_MS
 * bounds how long a missed notice can leave an entry stale.
 */
@Injectable()
export class ConnectionCache {
  private readonly entries = new LRUCache<string, PreparedConnection>({ max: CACHE_BOUNDS.connections, ttl: TTL_MS });
  /** Bumped by every change notice, so that a row read before one is not cached after it. */
  private changes = 0;

  constructor(
    private readonly sql: Sql,
    private readonly secrets: SecretBox,
    notices: ChangeNotices,
  ) {
    notices.subscribe('bot_deleted', ({ botId }) => this.forgetBot(botId));
    notices.subscribe('connection_changed', ({ connectionId }) => {
      this.changes++;
      this.forget(connectionId);
    });
    notices.onResync(() => {
      this.changes++;
      this.entries.clear();
    });
  }

  async get(id: string): Promise<PreparedConnection | null> {
    const cached = this.entries.get(id);
    if (cached) return cached;
    let row: ConnectionRow | undefined;
    let changes: number;
    // A change heard of while the row was on its way may have been about it; reading again sees it.
    do {
      changes = this.changes;
      [row] = await this.sql.query<ConnectionRow>(
        `SELECT id, bot_id, name, url, token, headers, auth, timeout_ms, verification, signing_secret FROM connections WHERE id = $1`,
        [id],
      );
    } while (changes !== this.changes);
    if (!row) {
      this.entries.delete(id);
      return null;
    }
    const connection = prepareConnection(row, this.secrets);
    this.entries.set(id, connection);
    return connection;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  private forgetBot(botId: string): void {
    this.changes++;
    for (const [id, connection] of [...this.entries.entries()]) if (connection.botId === botId) this.entries.delete(id);
  }
}
