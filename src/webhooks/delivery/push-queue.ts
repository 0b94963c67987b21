import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import PgBoss from 'pg-boss';
import { webhooksConfig } from '../../config/webhooks.config';
import { underSchemaLock } from '../../database/schema-lock';
import { Sql } from '../../database/sql';
import { Batcher } from '../../common/batcher';
import { derivedUuid } from '../shared/uuid';

/** The name queued jobs are filed under: it predates the push queue's name, and renaming it would orphan them. */
const QUEUE = 'webhook-deliveries';
const WORKERS = 4;
const JOBS_PER_FETCH = 25;
const POLLING_SECONDS = 2;
/**
 * How long past the runtime timeout a job may stay active before it is taken for a dead worker's. Long
 * enough for its few queries; every extra second is a second that a crash delays the deliveries in flight.
 */
export const ABANDONED_AFTER_SECONDS = 30;
/** How often pg-boss looks for such jobs (its default, 2 minutes, held a crash's deliveries that long). */
const MAINTENANCE_SECONDS = 10;
/**
 * What keeps pg-boss's tables bounded (§6): a finished job moves to the archive after an hour (a failed
 * one after a day, to be looked at), the archive is emptied of what is older than a day, and a job that
 * was never fetched is archived a day after it was due. The invocation row, not the job, is the record
 * of a delivery, and the sweeper queues again what a lost job leaves waiting.
 */
const JOB_RETENTION = { archiveCompletedAfterSeconds: 3600, archiveFailedAfterSeconds: 86_400, deleteAfterDays: 1 } as const;
const UNFETCHED_RETENTION_DAYS = 1;

export interface PushAttempt {
  invocationId: string;
  /** 1 for the first attempt: with the invocation id it names the job, so scheduling twice is harmless. */
  attempt: number;
  /** Absent: as soon as a worker is free. */
  at?: Date;
  /** The retry delays, in seconds, of the instance that accepted the call; absent: this instance's. */
  schedule?: number[];
  /**
   * A job of its own rather than the attempt's: for an ordered call, whose jobs may have found it was not
   * its turn, and whose turn may come more than once for the same attempt number.
   */
  fresh?: boolean;
  /** Instead of attempting the call, hand its conversation's turn on (its hold has run out). */
  turnOf?: ConversationRef;
}

/** A bot's conversation, as ConversationTurns keys it. */
export interface ConversationRef {
  botId: string;
  conversation: string;
}

/**
 * A job names the invocation and carries the retry schedule it was accepted under, so that whichever
 * instance's worker makes an attempt, the retries follow the same schedule.
 */
export interface PushJobData {
  invocationId: string;
  schedule: number[];
  turnOf?: ConversationRef;
}

export type PushJob = PgBoss.Job<PushJobData>;

/**
 * The background push queue: pg-boss in the same Postgres (schema `pgboss`), over the app's own
 * connection pool so that the embedded database's few connections are shared rather than split. The
 * invocation's row says what is due. Workers here are woken at once when work is queued locally, and poll
 * every POLLING_SECONDS for the rest.
 */
@Injectable()
export class PushQueue implements OnModuleDestroy {
  private readonly logger = new Logger('PushQueue');
  private boss: PgBoss | null = null;
  private readonly workers: string[] = [];
  private readonly wakeTimers = new Set<NodeJS.Timeout>();
  // Receiving answers as soon as the invocation is committed; first attempts are queued right after,
  // many calls' jobs in one insert. A job lost to a crash in between is re-queued by the sweeper.
  private readonly firstAttempts = new Batcher<string, void>((ids) => this.insertFirstAttempts(ids), { concurrency: 1, maxBatch: 500 });

  constructor(
    private readonly sql: Sql,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  async start(handler: (jobs: PushJob[]) => Promise<void>): Promise<void> {
    const boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => this.sql.pool.query(text, values) },
      schema: 'pgboss',
      schedule: false,
      pollingIntervalSeconds: POLLING_SECONDS,
      maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
      ...JOB_RETENTION,
      retentionDays: UNFETCHED_RETENTION_DAYS,
    });
    boss.on('error', (error: Error) => this.logger.error(`push queue: ${error.message}`));
    // Retrying a job is for a worker that died mid-batch, which its expiry has already waited out; failed
    // deliveries are rescheduled by us.
    const options: PgBoss.Queue = { name: QUEUE, policy: 'standard', retryLimit: 5, retryDelay: 1, retryBackoff: false, retentionDays: UNFETCHED_RETENTION_DAYS };
    // pg-boss installing its schema and creating the queue on a fresh database races another instance
    // doing the same in Postgres's catalog: under the schema lock they take turns.
    await underSchemaLock(this.sql.pool, async () => {
      await boss.start();
      await boss.createQueue(QUEUE, options);
      // createQueue leaves an existing queue as it was; the options are ours to keep current.
      await boss.updateQueue(QUEUE, options);
    });
    this.boss = boss;
    // A full batch means more is waiting: the worker fetches again at once rather than after its polling
    // interval, which a backlog (work queued by another instance, or left by a burst) would otherwise wait out.
    const drain = async (jobs: PushJob[]) => {
      await handler(jobs);
      if (jobs.length >= JOBS_PER_FETCH) this.wake(0);
    };
    for (let i = 0; i < WORKERS; i++) this.workers.push(await boss.work(QUEUE, { batchSize: JOBS_PER_FETCH }, drain));
  }

  /** Queues the first delivery of a committed invocation without holding up the caller's answer. */
  enqueue(invocationId: string): void {
    this.firstAttempts.submit(invocationId).catch((error: Error) => this.logger.warn(`queueing invocation ${invocationId} failed; the sweeper will retry: ${error.message}`));
  }

  async schedule(attempts: PushAttempt[]): Promise<void> {
    if (attempts.length === 0 || !this.boss) return;
    await this.boss.insert(
      attempts.map((a) => ({
        id: a.fresh || a.turnOf ? undefined : derivedUuid(a.invocationId, a.attempt),
        name: QUEUE,
        data: { invocationId: a.invocationId, schedule: a.schedule ?? this.config.retryScheduleSeconds, ...(a.turnOf && { turnOf: a.turnOf }) } satisfies PushJobData,
        startAfter: a.at?.toISOString(),
        // A job outlives its delivery only when its worker died; then it should be retried soon.
        expireInSeconds: Math.ceil(this.config.runtimeTimeoutMs / 1000) + ABANDONED_AFTER_SECONDS,
      })),
    );
    const soonest = Math.min(...attempts.map((a) => (a.at ? a.at.getTime() - Date.now() : 0)));
    this.wake(soonest);
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.wakeTimers) clearTimeout(timer);
    await this.firstAttempts.drain();
    await this.boss?.stop({ graceful: true, close: false, timeout: this.config.runtimeTimeoutMs + 2000 });
  }

  private insertFirstAttempts(ids: string[]): Promise<void[]> {
    return this.schedule(ids.map((invocationId) => ({ invocationId, attempt: 1 }))).then(() => new Array<void>(ids.length));
  }

  /** Workers poll every few seconds; work due sooner (a first attempt, a short retry) wakes them instead. */
  private wake(inMs: number): void {
    if (inMs >= POLLING_SECONDS * 1000) return;
    const notify = () => {
      for (const id of this.workers) this.boss?.notifyWorker(id);
    };
    if (inMs <= 0) return notify();
    const timer = setTimeout(() => {
      this.wakeTimers.delete(timer);
      notify();
    }, inMs);
    timer.unref();
    this.wakeTimers.add(timer);
  }
}
