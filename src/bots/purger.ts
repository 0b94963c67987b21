import { setTimeout as pause } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { ConfigType } from '../config/section';
import { databaseConfig } from '../config/database.config';
import { Sql } from '../database/sql';

type PurgeKind = 'bot' | 'connection';

/**
 * One step of a purge: deletes at most $2 rows of the target $1, so no statement holds locks for long.
 * The partitioned tables' rows are named by primary key: a ctid is only unique within one partition.
 */
const STEPS: Record<PurgeKind, string[]> = {
  bot: [
    `DELETE FROM invocations WHERE (id, received_at) IN (SELECT id, received_at FROM invocations WHERE bot_id = $1 LIMIT $2)`,
    `DELETE FROM revoked_webhooks WHERE ctid IN (SELECT ctid FROM revoked_webhooks WHERE bot_id = $1 LIMIT $2)`,
    `DELETE FROM single_use_claims WHERE webhook_id IN (SELECT webhook_id FROM single_use_claims WHERE bot_id = $1 LIMIT $2)`,
  ],
  // The minutes it empties are noted for GET /v1/stats, whose kept figures count the deliveries.
  connection: [
    `WITH gone AS (
       DELETE FROM connection_deliveries WHERE (id, created_at) IN (SELECT id, created_at FROM connection_deliveries WHERE connection_id = $1 LIMIT $2)
       RETURNING bot_id, created_at
     ) INSERT INTO stats_changes (bot_id, minute) SELECT DISTINCT bot_id, date_bin('1 minute', created_at, timestamptz 'epoch') FROM gone`,
  ],
};

/**
 * Removes what a deleted bot or connection leaves behind in the big tables, a bounded step at a time with
 * a pause between steps, so live traffic never waits behind it. The queue is the `purges` table, filled by
 * the deletion itself: a purge cut short by a restart is resumed on the next start, by whichever instance
 * takes it. An instance holds a session advisory lock on a purge while it works on it, so two never do
 * the same one.
 */
@Injectable()
export class Purger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Purger.name);
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private draining: Promise<void> | null = null;
  private drainAgain = false;
  /**
   * The purges this instance is working on. The advisory lock keeps other instances off them, but not
   * this one on the embedded database, whose connections share one session (and so its locks).
   */
  private readonly active = new Set<string>();

  constructor(
    private readonly sql: Sql,
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.drain();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.running]);
  }

  /**
   * Deletes a bot at once (its keys, URL keys and connections go with it by cascade) and purges the rest in
   * the background. The purge is locked before the deletion commits, so no other instance starts it first.
   * Returns false when there was no such bot.
   */
  async deleteBot(botId: string): Promise<boolean> {
    const client = await this.sql.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [lockName('bot', botId)]);
      const result = await client.query(`DELETE FROM bots WHERE id = $1`, [botId]);
      if (result.rowCount === 0) {
        await this.release(client, 'bot', botId);
        return false;
      }
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    this.track(this.purge(client, 'bot', botId));
    this.drain();
    return true;
  }

  /** Works through every unfinished purge no other instance holds; called again while running, it runs once more after. */
  drain(): void {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.track(this.drainOnce()).finally(() => {
      this.draining = null;
      if (this.drainAgain && !this.stopping.signal.aborted) {
        this.drainAgain = false;
        this.drain();
      }
    });
  }

  private async drainOnce(): Promise<void> {
    const pending = await this.sql.query<{ kind: PurgeKind; target_id: string }>(
      `SELECT kind, target_id FROM purges WHERE finished_at IS NULL ORDER BY created_at LIMIT 100`,
    );
    for (const { kind, target_id: id } of pending) {
      if (this.stopping.signal.aborted) return;
      if (this.active.has(lockName(kind, id))) continue;
      const client = await this.sql.connect();
      let locked: boolean;
      try {
        [{ locked }] = (await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [lockName(kind, id)])).rows;
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      if (locked) await this.purge(client, kind, id);
      else client.release();
    }
    if (pending.length === 100) this.drainAgain = true;
  }

  /** Runs with the purge's lock held on `client`; gives both back when done or stopped. */
  private async purge(client: PoolClient, kind: PurgeKind, id: string): Promise<void> {
    this.active.add(lockName(kind, id));
    try {
      for (const step of STEPS[kind]) {
        for (;;) {
          if (this.stopping.signal.aborted) return;
          const { rowCount } = await client.query(step, [id, this.config.purgeBatchSize]);
          if (!rowCount) break;
          await pause(this.config.purgePauseMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        }
      }
      await client.query(`UPDATE purges SET finished_at = now() WHERE kind = $1 AND target_id = $2`, [kind, id]);
    } catch (error) {
      this.logger.error(`purging ${kind} ${id} failed, it resumes on the next start: ${(error as Error).message}`);
    } finally {
      this.active.delete(lockName(kind, id));
      await this.release(client, kind, id).catch(() => client.release(true));
    }
  }

  private async release(client: PoolClient, kind: PurgeKind, id: string): Promise<void> {
    await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lockName(kind, id)]);
    client.release();
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: Error) => this.logger.error(`purge failed: ${error.message}`)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return tracked;
  }
}

const lockName = (kind: PurgeKind, id: string): string => `purge:${kind}:${id}`;
