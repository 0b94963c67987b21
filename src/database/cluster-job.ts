import { setTimeout as delay } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { Sql } from './sql';

/** How often a run that waits for another instance's tries the lock again. */
const WAIT_RETRY_MS = 50;

/**
 * Maintenance that runs at start and on an interval, on one instance at a time: a run holds a cluster-wide
 * advisory lock, and an instance that finds it taken leaves the run to its holder. The runs of one
 * instance follow each other.
 */
export class ClusterJob {
  private timer: NodeJS.Timeout | null = null;
  private last: Promise<unknown> = Promise.resolve();

  /** `work` is given the connection that holds the lock. */
  constructor(
    private readonly sql: Sql,
    private readonly lock: string,
    private readonly work: (client: PoolClient) => Promise<void>,
  ) {}

  /** A run now and one every `everyMs`; `failed` hears of a run that failed (the next one tries again). */
  start(everyMs: number, failed: (error: Error) => void): void {
    const tick = () => void this.run().catch(failed);
    tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.last.catch(() => undefined);
  }

  /**
   * One run, after any run of this instance still going. `wait` waits for another instance's run to end
   * instead of leaving this one to it. Resolves to whether this instance did the run.
   */
  run(options: { wait?: boolean } = {}): Promise<boolean> {
    const run = this.last.catch(() => undefined).then(() => this.runOnce(options.wait ?? false));
    this.last = run;
    return run;
  }

  private async runOnce(wait: boolean): Promise<boolean> {
    const client = await this.sql.connect();
    let healthy = true;
    const key = `hashtext('${this.lock}')`;
    const take = async () => (await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${key}) AS locked`)).rows[0].locked;
    try {
      // A waiting run tries again rather than wait in pg_advisory_lock: that wait is an open transaction, and a
      // holder's REINDEX CONCURRENTLY waits for every open transaction to end, a deadlock Postgres breaks by
      // failing one of the two.
      while (!(await take())) {
        if (!wait) return false;
        await delay(WAIT_RETRY_MS);
      }
      try {
        await this.work(client);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${key})`);
      }
      return true;
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      client.release(!healthy);
    }
  }
}
