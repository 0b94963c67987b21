import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ClusterJob } from '../database/cluster-job';
import { Sql } from '../database/sql';
import { KEEP_AFTER_MS, StatsMinutes } from './stats-minutes';
import { HOURS_AHEAD } from './stats-queries';

const HOUR_MS = 3_600_000;
/** Often enough that an hour is kept within minutes of its sealing, before the reads that would fill it. */
const EVERY_MS = 5 * 60_000;
/**
 * Hours not kept are looked for this far back: a day of minutes up to now, and the whole day before it,
 * the ranges a dashboard reads. Older hours are filled by the first read of them, as before; looking
 * further would probe every bot's every hour of the retention on each run.
 */
const LOOK_BACK_MS = 48 * HOUR_MS;
/** Bot-hours filled per run, each in a statement of its own: a backlog after downtime takes a few runs. */
const HOURS_PER_RUN = 240;

/**
 * Keeps GET /v1/stats's hours ahead of the reads: each run fills, through the same statement a read uses
 * and under the bot's lock, the sealed hours no read has kept yet and those a late change made stale, so
 * that a read computes from the rows only the recent hours that may not be kept. On one instance at a time.
 */
@Injectable()
export class StatsKeeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('StatsKeeper');
  private readonly job: ClusterJob;
  /** A run still going at shutdown stops between hours; the next run keeps the rest. */
  private stopping = false;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly minutes: StatsMinutes,
  ) {
    this.job = new ClusterJob(sql, 'bothooks:stats-keeper', () => this.keepAhead());
  }

  onApplicationBootstrap(): void {
    this.job.start(EVERY_MS, (error) => this.logger.warn(`keeping stats ahead failed, tried again on the next run: ${error.message}`));
  }

  onModuleDestroy(): Promise<void> {
    this.stopping = true;
    return this.job.stop();
  }

  /** One run (see ClusterJob.run). */
  run(options: { wait?: boolean } = {}): Promise<boolean> {
    return this.job.run(options);
  }

  private async keepAhead(): Promise<void> {
    const now = this.clock.now();
    const sealed = new Date(now - KEEP_AFTER_MS);
    const pending = await this.sql.queryWithoutJit<{ bot_id: string; hour: Date }>(HOURS_AHEAD, [new Date(now - LOOK_BACK_MS), sealed, HOURS_PER_RUN], 'stats_hours_ahead');
    // One hour that fails (a lock not had in time) leaves the others to be kept; the run says so once.
    const failed: string[] = [];
    for (const { bot_id: bot, hour } of pending) {
      if (this.stopping) return;
      await this.minutes
        .keep({ from: hour, to: new Date(hour.getTime() + HOUR_MS), bucket: '1 hour', bot, sealed })
        .catch((error: Error) => failed.push(`bot ${bot} at ${hour.toISOString()}: ${error.message}`));
    }
    if (failed.length > 0) this.logger.warn(`keeping stats ahead failed for ${failed.length} of ${pending.length} hours, tried again on the next run; ${failed[0]}`);
  }
}
