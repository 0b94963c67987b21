import { eventually, pathOf } from '../utils/eventually';
import { mostAtOnce, seeded } from '../utils/ordering';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startAppAlone, TestApp, TestBot } from '../utils/test-app';
import { ConversationTurns } from '../../src/webhooks/delivery/conversation-turns';

describe('webhooks: per-conversation order of background deliveries', () => {
  let t: TestApp;
  const runtimes: FakeRuntime[] = [];

  beforeAll(async () => {
    t = await startAppAlone({ RETRY_SCHEDULE: Array(14).fill('0').join(','), WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8', ORDER_HOLD_SECONDS: '300' });
  });
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
    await t.close();
  });

  const withRuntime = async (body: Record<string, unknown> = {}) => {
    const runtime = await FakeRuntime.start();
    runtimes.push(runtime);
    const bot = await t.createBot({ runtimeUrl: runtime.url, ...body });
    runtime.signingSecret = bot.signingSecret;
    return { runtime, bot };
  };
  const issue = async (bot: TestBot, body: Record<string, unknown>) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/onMessage', mode: 'async', ...body });
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return pathOf(res.body.url as string);
  };

  it('delivers 10 conversations × 15 calls one at a time and in invocationId order while a third of attempts fail', async () => {
    const { runtime, bot } = await withRuntime();
    const random = seeded(12);
    runtime.onDelivery = () => (random() < 1 / 3 ? { status: 500 } : { body: { messages: ['ok'] }, delayMs: 2 });
    const conversations = Array.from({ length: 10 }, (_, i) => `chat-${i}`);
    const paths = await Promise.all(conversations.map((chatId) => issue(bot, { chatId })));
    const accepted = new Map<string, string[]>(conversations.map((c) => [c, []]));
    // Calls of all conversations at once; within one, each is sent once the one before is accepted.
    await Promise.all(
      conversations.map(async (chatId, c) => {
        for (let n = 0; n < 15; n++) {
          const res = await t.http.post(paths[c]).send({ n });
          expect(res.status).toBe(202);
          accepted.get(chatId)!.push(res.body.invocationId);
        }
      }),
    );
    await eventually(async () => {
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM invocations WHERE bot_id = $1 AND status = 'delivered'`, [bot.id]);
      return rows[0].n === 150 ? true : undefined;
    }, 120_000, '150 deliveries');
    expect(runtime.deliveries.filter((d) => d.body.chatId === null)).toHaveLength(0);
    let failedAttempts = 0;
    for (const chatId of conversations) {
      const mine = runtime.deliveries.filter((d) => d.body.chatId === chatId);
      const ids = mine.map((d) => d.body.invocationId as string);
      // Each attempt, retries included, comes after every attempt of an earlier call.
      expect(ids).toEqual([...ids].sort());
      expect([...new Set(ids)]).toEqual(accepted.get(chatId));
      expect(mostAtOnce(mine)).toBe(1);
      failedAttempts += mine.length - 15;
    }
    // A third of 225 attempts or so fail: 150 succeed, about 75 do not.
    expect(failedAttempts).toBeGreaterThan(40);
  }, 180_000);

  it('with ordering "none", calls of one conversation reach the runtime together', async () => {
    const { runtime, bot } = await withRuntime({ ordering: 'none' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runtime.onDelivery = () => ({ body: {}, until: gate });
    const path = await issue(bot, { chatId: 'one' });
    for (let n = 0; n < 3; n++) expect((await t.http.post(path).send({ n })).status).toBe(202);
    // All three are at the runtime before any is answered.
    await runtime.received(3);
    release();
    await eventually(() => (runtime.deliveries.every((d) => d.answeredAt !== undefined) ? true : undefined));
    const lastArrival = Math.max(...runtime.deliveries.map((d) => d.arrivedAt));
    expect(lastArrival).toBeLessThanOrEqual(Math.min(...runtime.deliveries.map((d) => d.answeredAt!)));
  });

  it('delivers bot-wide calls of an ordered bot without waiting for one another', async () => {
    const { runtime, bot } = await withRuntime();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runtime.onDelivery = () => ({ body: {}, until: gate });
    const path = await issue(bot, {});
    for (let n = 0; n < 3; n++) expect((await t.http.post(path).send({ n })).status).toBe(202);
    await runtime.received(3);
    release();
  });

  it('keeps an ordered conversation waiting behind a call in flight, then delivers it', async () => {
    const { runtime, bot } = await withRuntime();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runtime.onDelivery = (d) => (d.body.content === '{"n":0}' ? { body: {}, until: gate } : { body: {} });
    const path = await issue(bot, { userId: 42 });
    const first = await t.http.post(path).send({ n: 0 });
    await runtime.received(1);
    const second = await t.http.post(path).send({ n: 1 });
    const row = async (id: string) => (await t.db.query('SELECT status FROM invocations WHERE id = $1', [id])).rows[0].status;
    // The second call's first job has run and found it was not its turn.
    await eventually(async () => ((await t.db.query(`SELECT 1 FROM pgboss.job WHERE data->>'invocationId' = $1 AND state = 'completed'`, [second.body.invocationId])).rows.length > 0 ? true : undefined));
    expect(runtime.deliveries).toHaveLength(1);
    expect(await row(second.body.invocationId)).toBe('queued');
    release();
    await runtime.received(2);
    expect(runtime.deliveries[1].body.invocationId).toBe(second.body.invocationId);
    expect(runtime.deliveries[1].arrivedAt).toBeGreaterThanOrEqual(runtime.deliveries[0].answeredAt!);
    await eventually(async () => ((await row(first.body.invocationId)) === 'delivered' && (await row(second.body.invocationId)) === 'delivered' ? true : undefined));
  });

  it('gives no turn to a call another worker delivered after this one read it as waiting', async () => {
    // A worker reads the calls its jobs name, then takes their turns. In between, a second worker may
    // deliver the call and pass the turn on; the turn row is gone then, and taking it would attempt the
    // call once more, after the conversation moved on.
    const { runtime, bot } = await withRuntime();
    const path = await issue(bot, { chatId: 'late' });
    const call = await t.http.post(path).send({ n: 0 });
    const turnRows = async () => (await t.db.query('SELECT count(*)::int AS n FROM conversation_turns WHERE bot_id = $1', [bot.id])).rows[0].n as number;
    // Delivered, and the worker has passed the turn on (it records the result first).
    await eventually(async () => ((await t.db.query('SELECT status FROM invocations WHERE id = $1', [call.body.invocationId])).rows[0].status === 'delivered' && (await turnRows()) === 0 ? true : undefined));
    const turns = await t.app.get(ConversationTurns).claim([{ id: call.body.invocationId, botId: bot.id, conversation: 'c:late' }]);
    expect([...turns.keys()]).toEqual([]);
    expect(await turnRows()).toBe(0);
    expect(runtime.deliveries).toHaveLength(1);
  });

  it('redelivering an old call does not hold up the conversation waiting behind a call in flight', async () => {
    const { runtime, bot } = await withRuntime();
    const path = await issue(bot, { chatId: 'redeliver' });
    const old = await t.http.post(path).send({ n: 'old' });
    await eventually(async () => ((await t.db.query('SELECT status FROM invocations WHERE id = $1', [old.body.invocationId])).rows[0].status === 'delivered' ? true : undefined));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runtime.onDelivery = (d) => (d.body.content === '{"n":"old"}' ? { body: {} } : { body: {}, until: gate });
    const head = await t.http.post(path).send({ n: 'head' });
    await runtime.received(2);
    const next = await t.http.post(path).send({ n: 'next' });
    expect((await t.http.post(`/v1/invocations/${old.body.invocationId}/redeliver`).set(...bearer(bot.apiKey))).status).toBe(202);
    release();
    await runtime.received(4);
    const order = runtime.deliveries.slice(1).map((d) => d.body.invocationId);
    // The head, then the call that waited behind it; the redelivered call goes as a turn allows, not first.
    expect(order.indexOf(next.body.invocationId)).toBeGreaterThan(order.indexOf(head.body.invocationId));
    expect(order[0]).toBe(head.body.invocationId);
    expect(mostAtOnce(runtime.deliveries)).toBe(1);
  });
});

describe('webhooks: a failing call holds its conversation at most ORDER_HOLD_SECONDS', () => {
  let t: TestApp;
  let runtime: FakeRuntime;

  beforeAll(async () => {
    // The head keeps failing for a minute or more, so the calls behind it can only arrive within the test's
    // wait if the hold let them go; and which of them or the head's first retry comes first does not matter.
    t = await startAppAlone({ RETRY_SCHEDULE: '2,60', WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8', ORDER_HOLD_SECONDS: '1' });
    runtime = await FakeRuntime.start();
  });
  afterAll(async () => {
    await runtime.close();
    await t.close();
  });

  it('delivers the rest of the conversation once the poisoned head has held it for the hold, and the head retries on its own', async () => {
    const bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
    runtime.onDelivery = (d) => (d.body.content === '{"n":"poison"}' ? { status: 500 } : { body: {} });
    const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/onMessage', mode: 'async', chatId: 'p' });
    const path = pathOf(issued.body.url);
    const head = await t.http.post(path).send({ n: 'poison' });
    const rest: string[] = [];
    for (let n = 0; n < 3; n++) rest.push((await t.http.post(path).send({ n })).body.invocationId as string);
    const statusOf = async (id: string) => (await t.db.query('SELECT status FROM invocations WHERE id = $1', [id])).rows[0].status as string;
    await eventually(async () => ((await statusOf(rest[2])) === 'delivered' ? true : undefined), 20_000, 'the calls behind the poisoned head');
    const firstFailure = runtime.deliveries.find((d) => d.body.invocationId === head.body.invocationId)!;
    const released = runtime.deliveries.filter((d) => d.body.invocationId !== head.body.invocationId);
    expect(released.map((d) => d.body.invocationId)).toEqual(rest);
    // Not before the hold was over, and while the head still waits for its retries.
    expect(released[0].arrivedAt).toBeGreaterThanOrEqual(firstFailure.arrivedAt + 1000);
    expect(await statusOf(head.body.invocationId)).toBe('queued');
    // The head goes on retrying by the schedule, on its own.
    await eventually(() => (runtime.deliveries.filter((d) => d.body.invocationId === head.body.invocationId).length === 2 ? true : undefined), 20_000, "the head's retry");
    await eventually(async () => ((await t.db.query('SELECT attempts FROM invocations WHERE id = $1', [head.body.invocationId])).rows[0].attempts === 2 ? true : undefined));
    expect(await statusOf(head.body.invocationId)).toBe('queued');
  }, 40_000);
});
