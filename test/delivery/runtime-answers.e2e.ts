import { eventually, pathOf } from '../utils/eventually';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: Retry-After, 410 and dropping what waits', () => {
  let t: TestApp;
  const runtimes: FakeRuntime[] = [];

  beforeAll(async () => {
    t = await startApp({ RETRY_SCHEDULE: '0,10', WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8' });
  });
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
    await t.close();
  });

  const withRuntime = async () => {
    const runtime = await FakeRuntime.start();
    runtimes.push(runtime);
    const bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
    return { runtime, bot };
  };
  const call = async (bot: TestBot, body: Record<string, unknown> = {}) => {
    const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/onMessage', mode: 'async', ...body });
    const res = await t.http.post(pathOf(issued.body.url)).send({ hello: 1 });
    expect(res.status).toBe(202);
    return res.body.invocationId as string;
  };
  const view = async (bot: TestBot, id: string) => (await t.http.get(`/v1/invocations/${id}`).set(...bearer(bot.apiKey))).body;

  it('waits as long as a 503 with Retry-After (seconds) asks, and shows when the next attempt is due', async () => {
    const { runtime, bot } = await withRuntime();
    runtime.onDelivery = () => (runtime.deliveries.length === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { body: { messages: ['done'] } });
    const id = await call(bot);
    let seenAt = 0;
    const waiting = await eventually(async () => {
      const v = await view(bot, id);
      seenAt = Date.now();
      return v.attempts === 1 ? v : undefined;
    });
    expect(waiting).toMatchObject({ status: 'queued', mode: 'async', httpStatus: 503 });
    const first = runtime.deliveries[0];
    const due = Date.parse(waiting.nextAttemptAt);
    // Counted from when the attempt was recorded: after the call reached the runtime (its answer is seen
    // closed there only after the app may have read it), before the view showed it.
    expect(due).toBeGreaterThanOrEqual(first.arrivedAt + 2000);
    expect(due).toBeLessThanOrEqual(seenAt + 2000);
    const [, second] = await runtime.received(2, 10_000);
    expect(second.arrivedAt).toBeGreaterThanOrEqual(due);
    const done = await eventually(async () => {
      const v = await view(bot, id);
      return v.status === 'delivered' ? v : undefined;
    });
    expect(done).toMatchObject({ attempts: 2, answer: 'done', nextAttemptAt: null });
  });

  it('reads Retry-After as an HTTP date on a 429, and caps a long one at the largest step of the schedule', async () => {
    const { runtime, bot } = await withRuntime();
    const asked = [new Date(Date.now() + 3000).toUTCString(), '3600'];
    runtime.onDelivery = () => ({ status: 429, headers: { 'retry-after': asked[runtime.deliveries.length - 1] ?? '0' } });
    const id = await call(bot);
    const afterDate = await eventually(async () => {
      const v = await view(bot, id);
      return v.attempts === 1 ? v : undefined;
    });
    const first = runtime.deliveries[0];
    // An HTTP date has whole seconds: the wait is at least what is left of them.
    expect(Date.parse(afterDate.nextAttemptAt)).toBeGreaterThanOrEqual(first.arrivedAt + 1000);
    await runtime.received(2, 10_000);
    let seenAt = 0;
    const capped = await eventually(async () => {
      const v = await view(bot, id);
      seenAt = Date.now();
      return v.attempts === 2 ? v : undefined;
    });
    // An hour asked for, the schedule's largest step (10 s, jittered by up to 20 %) given.
    const due = Date.parse(capped.nextAttemptAt);
    expect(due).toBeGreaterThanOrEqual(runtime.deliveries[1].arrivedAt + 10_000);
    expect(due).toBeLessThanOrEqual(seenAt + 12_000);
    expect((await t.http.post('/v1/updates/drop').set(...bearer(bot.apiKey))).body).toEqual({ dropped: 1 });
  });

  it('stops at once when the runtime answers 410', async () => {
    const { runtime, bot } = await withRuntime();
    runtime.onDelivery = () => ({ status: 410 });
    const id = await call(bot);
    const failed = await eventually(async () => {
      const v = await view(bot, id);
      return v.status === 'failed' ? v : undefined;
    });
    expect(failed).toMatchObject({ attempts: 1, httpStatus: 410, error: 'runtime answered 410 Gone', nextAttemptAt: null });
    expect(runtime.deliveries).toHaveLength(1);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'invocationId' = $1 AND state IN ('created', 'retry')`, [id])).rows[0].n).toBe(0);
  });

  it('drops every call still waiting (pull queue and background retries), which is never handed out again', async () => {
    const pullBot = await t.createBot();
    const ids = [await call(pullBot, { chatId: 1 }), await call(pullBot)];
    const dropped = await t.http.post('/v1/updates/drop').set(...bearer(pullBot.apiKey));
    expect(dropped.status).toBe(200);
    expect(dropped.body).toEqual({ dropped: 2 });
    expect((await t.http.get('/v1/updates').set(...bearer(pullBot.apiKey))).body).toEqual([]);
    for (const id of ids) expect(await view(pullBot, id)).toMatchObject({ status: 'dropped', nextAttemptAt: null, finishedAt: expect.any(String) });
    expect((await t.http.get('/v1/invocations?status=dropped').set(...bearer(pullBot.apiKey))).body.items).toHaveLength(2);
    expect((await t.http.post('/v1/updates/drop').set(...bearer(pullBot.apiKey))).body).toEqual({ dropped: 0 });

    const { runtime, bot } = await withRuntime();
    runtime.onDelivery = () => ({ status: 503, headers: { 'retry-after': '3' } });
    const id = await call(bot);
    await eventually(async () => ((await view(bot, id)).attempts === 1 ? true : undefined));
    expect((await t.http.post('/v1/updates/drop').set(...bearer(bot.apiKey))).body).toEqual({ dropped: 1 });
    expect(await view(bot, id)).toMatchObject({ status: 'dropped', attempts: 1, nextAttemptAt: null });
    // Its retry job comes due and finds nothing to do.
    await eventually(async () => ((await t.db.query(`SELECT 1 FROM pgboss.job WHERE data->>'invocationId' = $1 AND state = 'completed' AND start_after > created_on + interval '2 seconds'`, [id])).rows.length > 0 ? true : undefined), 15_000);
    expect(runtime.deliveries).toHaveLength(1);
  });

  it('shows the mode as issued and, in the single view, the message as delivered', async () => {
    const { runtime, bot } = await withRuntime();
    const id = await call(bot, { userId: 7 });
    await runtime.received(1);
    const v = await eventually(async () => {
      const got = await view(bot, id);
      return got.status === 'delivered' ? got : undefined;
    });
    expect(v.mode).toBe('async');
    expect(v.message).toEqual(JSON.parse(runtime.deliveries[0].raw));
    const listed = (await t.http.get('/v1/invocations').set(...bearer(bot.apiKey))).body.items[0];
    expect(listed).toMatchObject({ id, mode: 'async', nextAttemptAt: null });
    expect(listed.message).toBeUndefined();
  });
});
