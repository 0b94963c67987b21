import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { Clock, ClockModule } from '../common/clock';
import { retentionConfig } from '../config/retention.config';
import type { ConfigType } from '../config/section';
import { ClusterJob } from './cluster-job';
import { Sql } from './sql';

const EVERY_MS = 60 * 60 * 1000;
/** Day partitions kept ready past today, so that a job stopped for a few days stops no call. */
export const DAYS_AHEAD = 7;
/**
 * And yesterday's, from the first day on: an instance whose clock is a little behind stamps a call just
 * after midnight with the day before, and a row that lands in the default partition is moved out by the
 * next run, under which a concurrent insert routed to the default partition fails.
 */
const DAYS_BEHIND = 1;
/**
 * How long a rebuild of a day's indexes may take: far past the pool's query timeout, which would cut it
 * short and leave its unfinished copies behind.
 */
const COMPACT_TIMEOUT_MS = 60 * 60 * 1000;
/** Rows deleted per statement from the small tables, so that no statement holds locks for long. */
const BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const CLOCK_SKEW_MS = 5 * 60 * 1000;

interface PartitionedTable {
  name: string;
  key: string;
  days: (config: ConfigType<typeof retentionConfig>) => number;
}

const PARTITIONED: PartitionedTable[] = [
  { name: 'invocations', key: 'received_at', days: (config) => config.invocationDays },
  { name: 'connection_deliveries', key: 'created_at', days: (config) => config.deliveryDays },
];

/**
 * Each statement removes at most BATCH rows that can matter no more: idempotency records past their
 * 24 h, single-use claims of URLs that have expired, and revocation tombstones of URLs that can no longer
 * be called, because they have expired or because every URL key that can have signed them (versions up
 * to the newest when the URL was revoked) has been rotated out. :now is a few minutes ago, since each
 * instance judges a call by its own clock, and one a little behind this one's must still find them.
 */
const SWEEPS = [
  `DELETE FROM idempotency_keys WHERE (webhook_id, key) IN (SELECT webhook_id, key FROM idempotency_keys WHERE expires_at <= :now LIMIT ${BATCH})`,
  `DELETE FROM single_use_claims WHERE webhook_id IN (SELECT webhook_id FROM single_use_claims WHERE expires_at <= :now LIMIT ${BATCH})`,
  `DELETE FROM revoked_webhooks WHERE ctid IN (
     SELECT ctid FROM revoked_webhooks r
      WHERE r.expires_at <= :now
         OR (r.key_version IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM url_keys k WHERE k.bot_id = r.bot_id AND k.version <= r.key_version AND (k.retires_at IS NULL OR k.retires_at > :now)))
      LIMIT ${BATCH})`,
];

/**
 * What GET /v1/stats kept of the days dropped, the hours that say so first: an hour without its row is
 * computed from what is left of it.
 */
const KEPT_STATS = [
  `DELETE FROM stats_hours WHERE (bot_id, hour) IN (SELECT bot_id, hour FROM stats_hours WHERE hour < :before LIMIT ${BATCH})`,
  `DELETE FROM stats_minutes WHERE (bot_id, minute) IN (SELECT bot_id, minute FROM stats_minutes WHERE minute < :before LIMIT ${BATCH})`,
  `DELETE FROM stats_changes WHERE id IN (SELECT id FROM stats_changes WHERE minute < :before LIMIT ${BATCH})`,
];

/**
 * Retention (contract §6): invocations and connection deliveries are kept in one partition per UTC day,
 * and a day is dropped whole once it is older than its table's retention (rows are kept at least that
 * many days, at most a day more), with no DELETE scan. The job also keeps partitions ready for the days
 * ahead, gives days the default partition caught a partition of their own, rebuilds a closed day's
 * indexes packed, and empties the small tables of what has expired. It runs at start and every hour, on one
 * instance at a time: the others find the advisory lock taken and leave the run to its holder.
 */
@Injectable()
export class Retention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private readonly job: ClusterJob;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    @Inject(retentionConfig.KEY) private readonly config: ConfigType<typeof retentionConfig>,
  ) {
    this.job = new ClusterJob(sql, 'bothooks:retention', (client) => this.maintain(client, this.clock.now()));
  }

  onApplicationBootstrap(): void {
    this.job.start(EVERY_MS, (error) => this.logger.warn(`retention run failed, tried again within the hour: ${error.message}`));
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** One run (see ClusterJob.run). */
  run(options: { wait?: boolean } = {}): Promise<boolean> {
    return this.job.run(options);
  }

  /**
   * Each step on its own: one that fails (a lock not had in time) leaves the others to be done. Values are
   * written into the statements (dates and table names made here, nothing from outside), so that each is
   * one simple-protocol message: the embedded database serves all connections from one session, where a
   * statement prepared in several messages can interleave with another connection's.
   */
  private async maintain(client: PoolClient, now: number): Promise<void> {
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    for (const table of PARTITIONED) {
      const keepFrom = isoDay(today - table.days(this.config) * DAY_MS);
      await this.step(`making ${table.name} partitions`, async () => {
        const strays = await client.query<{ day: string }>(
          `SELECT DISTINCT to_char((${table.key} AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day FROM ${table.name}_default WHERE ${table.key} >= '${keepFrom}'::date`,
        );
        const ready = Array.from({ length: DAYS_BEHIND + DAYS_AHEAD + 1 }, (_, n) => isoDay(today + (n - DAYS_BEHIND) * DAY_MS));
        for (const day of new Set([...strays.rows.map((row) => row.day), ...ready])) {
          await client.query(`SELECT create_day_partition('${table.name}', '${day}'::date)`);
        }
      });
      await this.step(`dropping ${table.name} partitions`, async () => {
        const [{ dropped }] = (await client.query<{ dropped: number }>(`CALL drop_expired_days('${table.name}', '${keepFrom}'::date)`)).rows;
        if (dropped > 0) this.logger.log(`dropped ${dropped} day partition(s) of ${table.name} before ${keepFrom}`);
      });
      await this.step('forgetting the stats kept of dropped days', async () => {
        for (const sweep of KEPT_STATS) while ((await client.query(sweep.replaceAll(':before', `'${keepFrom}'::date`))).rowCount === BATCH);
      });
      await this.step(`compacting a closed day of ${table.name}`, () => this.compact(client, table.name, isoDay(today - DAY_MS)));
    }
    await this.step('forgetting the compaction of dropped days', async () => {
      await client.query(`DELETE FROM compacted_partitions WHERE to_regclass(name) IS NULL`);
    });
    const at = `'${new Date(now - CLOCK_SKEW_MS).toISOString()}'::timestamptz`;
    for (const sweep of SWEEPS) {
      await this.step('removing expired rows', async () => {
        while ((await client.query(sweep.replaceAll(':now', at))).rowCount === BATCH);
      });
    }
  }

  /**
   * Rebuilds the indexes of the newest day before `closedBefore` not compacted yet, one day a run. A day's
   * calls arrive in id order, but each index holds one range per bot and status (or command), all growing
   * at once, and a page that fills inside an index splits in half: a day ends with its indexes about half
   * empty. Once the day is over its rows hardly change (a late retry at most), so one rebuild leaves them
   * packed for the rest of the retention. CONCURRENTLY, so calls and lists go on meanwhile; the embedded
   * database has one session, where there is no one to go on.
   */
  private async compact(client: PoolClient, table: string, closedBefore: string): Promise<void> {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '${table}'::regclass AND c.relname ~ '^${table}_p[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < '${closedBefore}'::date
          AND NOT EXISTS (SELECT 1 FROM compacted_partitions k WHERE k.name = c.relname)
        ORDER BY c.relname DESC LIMIT 1`,
    );
    if (rows.length === 0) return;
    const [{ name }] = rows;
    const concurrently = this.sql.embedded ? '' : 'CONCURRENTLY ';
    // A rebuild cut short (the process stopped mid-way) leaves its unfinished copies, invalid: they go first.
    const leftovers = await client.query<{ index: string }>(`SELECT indexrelid::regclass::text AS index FROM pg_index WHERE indrelid = '${name}'::regclass AND NOT indisvalid`);
    for (const { index } of leftovers.rows) await client.query(`DROP INDEX ${concurrently}IF EXISTS ${index}`);
    // node-pg takes a timeout per query, though its types do not say so.
    const rebuild = { text: `REINDEX TABLE ${concurrently}${name}`, query_timeout: COMPACT_TIMEOUT_MS };
    await client.query(rebuild);
    await client.query(`INSERT INTO compacted_partitions (name) VALUES ('${name}') ON CONFLICT DO NOTHING`);
    this.logger.log(`compacted the indexes of ${name}`);
  }

  private async step(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(`retention: ${what} failed, tried again on the next run: ${(error as Error).message}`);
    }
  }
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

@Module({ imports: [ClockModule], providers: [Retention], exports: [Retention] })
export class RetentionModule {}
