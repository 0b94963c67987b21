import { eventually } from '../utils/eventually';
import { metric } from '../utils/metrics';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: async delivery, pull mode and invocations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ RETRY_SCHEDULE: '0,0,1', WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8' });
  });
  afterAll(async () => {
    await t.close();
  });

  const issue = async (key: string, body: Record<string, unknown>) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(key)).send(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { webhookId: string; url: string };
  };
  const pathOf = (url: string) => url.slice(url.indexOf('/w/'));
  const row = async (id: string) => (await t.db.query('SELECT * FROM invocations WHERE id = $1', [id])).rows[0];
  const withRuntime = async () => {
    const runtime = await FakeRuntime.start();
    const bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
    return { runtime, bot };
  };

  describe('async', () => {
    it('answers 202 once committed, then delivers in the background, retrying after the runtime failed twice', async () => {
      const { runtime, bot } = await withRuntime();
      let calls = 0;
      runtime.onDelivery = () => (++calls <= 2 ? { status: 500 } : { body: { messages: ['finally'] } });
      const issued = await issue(bot.apiKey, { command: '/onPayment', mode: 'async' });
      const res = await t.http.post(pathOf(issued.url)).set('content-type', 'application/json').send('{"paid":true}');
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: true, invocationId: expect.any(String) });
      const deliveries = await runtime.received(3);
      expect(deliveries.map((d) => d.headers['webhook-id'])).toEqual([res.body.invocationId, res.body.invocationId, res.body.invocationId]);
      expect(deliveries.every((d) => d.signatureValid && d.body.content === '{"paid":true}')).toBe(true);
      const done = await eventually(async () => {
        const r = await row(res.body.invocationId);
        return r.status === 'delivered' ? r : undefined;
      });
      expect(done).toMatchObject({ attempts: 3, http_status: 200, answer: 'finally', error: null, finished_at: expect.any(Date) });
      await runtime.close();
    });

    it('marks the invocation failed, with the last reason, once the schedule runs out', async () => {
      const { runtime, bot } = await withRuntime();
      runtime.onDelivery = () => ({ body: { error: 'no such command' } });
      const issued = await issue(bot.apiKey, { command: '/missing', mode: 'async' });
      const res = await t.http.get(pathOf(issued.url));
      expect(res.status).toBe(202);
      const failed = await eventually(async () => {
        const r = await row(res.body.invocationId);
        return r.status === 'failed' ? r : undefined;
      });
      expect(failed).toMatchObject({ attempts: 4, error: 'the runtime reported an error: no such command' });
      expect(runtime.deliveries).toHaveLength(4);
      const view = await t.http.get(`/v1/invocations/${res.body.invocationId}`).set(...bearer(bot.apiKey));
      expect(view.body).toMatchObject({ status: 'failed', attempts: 4, httpStatus: 200, error: 'the runtime reported an error: no such command' });
      await runtime.close();
    });
  });

  describe('pull mode (GET /v1/updates)', () => {
    const updates = (bot: TestBot, query: string) => t.http.get(`/v1/updates${query}`).set(...bearer(bot.apiKey));

    it('hands out queued calls in order with update ids, and an offset confirms everything before it', async () => {
      const bot = await t.createBot();
      const issued = await issue(bot.apiKey, { command: '/onPayment', userId: 5, content: { plan: 'pro' } });
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push((await t.http.post(`${pathOf(issued.url)}?n=${n}`).send(`call ${n}`)).body.invocationId);
      const first = await updates(bot, '');
      expect(first.status).toBe(200);
      expect(first.body.map((u: { invocation: { invocationId: string } }) => u.invocation.invocationId)).toEqual(ids);
      const updateIds = first.body.map((u: { updateId: number }) => u.updateId);
      expect(updateIds).toEqual([...updateIds].sort((a, b) => a - b));
      expect(first.body[1].invocation).toMatchObject({
        type: 'webhook',
        invocationId: ids[1],
        webhookId: issued.webhookId,
        botId: bot.id,
        command: '/onPayment',
        userId: '5',
        content: 'call 2',
        issuedContent: { plan: 'pro' },
        options: { method: 'POST', params: { n: '2' }, body: 'call 2' },
      });
      // Not confirmed yet: the same updates again.
      expect((await updates(bot, '?limit=2')).body.map((u: { updateId: number }) => u.updateId)).toEqual(updateIds.slice(0, 2));
      const confirmed = await updates(bot, `?offset=${updateIds[1] + 1}`);
      expect(confirmed.body.map((u: { updateId: number }) => u.updateId)).toEqual([updateIds[2]]);
      expect((await row(ids[0])).status).toBe('delivered');
      expect((await row(ids[2])).status).toBe('queued');
      expect((await updates(bot, `?offset=${updateIds[2] + 1}`)).body).toEqual([]);
      expect((await row(ids[2])).status).toBe('delivered');
    });

    it('wakes a long poll as soon as a call arrives, and ends an empty one at its timeout', async () => {
      const bot = await t.createBot();
      const issued = await issue(bot.apiKey, { command: '/wake' });
      const started = Date.now();
      const empty = await updates(bot, '?timeout=1');
      expect(empty.body).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      // The longest poll the contract allows outlasts the test's own timeout, so only a wake-up can end it in time.
      const poll = updates(bot, '?timeout=50');
      const call = await t.http.get(pathOf(issued.url));
      const woken = await poll;
      expect(woken.body).toEqual([{ updateId: expect.any(Number), invocation: expect.objectContaining({ invocationId: call.body.invocationId }) }]);
    });

    it('validates its parameters, shows a bot only its own updates, and lets an admin name the bot', async () => {
      const bot = await t.createBot();
      const other = await t.createBot();
      await t.http.get(pathOf((await issue(other.apiKey, { command: '/theirs' })).url));
      expect((await updates(bot, '')).body).toEqual([]);
      for (const query of ['?limit=0', '?limit=101', '?timeout=51', '?offset=-1', '?offset=x']) expect((await updates(bot, query)).status).toBe(400);
      expect((await updates(bot, `?botId=${other.id}`)).status).toBe(404);
      expect((await t.http.get('/v1/updates').set(...bearer(t.adminKey))).status).toBe(400);
      const asAdmin = await t.http.get(`/v1/updates?botId=${other.id}`).set(...bearer(t.adminKey));
      expect(asAdmin.body.map((u: { invocation: { command: string } }) => u.invocation.command)).toEqual(['/theirs']);
    });
  });

  describe('invocations', () => {
    it('lists newest first with filters and a cursor, and shows one bot key nothing of another bot (404)', async () => {
      const { runtime, bot } = await withRuntime();
      runtime.onDelivery = (d) => (d.body.command === '/bad' ? { status: 500 } : { body: { messages: ['ok'] } });
      const good = await issue(bot.apiKey, { command: '/good' });
      const bad = await issue(bot.apiKey, { command: '/bad' });
      const ids: string[] = [];
      for (const url of [good.url, bad.url, good.url, good.url, bad.url]) {
        await t.http.get(pathOf(url));
        ids.push(runtime.deliveries[runtime.deliveries.length - 1].body.invocationId);
      }
      const list = (query: string, key = bot.apiKey) => t.http.get(`/v1/invocations${query}`).set(...bearer(key));

      const all = await list('');
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ items: expect.any(Array), nextCursor: null });
      expect(all.body.items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());
      expect(all.body.items[0]).toEqual({
        id: ids[4],
        webhookId: bad.webhookId,
        botId: bot.id,
        command: '/bad',
        userId: null,
        chatId: null,
        method: 'GET',
        mode: 'sync',
        status: 'failed',
        httpStatus: 500,
        answer: null,
        error: 'Request failed with status code 500',
        attempts: 1,
        nextAttemptAt: null,
        receivedAt: expect.any(String),
        finishedAt: expect.any(String),
      });

      const page1 = await list('?limit=2');
      expect(page1.body.items.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3]]);
      const page2 = await list(`?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
      const page3 = await list(`?limit=2&cursor=${page2.body.nextCursor}`);
      expect(page3.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

      expect((await list('?status=failed')).body.items.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[1]]);
      expect((await list('?command=/good&status=answered')).body.items.map((i: { id: string }) => i.id)).toEqual([ids[3], ids[2], ids[0]]);
      for (const query of ['?limit=0', '?limit=101', '?status=lost', '?cursor=zzz', '?botId=123']) expect((await list(query)).status).toBe(400);

      const other = await t.createBot();
      expect((await list('', other.apiKey)).body.items).toEqual([]);
      expect((await list(`?botId=${bot.id}`, other.apiKey)).status).toBe(404);
      expect((await t.http.get(`/v1/invocations/${ids[0]}`).set(...bearer(other.apiKey))).status).toBe(404);
      expect((await t.http.post(`/v1/invocations/${ids[0]}/redeliver`).set(...bearer(other.apiKey))).status).toBe(404);
      expect((await t.http.get(`/v1/invocations/${ids[0]}`).set(...bearer(bot.apiKey))).body).toMatchObject({ id: ids[0], status: 'answered', answer: 'ok', httpStatus: 200 });
      expect((await t.http.get(`/v1/invocations/${ids[0]}`).set(...bearer(t.adminKey))).status).toBe(200);
      expect((await list(`?botId=${bot.id}&limit=1`, t.adminKey)).body.items.map((i: { id: string }) => i.id)).toEqual([ids[4]]);
      expect((await t.http.get('/v1/invocations/00000000-0000-7000-8000-000000000000').set(...bearer(bot.apiKey))).status).toBe(404);
      expect((await t.http.get('/v1/invocations/nope').set(...bearer(bot.apiKey))).status).toBe(400);
      await runtime.close();
    });

    it('redelivers in the background: to the runtime with the same webhook-id, or back into the update queue', async () => {
      const { runtime, bot } = await withRuntime();
      runtime.onDelivery = () => ({ body: { messages: ['again'] } });
      const issued = await issue(bot.apiKey, { command: '/redo' });
      await t.http.get(pathOf(issued.url));
      const [first] = await runtime.received(1);
      const id = first.body.invocationId;
      const res = await t.http.post(`/v1/invocations/${id}/redeliver`).set(...bearer(bot.apiKey));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: true });
      const [, second] = await runtime.received(2);
      expect(second.headers['webhook-id']).toBe(id);
      expect(second.raw).toBe(first.raw);
      await eventually(async () => ((await row(id)).status === 'delivered' ? true : undefined));
      expect((await row(id)).attempts).toBe(2);

      const pullBot = await t.createBot();
      const pulled = await t.http.get(pathOf((await issue(pullBot.apiKey, { command: '/pull' })).url));
      const [update] = (await t.http.get('/v1/updates').set(...bearer(pullBot.apiKey))).body;
      await t.http.get(`/v1/updates?offset=${update.updateId + 1}`).set(...bearer(pullBot.apiKey));
      expect((await row(pulled.body.invocationId)).status).toBe('delivered');
      expect((await t.http.post(`/v1/invocations/${pulled.body.invocationId}/redeliver`).set(...bearer(t.adminKey))).status).toBe(202);
      const [again] = (await t.http.get(`/v1/updates?offset=${update.updateId + 1}`).set(...bearer(pullBot.apiKey))).body;
      expect(again.invocation.invocationId).toBe(pulled.body.invocationId);
      expect(again.updateId).toBeGreaterThan(update.updateId);
      await runtime.close();
    });
  });

  it('counts in /metrics each invocation by outcome and each runtime delivery', async () => {
    const { runtime, bot } = await withRuntime();
    const pullBot = await t.createBot();
    const counters = async () => ({
      accepted: await metric(t, 'bothooks_invocations_total', { outcome: 'accepted' }),
      answered: await metric(t, 'bothooks_invocations_total', { outcome: 'answered' }),
      failed: await metric(t, 'bothooks_invocations_total', { outcome: 'failed' }),
      timedSync: await metric(t, 'bothooks_invocation_duration_seconds_count', { mode: 'sync' }),
      delivered: await metric(t, 'bothooks_deliveries_total', { target: 'runtime', outcome: 'succeeded' }),
      undelivered: await metric(t, 'bothooks_deliveries_total', { target: 'runtime', outcome: 'failed' }),
      timedDeliveries: await metric(t, 'bothooks_delivery_duration_seconds_count', { target: 'runtime' }),
    });
    const sync = await issue(bot.apiKey, { command: '/counted' });
    const queued = await issue(pullBot.apiKey, { command: '/counted', mode: 'async' });
    const before = await counters();

    try {
      runtime.onDelivery = () => ({ body: { messages: ['hi'] } });
      expect((await t.http.get(pathOf(sync.url))).status).toBe(200);
      runtime.onDelivery = () => ({ status: 500 });
      expect((await t.http.get(pathOf(sync.url))).body.status.reason).toBe('runtime_error');
      expect((await t.http.get(pathOf(queued.url))).status).toBe(202);

      expect(await counters()).toEqual({
        accepted: before.accepted + 1,
        answered: before.answered + 1,
        failed: before.failed + 1,
        timedSync: before.timedSync + 2,
        delivered: before.delivered + 1,
        undelivered: before.undelivered + 1,
        timedDeliveries: before.timedDeliveries + 2,
      });
    } finally {
      await runtime.close();
    }
  });
});
