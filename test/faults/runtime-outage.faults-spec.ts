import { Pool } from 'pg';
import { Admin } from './utils/api';
import { AppProcess } from './utils/app-process';
import { callUrls, issueAsyncUrls, waitFor } from './utils/async-load';
import { FakeRuntime } from './utils/fake-runtime';
import { Http } from './utils/http';
import { recordFigures, run } from './utils/run';

/**
 * Check 1: 2,000 async calls while the bot's runtime refuses connections; then it comes back. Every call
 * that got 202 must reach the runtime at least once, with a valid signature; repeats are recognisable by
 * `webhook-id` and counted.
 */
describe('runtime outage', () => {
  const CALLS = 2000;
  let app: AppProcess;
  let admin: Admin;
  let runtime: FakeRuntime;
  let db: Pool;

  beforeAll(async () => {
    runtime = await FakeRuntime.reserve();
    // Short retry delays keep the check quick; together they outlast the outage, as the real ones would.
    app = await AppProcess.start('runtime-outage', { RETRY_SCHEDULE: '1,1,2,3,5,8,13', RUNTIME_TIMEOUT_MS: '2000' });
    admin = new Admin(app);
    db = new Pool({ connectionString: run.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await admin.close();
    await runtime.down();
    await app.stop();
    await db.end();
  });

  it('delivers every accepted call at least once after the runtime comes back', async () => {
    // Every call retried on its own: in conversation order only each conversation's first call would be
    // tried while the runtime is away (order through an outage is the ordering and kill -9 checks' part).
    const bot = await admin.createBot({ name: 'runtime outage', runtimeUrl: runtime.url, ordering: 'none' });
    runtime.verifyWith(bot.signingSecret);
    const http = new Http(app.url, 32);
    const urls = await issueAsyncUrls(http, bot, 20);

    const load = await callUrls(http, urls, CALLS, 32);
    // The runtime stays away until every accepted call has been refused at least once.
    const triedWhileDown = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM invocations WHERE id = ANY($1) AND attempts > 0', [load.accepted])).rows[0].n;
    await waitFor(async () => (await triedWhileDown()) === load.accepted.length, 30_000);
    const refused = await triedWhileDown();
    expect(runtime.deliveries.size).toBe(0);
    const downFor = Date.now();
    await runtime.up();
    const deliveredIn = await waitFor(() => load.accepted.every((id) => runtime.deliveries.has(id)), 120_000);
    const settled = await waitFor(async () => {
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM invocations WHERE id = ANY($1) AND status = 'delivered'`, [load.accepted]);
      return rows.rows[0].n === load.accepted.length;
    }, 30_000);

    const lost = load.accepted.filter((id) => !runtime.deliveries.has(id));
    expect(load.statuses).toEqual({ 202: CALLS });
    expect(new Set(load.accepted).size).toBe(CALLS);
    expect(refused).toBe(CALLS);
    expect(lost).toEqual([]);
    expect(runtime.rejected).toEqual([]);
    const failed = await db.query(`SELECT id, status, error FROM invocations WHERE id = ANY($1) AND status <> 'delivered'`, [load.accepted]);
    expect(failed.rows).toEqual([]);
    expect(app.alive()).toBe(true);
    await http.close();
    recordFigures('runtime outage', {
      tried: load.tried,
      accepted: load.accepted.length,
      refusedAtLeastOnce: refused,
      lost: lost.length,
      duplicates: runtime.duplicates,
      allDeliveredAfterReturnMs: deliveredIn,
      allMarkedDeliveredMs: deliveredIn + settled,
      sinceReturnMs: Date.now() - downFor,
    });
  });
});
