import { Pool } from 'pg';
import { TcpProxy } from '../utils/tcp-proxy';
import { Admin } from './utils/api';
import { AppProcess, sleep } from './utils/app-process';
import { waitFor } from './utils/async-load';
import { FakeRuntime } from './utils/fake-runtime';
import { Http } from './utils/http';
import { recordFigures, run } from './utils/run';

interface Outcome {
  kind: string;
  startedAt: number;
  endedAt: number;
  status: number | 'no answer';
  /** What a 2xx promised to keep: a bot id or an invocation id. */
  id?: string;
}

/**
 * Check 3: the link to Postgres is cut during load, through a loopback proxy the test controls (the
 * machine's Postgres is never touched). Requests during the cut must fail fast with 503, /health must say
 * 503, the same process must serve again when the link returns, and nothing that got a 2xx may be missing.
 */
describe('database outage', () => {
  /** The longest the link may stay cut while the test waits for the calls it needs to have been answered. */
  const CUT_LIMIT_MS = 30_000;
  const FAST_FAIL_MS = 6000;
  /** Calls sent during the cut that must have been answered (503, fast) before the link returns. */
  const DURING_CUT = 20;
  /** 2xx answers of every kind wanted before the cut and again after it. */
  const BEFORE_AND_AFTER = 30;
  let proxy: TcpProxy;
  let app: AppProcess;
  let admin: Admin;
  let db: Pool;
  let runtime: FakeRuntime;

  beforeAll(async () => {
    runtime = await FakeRuntime.reserve();
    await runtime.up();
    proxy = await TcpProxy.start(run.databaseUrl);
    app = await AppProcess.start('database-outage', { DATABASE_URL: proxy.urlFor(run.databaseUrl), RUNTIME_TIMEOUT_MS: '2000' });
    admin = new Admin(app);
    db = new Pool({ connectionString: run.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await admin.close();
    await app.stop();
    await proxy.close();
    await db.end();
    await runtime.down();
  });

  it('answers 503 fast while the link to Postgres is cut, recovers without a restart, and loses nothing it confirmed', async () => {
    const http = new Http(app.url, 24);
    const pid = app.pid;
    const outcomes: Outcome[] = [];
    const bot = await admin.createBot({ name: 'outage', runtimeUrl: runtime.url });
    runtime.verifyWith(bot.signingSecret);
    const asyncUrl = (await http.post('/v1/webhooks', bot.apiKey, { command: '/onPayment', mode: 'async' })).body.url;
    const syncUrl = (await http.post('/v1/webhooks', bot.apiKey, { command: '/onPayment' })).body.url;
    const requests: Array<[string, () => Promise<{ status: number; id?: string }>]> = [
      ['async call', async () => {
        const res = await http.post(asyncUrl, undefined, 'paid');
        return { status: res.status, id: res.status === 202 ? res.body.invocationId : undefined };
      }],
      ['sync call', async () => {
        const res = await http.post(syncUrl, undefined, 'paid');
        return { status: res.status, id: res.status === 200 ? res.body.answer : undefined };
      }],
      ['create bot', async () => {
        const res = await http.post('/v1/bots', admin.key, { name: 'outage' });
        return { status: res.status, id: res.status === 201 ? res.body.id : undefined };
      }],
      ['list bots', async () => ({ status: (await http.get('/v1/bots', admin.key)).status })],
      ['health', async () => ({ status: (await http.get('/health')).status })],
    ];
    let stopping = false;
    const worker = async (w: number) => {
      for (let i = w; !stopping; i++) {
        const [kind, send] = requests[i % requests.length];
        const startedAt = Date.now();
        let result: { status: number | 'no answer'; id?: string };
        try {
          result = await send();
        } catch {
          result = { status: 'no answer' };
        }
        outcomes.push({ kind, startedAt, endedAt: Date.now(), ...result });
        await sleep(20);
      }
    };
    const workers = Promise.all(Array.from({ length: 12 }, (_, w) => worker(w)));
    /** Every kind of request has been answered with a 2xx `count` times among those started after `since`. */
    const served = (count: number, since: number) => () =>
      requests.every(([kind]) => outcomes.filter((o) => o.kind === kind && o.startedAt >= since && typeof o.status === 'number' && o.status < 300).length >= count);

    await waitFor(served(BEFORE_AND_AFTER, 0), 30_000);
    const cutAt = Date.now();
    proxy.cut();
    // The link stays down until enough requests sent during the cut, early enough to tell a fast 503 from
    // a hang, have been answered.
    await waitFor(() => {
      const now = Date.now();
      return outcomes.filter((o) => o.startedAt >= cutAt + 100 && o.startedAt <= now - FAST_FAIL_MS).length > DURING_CUT;
    }, CUT_LIMIT_MS);
    const health = await http.get('/health');
    const restoredAt = Date.now();
    proxy.restore();
    let healthyAt = 0;
    let writableAt = 0;
    while ((!healthyAt || !writableAt) && Date.now() - restoredAt < 30_000) {
      if (!healthyAt && (await http.get('/health')).status === 200) healthyAt = Date.now();
      if (!writableAt && outcomes.some((o) => o.kind === 'create bot' && o.startedAt >= restoredAt && o.status === 201)) writableAt = outcomes.find((o) => o.kind === 'create bot' && o.startedAt >= restoredAt && o.status === 201)!.endedAt;
      await sleep(25);
    }
    await waitFor(served(BEFORE_AND_AFTER, restoredAt), 30_000);
    stopping = true;
    await workers;

    expect(health.status).toBe(503);
    expect(health.body.status).toMatchObject({ code: 503, type: 'service_unavailable' });

    // Whatever the link does, no caller waits more than a few seconds for an answer.
    const slowest = Math.max(...outcomes.map((o) => o.endedAt - o.startedAt));
    expect(outcomes.filter((o) => o.endedAt - o.startedAt >= FAST_FAIL_MS).map(summary)).toEqual([]);
    // Requests sent while the link was down, early enough to have been answered before it came back.
    const during = outcomes.filter((o) => o.startedAt >= cutAt + 100 && o.startedAt <= restoredAt - FAST_FAIL_MS);
    expect(during.length).toBeGreaterThan(DURING_CUT);
    expect(during.filter((o) => o.status !== 503).map(summary)).toEqual([]);
    // No request anywhere in the run may end in a 500 or a dropped connection: outages are 503.
    expect(outcomes.filter((o) => o.status === 'no answer' || (o.status !== 503 && o.status >= 500))).toEqual([]);

    expect(app.alive()).toBe(true);
    expect(app.pid).toBe(pid);
    expect(healthyAt).toBeGreaterThan(0);
    expect(writableAt).toBeGreaterThan(0);

    const confirmed = outcomes.filter((o) => o.kind === 'create bot' && o.status === 201).map((o) => o.id!);
    const stored = await db.query<{ id: string }>('SELECT id FROM bots WHERE id = ANY($1)', [confirmed]);
    expect(stored.rows.length).toBe(confirmed.length);
    // Every call answered 2xx was committed first; the async ones reach the runtime as well.
    const accepted = outcomes.filter((o) => o.kind === 'async call' && o.status === 202).map((o) => o.id!);
    const answered = outcomes.filter((o) => o.kind === 'sync call' && o.status === 200).map((o) => o.id!);
    expect(accepted.length).toBeGreaterThanOrEqual(2 * BEFORE_AND_AFTER);
    expect(answered.length).toBeGreaterThanOrEqual(2 * BEFORE_AND_AFTER);
    const invocations = await db.query<{ id: string }>('SELECT id FROM invocations WHERE id = ANY($1::uuid[])', [[...accepted, ...answered]]);
    expect(invocations.rows.length).toBe(accepted.length + answered.length);
    // A call committed just before the cut may have lost its queue job to it; the sweeper queues it again
    // once it is overdue by the runtime timeout plus 30 s, on its next round (every 30 s).
    const deliveredIn = await waitFor(() => accepted.every((id) => runtime.deliveries.has(id)), 120_000);
    expect(accepted.filter((id) => !runtime.deliveries.has(id))).toEqual([]);

    await http.close();
    recordFigures('database outage', {
      requests: outcomes.length,
      duringCut: during.length,
      slowestMs: slowest,
      createdBots: confirmed.length,
      acceptedCalls: accepted.length,
      answeredCalls: answered.length,
      missing: confirmed.length - stored.rows.length + accepted.length + answered.length - invocations.rows.length,
      asyncDeliveredAfterMs: deliveredIn,
      unexpected5xx: outcomes.filter((o) => o.status === 'no answer' || (o.status !== 503 && o.status >= 500)).length,
      healthyAfterMs: healthyAt - restoredAt,
      writableAfterMs: writableAt - restoredAt,
    });
  });
});

const summary = (o: Outcome) => `${o.kind}: ${o.status} after ${o.endedAt - o.startedAt} ms`;
