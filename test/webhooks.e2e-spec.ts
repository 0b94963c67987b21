import { Webhook } from 'standardwebhooks';
import { FakeRuntime } from './utils/runtime';
import { bearer, startApp, TestApp, TestBot } from './utils/test-app';

describe('webhooks: calling an issued URL (sync)', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;

  beforeAll(async () => {
    t = await startApp({ RUNTIME_TIMEOUT_MS: '500', WEBHOOK_MAX_BODY: '8192', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    runtime = await FakeRuntime.start();
    bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
  });
  afterAll(async () => {
    await t.close();
    await runtime.close();
  });
  beforeEach(() => {
    runtime.deliveries.length = 0;
    runtime.onDelivery = () => ({ body: {} });
  });

  const issue = async (body: Record<string, unknown>, key = bot.apiKey) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(key)).send(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { webhookId: string; url: string; botId: string; expiresAt: string | null };
  };
  const pathOf = (url: string) => url.slice(url.indexOf('/w/'));
  const invocation = async (id: string) => (await t.db.query('SELECT * FROM invocations WHERE id = $1', [id])).rows[0];

  it('delivers a GET to the runtime with the §3.4 body, signed, and answers with its last message', async () => {
    runtime.onDelivery = () => ({ body: { messages: ['Yes!', 'It was orange.'] } });
    const issued = await issue({ command: '/onWebhook', userId: 123, content: { question: 'Did you see the cat?' }, params: { order: 'A-1 b' } });
    const res = await t.http.get(`${pathOf(issued.url)}&utm=ad&utm=mail`).set('x-custom', 'yes').set('connection', 'keep-alive, x-drop').set('x-drop', 'gone');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ answer: 'It was orange.', messages: ['Yes!', 'It was orange.'] });
    const [delivery] = await runtime.received(1);
    expect(delivery.signatureValid).toBe(true);
    expect(() => new Webhook(bot.signingSecret).verify(delivery.raw, delivery.headers as Record<string, string>)).not.toThrow();
    const invocationId = delivery.body.invocationId;
    expect(delivery.headers['webhook-id']).toBe(invocationId);
    expect(delivery.body).toEqual({
      type: 'webhook',
      invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      webhookId: issued.webhookId,
      botId: bot.id,
      command: '/onWebhook',
      userId: '123',
      chatId: null,
      content: '{"question":"Did you see the cat?"}',
      issuedContent: { question: 'Did you see the cat?' },
      options: {
        url: `${issued.url}&utm=ad&utm=mail`,
        method: 'GET',
        params: { order: 'A-1 b', utm: ['ad', 'mail'] },
        headers: expect.objectContaining({ 'x-custom': 'yes', host: expect.any(String) }),
        ip: '127.0.0.1',
        body: '',
      },
      receivedAt: expect.any(String),
    });
    expect(delivery.body.options.headers).not.toHaveProperty('connection');
    expect(delivery.body.options.headers).not.toHaveProperty('x-drop');
    const row = await invocation(invocationId);
    expect(row).toMatchObject({ status: 'answered', http_status: 200, answer: 'It was orange.', attempts: 1, method: 'GET', user_id: '123', command: '/onWebhook' });
    expect(new Date(delivery.body.receivedAt).getTime()).toBe(row.received_at.getTime());
  });
});
