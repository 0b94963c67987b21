import { eventually, pathOf } from '../utils/eventually';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: mode "auto" answers within the deadline or goes on as async', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;

  beforeAll(async () => {
    t = await startApp({ RETRY_SCHEDULE: '0,0', RUNTIME_TIMEOUT_MS: '5000', WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8' });
    runtime = await FakeRuntime.start();
    bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
  });
  afterAll(async () => {
    await runtime.close();
    await t.close();
  });
  beforeEach(() => {
    runtime.deliveries.length = 0;
  });

  const issue = async (body: Record<string, unknown>) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/onMessage', mode: 'auto', ...body });
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { url: string; mode: string };
  };
  const view = async (id: string) => (await t.http.get(`/v1/invocations/${id}`).set(...bearer(bot.apiKey))).body;
  const gated = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { gate, release };
  };

  it('refuses a deadline outside 100..RUNTIME_TIMEOUT_MS or without mode auto', async () => {
    for (const body of [{ deadlineMs: 99 }, { deadlineMs: 5001 }, { mode: 'sync', deadlineMs: 500 }]) {
      const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/x', mode: 'auto', ...body });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'deadlineMs', message: expect.any(String) }]);
    }
  });

  it('answers exactly as sync when the runtime answers in time', async () => {
    runtime.onDelivery = () => ({ body: { messages: ['hi', 'there'] }, delayMs: 20 });
    const issued = await issue({ deadlineMs: 2000 });
    expect(issued.mode).toBe('auto');
    const res = await t.http.post(pathOf(issued.url)).send({ q: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ answer: 'there', messages: ['hi', 'there'] });
    const id = runtime.deliveries[0].headers['webhook-id'] as string;
    expect(await view(id)).toMatchObject({ mode: 'auto', status: 'answered', answer: 'there', attempts: 1, nextAttemptAt: null });
  });

  it('answers 202 pending at the deadline; the late reply settles the same invocation, and a repeat replays the 202', async () => {
    const { gate, release } = gated();
    runtime.onDelivery = () => ({ body: { messages: ['late'] }, until: gate });
    const issued = await issue({ deadlineMs: 300, singleUse: true });
    const started = Date.now();
    const res = await t.http.post(pathOf(issued.url)).set('idempotency-key', 'k1').send({ q: 2 });
    const took = Date.now() - started;
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true, invocationId: expect.any(String), pending: true });
    // Not before the deadline; and not after the runtime's answer, which waits for release() below.
    expect(took).toBeGreaterThanOrEqual(300);
    const id = res.body.invocationId as string;
    expect(runtime.deliveries[0].headers['webhook-id']).toBe(id);
    expect(await view(id)).toMatchObject({ mode: 'auto', status: 'queued', attempts: 0 });
    const repeat = await t.http.post(pathOf(issued.url)).set('idempotency-key', 'k1').send({ q: 2 });
    expect(repeat.status).toBe(202);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.body).toEqual(res.body);
    // Single use: the runtime has the call, so the URL is used.
    const other = await t.http.post(pathOf(issued.url)).send({});
    expect(other.status).toBe(410);
    expect(other.body.status.reason).toBe('url_used');
    release();
    const settled = await eventually(async () => {
      const v = await view(id);
      return v.status === 'answered' ? v : undefined;
    });
    expect(settled).toMatchObject({ answer: 'late', httpStatus: 200, attempts: 1, nextAttemptAt: null, finishedAt: expect.any(String) });
    expect(runtime.deliveries).toHaveLength(1);
    const after = await t.http.post(pathOf(issued.url)).set('idempotency-key', 'k1').send({ q: 2 });
    expect(after.status).toBe(202);
    expect(after.body).toEqual(res.body);
  });

  it('retries a call that fails after the deadline, with the same webhook-id, like any async call', async () => {
    runtime.onDelivery = () => (runtime.deliveries.length === 1 ? { status: 500, delayMs: 500 } : { body: { messages: ['second'] } });
    const issued = await issue({ deadlineMs: 100 });
    const res = await t.http.get(pathOf(issued.url));
    expect(res.status).toBe(202);
    expect(res.body.pending).toBe(true);
    const id = res.body.invocationId as string;
    const done = await eventually(async () => {
      const v = await view(id);
      return v.status === 'delivered' ? v : undefined;
    });
    expect(done).toMatchObject({ mode: 'auto', attempts: 2, answer: 'second' });
    expect(runtime.deliveries.map((d) => d.headers['webhook-id'])).toEqual([id, id]);
  });

  it('fails at once, before the deadline, as a sync call would', async () => {
    runtime.onDelivery = () => ({ status: 500 });
    const issued = await issue({ deadlineMs: 3000 });
    const res = await t.http.get(pathOf(issued.url));
    expect(res.status).toBe(503);
    expect(res.body.status.reason).toBe('runtime_error');
  });
});
