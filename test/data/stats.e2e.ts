import { Clock } from '../../src/common/clock';
import { StatsKeeper } from '../../src/stats/stats-keeper';
import { purged } from '../utils/purges';
import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { bearer, TestApp, TestBot } from '../utils/test-app';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('GET /v1/stats: calls and deliveries per bucket', () => {
  let fixture: RuntimeApp;
  let t: TestApp;
  let bot: TestBot;
  const call = async (forBot: TestBot, body: Record<string, unknown> = {}) => {
    const issued = await t.http.post('/v1/webhooks').set(...bearer(forBot.apiKey)).send({ command: '/stats', ...body });
    const url: string = issued.body.url;
    return t.http.get(url.slice(url.indexOf('/w/')));
  };
  const stats = (query: string, key = t.adminKey) => t.http.get(`/v1/stats${query}`).set(...bearer(key));
  /** Calls received `step` apart from `at`: `answered` delivered, the nth taking n ms, then `queued` still waiting in the update queue. */
  const storePulled = (forBot: TestBot, at: Date, step: string, answered: number, queued: number) =>
    t.db.query(
      `INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, received_at, finished_at, attempts)
       SELECT gen_random_uuid(), gen_random_uuid(), $1, '/old', 'POST', 'pull', CASE WHEN n > $3 THEN 'queued' ELSE 'delivered' END, '{}',
              received_at, CASE WHEN n > $3 THEN NULL ELSE received_at + n * interval '1 millisecond' END, 1
         FROM generate_series(1, $3::int + $4::int) AS n, LATERAL (SELECT $2::timestamptz + n * $5::interval AS received_at) r`,
      [forBot.id, at, answered, queued, step],
    );

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    ({ t, bot } = fixture);
  });
  afterAll(() => fixture.close());

  it('counts stored invocations by outcome in the minute they arrived, with latency percentiles, and deliveries by outcome', async () => {
    fixture.runtime.onDelivery = (d) => (d.body.command === '/fail' ? { status: 500, body: 'no' } : { body: { messages: ['ok'] } });
    expect((await call(bot)).status).toBe(200);
    expect((await call(bot)).status).toBe(200);
    expect((await call(bot, { command: '/fail' })).status).toBe(503);
    const pull = await t.createBot();
    expect((await call(pull, { mode: 'async' })).status).toBe(202);
    const now = Date.now();
    const from = new Date(Math.floor(now / MINUTE) * MINUTE - 2 * MINUTE).toISOString();
    const to = new Date(now + MINUTE).toISOString();

    const res = await stats(`?botId=${bot.id}&from=${from}&to=${to}&bucket=minute`);
    expect(res.status).toBe(200);
    expect(res.body.buckets.map((b: { at: string }) => b.at)).toEqual([0, 1, 2, 3].map((i) => new Date(Date.parse(from) + i * MINUTE).toISOString()));
    const counted = res.body.buckets.filter((b: any) => b.invocations.answered + b.invocations.failed > 0);
    const sum = (key: string) => counted.reduce((n: number, b: any) => n + b.invocations[key], 0);
    expect([sum('answered'), sum('failed'), sum('accepted'), sum('refused')]).toEqual([2, 1, 0, 0]);
    for (const b of counted) {
      expect(b.p50Ms).toEqual(expect.any(Number));
      expect(b.p99Ms).toBeGreaterThanOrEqual(b.p50Ms);
    }
    const empty = res.body.buckets[0];
    expect(empty).toEqual({ at: from, invocations: { answered: 0, accepted: 0, failed: 0, refused: 0 }, deliveries: { succeeded: 0, failed: 0 }, p50Ms: null, p99Ms: null });

    // The pull bot's call waits in its queue: accepted, with no latency yet.
    const queued = await stats(`?botId=${pull.id}&from=${from}&to=${to}`, pull.apiKey);
    const waiting = queued.body.buckets.find((b: any) => b.invocations.accepted > 0);
    expect(waiting).toMatchObject({ invocations: { answered: 0, accepted: 1, failed: 0, refused: 0 }, p50Ms: null });

    // An admin key without botId sees every bot's: as many as the table holds in the range, which other test
    // files running alongside may be adding to.
    const stored = async () =>
      Number((await t.db.query('SELECT count(*) FROM invocations i JOIN bots b ON b.id = i.bot_id WHERE received_at >= $1 AND received_at < $2', [from, to])).rows[0].count);
    const before = await stored();
    const all = await stats(`?from=${from}&to=${to}`);
    const after = await stored();
    const callsIn = (b: any) => b.invocations.answered + b.invocations.failed + b.invocations.accepted + b.invocations.refused;
    const total = all.body.buckets.reduce((n: number, b: any) => n + callsIn(b), 0);
    expect(before).toBeGreaterThanOrEqual(4);
    expect(total).toBeGreaterThanOrEqual(before);
    expect(total).toBeLessThanOrEqual(after);
  });

  it('counts connection deliveries by outcome', async () => {
    const created = await t.http
      .post('/v2/integrations/webhook')
      .set(...bearer(t.adminKey))
      .send({ storyId: bot.id, name: 'nowhere', url: 'http://127.0.0.1:9/hook', timeoutMs: 200 });
    expect(created.status).toBe(201);
    const dispatched = await t.http.post(`/v2/integrations/webhook/${created.body.id}/dispatch`).set(...bearer(bot.apiKey)).send({ chatId: 'c', userId: 'u' });
    expect(dispatched.status).toBeGreaterThanOrEqual(500);
    const res = await stats(`?botId=${bot.id}&bucket=hour&from=${new Date(Date.now() - 3_600_000).toISOString()}`, bot.apiKey);
    const deliveries = res.body.buckets.reduce((n: { succeeded: number; failed: number }, b: any) => ({ succeeded: n.succeeded + b.deliveries.succeeded, failed: n.failed + b.deliveries.failed }), { succeeded: 0, failed: 0 });
    expect(deliveries).toEqual({ succeeded: 0, failed: 1 });
    expect(res.body.buckets).toHaveLength(2);
  });

  it('keeps an hour long past once read, gives percentiles within 5 % of the stored latencies, and shows a later change of status', async () => {
    const pull = await t.createBot();
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const at = new Date(hour + 10 * MINUTE);
    await storePulled(pull, at, '1 millisecond', 200, 3);
    const read = async () => {
      const res = await stats(`?from=${new Date(hour).toISOString()}&to=${new Date(hour + HOUR).toISOString()}&bucket=hour`, pull.apiKey);
      expect(res.status).toBe(200);
      expect(res.body.buckets).toHaveLength(1);
      return res.body.buckets[0];
    };
    const first = await read();
    expect(first.invocations).toEqual({ answered: 200, accepted: 3, failed: 0, refused: 0 });
    // Nearest rank over 1..200 ms: the 100th and the 198th.
    expect(Math.abs(first.p50Ms - 100)).toBeLessThanOrEqual(100 * 0.05);
    expect(Math.abs(first.p99Ms - 198)).toBeLessThanOrEqual(198 * 0.05);
    const kept = await t.db.query('SELECT minute, answered, accepted FROM stats_minutes WHERE bot_id = $1', [pull.id]);
    expect(kept.rows).toEqual([{ minute: at, answered: 200, accepted: 3 }]);
    expect((await read()).invocations).toEqual(first.invocations);

    expect((await t.http.post('/v1/updates/drop').set(...bearer(pull.apiKey))).body).toEqual({ dropped: 3 });
    const later = await read();
    expect(later.invocations).toEqual({ answered: 200, accepted: 0, failed: 0, refused: 3 });
    // Dropped calls ended, so their time counts too: 3 more latencies of hours, above every other.
    expect(later.p99Ms).toBeGreaterThan(HOUR);
    expect((await t.db.query('SELECT accepted, refused FROM stats_minutes WHERE bot_id = $1', [pull.id])).rows).toEqual([{ accepted: 0, refused: 3 }]);
  });

  it('keeps the hours that end two hours ago before any read, with the figures a read computes, and keeps a changed hour again', async () => {
    const pull = await t.createBot();
    const clock = t.app.get(Clock);
    const keeper = t.app.get(StatsKeeper);
    // Ended under two hours ago: read now, it is computed from the rows.
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const at = new Date(hour + 10 * MINUTE);
    await storePulled(pull, at, '1 second', 100, 3);
    const read = async (key = pull.apiKey) => {
      const res = await stats(`?from=${new Date(hour).toISOString()}&to=${new Date(hour + HOUR).toISOString()}&bucket=minute`, key);
      expect(res.status).toBe(200);
      return res.body.buckets;
    };
    const keptHours = async () => (await t.db.query('SELECT hour FROM stats_hours WHERE bot_id = $1', [pull.id])).rows.map((row) => row.hour);
    const computed = await read();
    expect(computed.filter((b: any) => b.invocations.answered > 0)).toHaveLength(2);
    const everyBotComputed = await read(t.adminKey);
    expect(await keptHours()).toEqual([]);

    const realNow = clock.now.bind(clock);
    clock.now = () => realNow() + 2 * HOUR;
    try {
      expect(await keeper.run({ wait: true })).toBe(true);
      expect(await keptHours()).toEqual([new Date(hour)]);
      const kept = await t.db.query('SELECT minute, answered, accepted FROM stats_minutes WHERE bot_id = $1 ORDER BY minute', [pull.id]);
      expect(kept.rows).toEqual([
        { minute: new Date(hour + 10 * MINUTE), answered: 59, accepted: 0 },
        { minute: new Date(hour + 11 * MINUTE), answered: 41, accepted: 3 },
      ]);
      expect(await read()).toEqual(computed);
      // Every bot with rows in the hour has it kept, so that the admin's read of every bot adds up kept minutes too.
      const notKept = await t.db.query(
        `SELECT DISTINCT i.bot_id FROM invocations i JOIN bots b ON b.id = i.bot_id
          WHERE i.received_at >= $1 AND i.received_at < $2 AND NOT EXISTS (SELECT 1 FROM stats_hours k WHERE k.bot_id = i.bot_id AND k.hour = $1)`,
        [new Date(hour), new Date(hour + HOUR)],
      );
      expect(notKept.rows).toEqual([]);
      expect(await read(t.adminKey)).toEqual(everyBotComputed);

      // A late change: the next run keeps the hour again, before a read has to compute it.
      expect((await t.http.post('/v1/updates/drop').set(...bearer(pull.apiKey))).body).toEqual({ dropped: 3 });
      const refused = (buckets: any[]) => buckets.reduce((n, b) => n + b.invocations.refused, 0);
      expect(refused(await read(t.adminKey))).toBe(3);
      expect(await keeper.run({ wait: true })).toBe(true);
      expect((await t.db.query('SELECT count(*)::int AS n FROM stats_changes WHERE bot_id = $1', [pull.id])).rows).toEqual([{ n: 0 }]);
      expect((await t.db.query('SELECT accepted, refused FROM stats_minutes WHERE bot_id = $1 AND refused > 0', [pull.id])).rows).toEqual([{ accepted: 0, refused: 3 }]);
      const later = await read();
      expect(later.find((b: any) => b.invocations.refused > 0).invocations).toEqual({ answered: 41, accepted: 0, failed: 0, refused: 3 });
    } finally {
      clock.now = realNow;
    }
  });

  it('stops counting the deliveries of a deleted connection in an hour it kept', async () => {
    const owner = await t.createBot();
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const created = await t.http
      .post('/v2/integrations/webhook')
      .set(...bearer(t.adminKey))
      .send({ storyId: owner.id, name: 'old', url: 'http://127.0.0.1:9/hook' });
    expect(created.status).toBe(201);
    await t.db.query(
      `INSERT INTO connection_deliveries (id, connection_id, bot_id, status, duration_ms, request_url, request_headers, request_body, created_at)
       VALUES (gen_random_uuid(), $1, $2, 'succeeded', 1, 'http://127.0.0.1:9/hook', '{}', '{}', $3)`,
      [created.body.id, owner.id, new Date(hour + 5 * MINUTE)],
    );
    const deliveries = async () => {
      const res = await stats(`?from=${new Date(hour).toISOString()}&to=${new Date(hour + HOUR).toISOString()}&bucket=hour`, owner.apiKey);
      expect(res.status).toBe(200);
      return res.body.buckets[0].deliveries;
    };
    expect(await deliveries()).toEqual({ succeeded: 1, failed: 0 });
    expect((await t.db.query('SELECT delivered FROM stats_minutes WHERE bot_id = $1', [owner.id])).rows).toEqual([{ delivered: 1 }]);

    expect((await t.http.delete(`/v2/integrations/webhook/${created.body.id}`).set(...bearer(t.adminKey))).status).toBe(200);
    await purged(t.db, 'connection', created.body.id);
    expect(await deliveries()).toEqual({ succeeded: 0, failed: 0 });
  });

  it('refuses more than 1440 buckets, an empty range, a bad bucket, and another bot', async () => {
    const tooMany = await stats(`?botId=${bot.id}&from=2026-01-01T00:00:00Z&to=2026-01-02T00:01:00Z&bucket=minute`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([{ path: 'from', message: 'from..to spans 1441 minute buckets; at most 1440 are allowed' }]);
    const day = await stats(`?botId=${bot.id}&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&bucket=minute`);
    expect(day.status).toBe(200);
    expect(day.body.buckets).toHaveLength(1440);
    const backwards = await stats(`?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(backwards.status).toBe(400);
    const bucket = await stats(`?bucket=week`);
    expect(bucket.status).toBe(400);
    expect(bucket.body.errors[0].path).toBe('bucket');
    const other = await t.createBot();
    expect((await stats(`?botId=${other.id}`, bot.apiKey)).status).toBe(404);
    expect((await stats(`?botId=${'0'.repeat(24)}`)).status).toBe(404);
    expect((await t.http.get('/v1/stats')).status).toBe(401);
  });
});
