import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import { webhooksConfig } from '../../config/webhooks.config';
import { Sql } from '../../database/sql';
import { MetricsService } from '../../metrics/metrics.service';
import { ABANDONED_AFTER_SECONDS, PushQueue } from './push-queue';
import { conversationOf } from './conversation-turns';

const EVERY_MS = 30_000;
const BATCH = 1000;

/**
 * Exact counts, one per route, each written as the predicate of that route's partial index
 * (invocations_push_due, invocations_pull_queue) so that it reads only what is waiting, never the table.
 */
export const QUEUE_DEPTH = `
  SELECT (SELECT count(*) FROM invocations WHERE route = 'push' AND status = 'queued')::int AS push,
         (SELECT count(*) FROM invocations WHERE route = 'pull' AND status = 'queued')::int AS pull`;

/**
 * Housekeeping that every instance runs at start and then every EVERY_MS; each step is harmless when
 * another instance does it too.
 * - Async invocations overdue for their next attempt (their job was lost to a crash between the commit
 *   and the queueing, or between a failed attempt and its reschedule) are queued again.
 * - The queue-depth gauge is refreshed.
 */
@Injectable()
export class Sweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly queue: PushQueue,
    private readonly metrics: MetricsService,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweep()
      .catch((error: Error) => this.logger.warn(`sweep failed: ${error.message}`))
      .finally(() => {
        this.running = null;
      });
  }

  private async sweep(): Promise<void> {
    // An attempt in progress may hold its row for the whole runtime timeout; only later is it overdue.
    const graceSeconds = Math.ceil(this.config.runtimeTimeoutMs / 1000) + ABANDONED_AFTER_SECONDS;
    // An ordered call's job may have found it was not its turn, and so spent the attempt's job id.
    const overdue = await this.sql.query<{ id: string; attempts: number; ordered: boolean }>(
      `SELECT i.id, i.attempts, EXISTS (SELECT 1 FROM bots b WHERE b.id = i.bot_id AND b.ordering = 'conversation') AND ${conversationOf('i')} IS NOT NULL AS ordered
         FROM invocations i
        WHERE i.route = 'push' AND i.status = 'queued' AND i.next_attempt_at < now() - $1::int * interval '1 second'
        ORDER BY i.next_attempt_at LIMIT ${BATCH}`,
      [graceSeconds],
    );
    await this.queue.schedule(overdue.map((row) => ({ invocationId: row.id, attempt: row.attempts + 1, fresh: row.ordered })));
    if (overdue.length > 0) this.logger.warn(`queued ${overdue.length} overdue async deliveries again`);

    const [depth] = await this.sql.query<{ push: number; pull: number }>(QUEUE_DEPTH);
    this.metrics.queueDepth.set({ queue: 'retry' }, depth.push);
    this.metrics.queueDepth.set({ queue: 'pull' }, depth.pull);
  }
}
