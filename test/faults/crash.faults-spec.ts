import { Pool } from 'pg';
import { Admin } from './utils/api';
import { AppProcess } from './utils/app-process';
import { callUrls, issueAsyncUrls, waitFor } from './utils/async-load';
import { FakeRuntime } from './utils/fake-runtime';
import { Http } from './utils/http';
import { recordFigures, run } from './utils/run';

/**
 * Check 2: `kill -9` in the middle of 2,000 async calls, then a restart on the same port. Every call that
 * got 202 must be in the database and be delivered, including those whose delivery was in flight or not
 * yet queued when the process died.
 */
describe('app crash', () => {
  const CALLS = 2000;
  let app: AppProcess;
  let admin: Admin;
  let runtime: FakeRuntime;
  let db: Pool;

  beforeAll(async () => {
    runtime = await FakeRuntime.reserve();
    await runtime.up();
    app = await AppProcess.start('crash', { RETRY_SCHEDULE: '1,1,2,3,5,8,13', RUNTIME_TIMEOUT_MS: '2000' });
    admin = new Admin(app);
    db = new Pool({ connectionString: run.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await admin.close();
    await runtime.down();
    await app.stop();
    await db.end();
  });

  it('keeps and delivers every call it answered 202 across a kill -9 and a restart', async () => {
    const bot = await admin.createBot({ name: 'crash', runtimeUrl: runtime.url });
    runtime.verifyWith(bot.signingSecret);
    const http = new Http(app.url, 32);
    const urls = await issueAsyncUrls(http, bot, 20);
    // Slow enough that deliveries are in flight when the process dies.
    runtime.delayMs = 50;

    let started = 0;
    let killedAt = 0;
    let restartedAt = 0;
    let restarted: Promise<void> | undefined;
    const load = await callUrls(http, urls, CALLS, 32, async () => {
      started += 1;
      if (started === CALLS / 2) {
        killedAt = Date.now();
        restarted = app
          .kill9()
          .then(() => app.restart())
          .then(() => {
            restartedAt = Date.now();
          });
      }
      // Callers whose call failed come back later, as payment providers do; new ones wait for the restart.
      await restarted;
    });
    // Only the calls in flight at the kill went unanswered; they never got a 202, so nothing was promised.
    expect(load.tried).toBe(CALLS);
    expect(load.accepted.length).toBeGreaterThan(CALLS - 100);
    expect(load.accepted.length + (load.statuses['no answer'] ?? 0)).toBe(CALLS);

    const stored = await db.query<{ id: string }>('SELECT id FROM invocations WHERE id = ANY($1)', [load.accepted]);
    expect(stored.rows.length).toBe(load.accepted.length);

    // Deliveries the dead process had in flight are taken up again once their jobs count as abandoned (the
    // runtime timeout plus 30 s, plus pg-boss's 10 s maintenance round); calls it had committed but not yet
    // queued, once the sweeper finds them as overdue (the same margin, plus its 30 s round). Two minutes
    // leave room for both.
    const deliveredIn = await waitFor(() => load.accepted.every((id) => runtime.deliveries.has(id)), 120_000);
    const lost = load.accepted.filter((id) => !runtime.deliveries.has(id));
    expect(lost).toEqual([]);
    expect(runtime.rejected).toEqual([]);
    // A delivery that reached the runtime just before the kill is recorded only when its job is retried.
    const settledIn = await waitFor(async () => (await db.query(`SELECT 1 FROM invocations WHERE id = ANY($1) AND status <> 'delivered'`, [load.accepted])).rows.length === 0, 90_000);
    const undelivered = await db.query(`SELECT id, status, error FROM invocations WHERE id = ANY($1) AND status <> 'delivered'`, [load.accepted]);
    expect(undelivered.rows).toEqual([]);
    await http.close();
    recordFigures('kill -9', {
      tried: load.tried,
      accepted: load.accepted.length,
      inFlightAtKill: load.statuses['no answer'] ?? 0,
      lost: lost.length,
      duplicates: runtime.duplicates,
      downMs: restartedAt - killedAt,
      allDeliveredAfterRestartMs: deliveredIn,
      allMarkedDeliveredAfterRestartMs: deliveredIn + settledIn,
    });
  }, 240_000);
});
