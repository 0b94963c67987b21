import { eventually } from '../utils/eventually';
import { FakeRuntime, RuntimeDelivery } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const MESSAGE_KEYS = ['type', 'invocationId', 'webhookId', 'botId', 'command', 'userId', 'chatId', 'content', 'issuedContent', 'options', 'receivedAt'];
const OPTIONS_KEYS = ['url', 'method', 'params', 'headers', 'ip', 'body'];

interface Call {
  label: string;
  method: 'GET' | 'POST';
  body?: string | Buffer;
  contentType?: string;
  /** What the runtime reads as content and options.body. */
  text: string;
  base64?: boolean;
}

const CALLS: Call[] = [
  { label: 'a POST with a JSON body', method: 'POST', contentType: 'application/json', body: '{"quote": "a \\"b\\"\\n", "emoji": "✓ 🐈"}', text: '{"quote": "a \\"b\\"\\n", "emoji": "✓ 🐈"}' },
  { label: 'a POST whose UTF-8 holds NUL', method: 'POST', contentType: 'text/plain', body: 'a\u0000b', text: 'a\u0000b' },
  { label: 'a POST that is not UTF-8', method: 'POST', contentType: 'image/jpeg', body: Buffer.from([0xff, 0xd8, 0x00, 0x22, 0x5c]), text: Buffer.from([0xff, 0xd8, 0x00, 0x22, 0x5c]).toString('base64'), base64: true },
  { label: 'a GET', method: 'GET', text: '' },
];

describe('webhooks: the §3.4 message, stored once and with secrets sealed', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let pushBot: TestBot;
  let pullBot: TestBot;

  beforeAll(async () => {
    t = await startApp({ WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8' });
    runtime = await FakeRuntime.start();
    pushBot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = pushBot.signingSecret;
    pullBot = await t.createBot();
  });
  afterAll(async () => {
    await t.close();
    await runtime.close();
  });

  const issue = async (key: string, body: Record<string, unknown>) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(key)).send(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { webhookId: string; url: string };
  };
  const pathOf = (url: string) => url.slice(url.indexOf('/w/'));
  const signatureOf = (url: string) => url.split('?')[0].split('.').pop()!;
  const call = (url: string, c: Call, headers: Record<string, string> = {}) => {
    const req = c.method === 'GET' ? t.http.get(pathOf(url)) : t.http.post(pathOf(url)).set('content-type', c.contentType!);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return c.method === 'GET' ? req : req.send(c.body!);
  };
  const detail = async (key: string, id: string) => (await t.http.get(`/v1/invocations/${id}`).set(...bearer(key))).body;
  const rowText = async (id: string) => (await t.db.query('SELECT i::text AS row FROM invocations i WHERE id = $1', [id])).rows[0].row as string;
  const deliveryOf = (id: string) => eventually(async () => runtime.deliveries.find((d) => d.body.invocationId === id));
  const pull = async (bot: TestBot) => {
    const res = await t.http.get('/v1/updates').set(...bearer(bot.apiKey));
    expect(res.status).toBe(200);
    return { text: res.text, updates: res.body as { updateId: number; invocation: any }[] };
  };

  /** The message in the contract's shape and order, compact, with this call's body in both places. */
  const expectMessage = (raw: string, c: Call, url: string, issued: { webhookId: string }, botId: string) => {
    const message = JSON.parse(raw);
    expect(raw).toBe(JSON.stringify(message));
    expect(Object.keys(message)).toEqual(MESSAGE_KEYS);
    expect(Object.keys(message.options)).toEqual(c.base64 ? [...OPTIONS_KEYS, 'bodyEncoding'] : OPTIONS_KEYS);
    expect(message).toMatchObject({
      type: 'webhook',
      webhookId: issued.webhookId,
      botId,
      command: '/store',
      content: c.text === '' ? 'issued' : c.text,
      issuedContent: 'issued',
      options: { url, method: c.method, params: { k: 'v' }, ip: '127.0.0.1', body: c.text, ...(c.base64 ? { bodyEncoding: 'base64' } : {}) },
    });
    return message;
  };

  for (const c of CALLS) {
    it(`delivers ${c.label} byte for byte in sync, push and pull modes, and shows it as delivered`, async () => {
      const sync = await issue(pushBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' } });
      const syncAnswer = await call(sync.url, c);
      expect(syncAnswer.status).toBe(200);
      const syncDelivery = runtime.deliveries.at(-1)!;
      const syncMessage = expectMessage(syncDelivery.raw, c, sync.url, sync, pushBot.id);
      expect(syncDelivery.signatureValid).toBe(true);
      expect((await detail(pushBot.apiKey, syncMessage.invocationId)).message).toEqual(syncMessage);

      const push = await issue(pushBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' }, mode: 'async' });
      const accepted = await call(push.url, c);
      expect(accepted.status).toBe(202);
      const pushDelivery: RuntimeDelivery = await deliveryOf(accepted.body.invocationId);
      const pushMessage = expectMessage(pushDelivery.raw, c, push.url, push, pushBot.id);
      expect(pushDelivery.signatureValid).toBe(true);
      expect((await detail(pushBot.apiKey, pushMessage.invocationId)).message).toEqual(pushMessage);

      const queued = await issue(pullBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' } });
      const waiting = await call(queued.url, c);
      expect(waiting.status).toBe(202);
      const { text, updates } = await pull(pullBot);
      const update = updates.find((u) => u.invocation.invocationId === waiting.body.invocationId)!;
      const raw = JSON.stringify(update.invocation);
      expect(text).toContain(`"invocation":${raw}`);
      const pullMessage = expectMessage(raw, c, queued.url, queued, pullBot.id);
      expect((await detail(pullBot.apiKey, pullMessage.invocationId)).message).toEqual(pullMessage);
    });
  }

  it("keeps the caller's authorization and cookie and the URL's signature out of the stored row, and still delivers them", async () => {
    const authorization = `Bearer s3cret-${Math.random().toString(36).slice(2)}`;
    const cookie = `sid=c00kie-${Math.random().toString(36).slice(2)}`;
    const proxyAuthorization = `Basic pr0xy-${Math.random().toString(36).slice(2)}`;
    const headers = { authorization, cookie, 'proxy-authorization': proxyAuthorization };
    const c = CALLS[0];
    const sync = await issue(pushBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' } });
    const push = await issue(pushBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' }, mode: 'async' });
    const queued = await issue(pullBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' } });

    expect((await call(sync.url, c, headers)).status).toBe(200);
    const syncDelivery = runtime.deliveries.at(-1)!;
    const pushId = (await call(push.url, c, headers)).body.invocationId;
    const pushDelivery = await deliveryOf(pushId);
    const pullId = (await call(queued.url, c, headers)).body.invocationId;
    const pulled = (await pull(pullBot)).updates.find((u) => u.invocation.invocationId === pullId)!.invocation;

    for (const [message, url] of [
      [syncDelivery.body, sync.url],
      [pushDelivery.body, push.url],
      [pulled, queued.url],
    ]) {
      expect(message.options.url).toBe(url);
      expect(message.options.headers).toMatchObject({ authorization, cookie });
      // Hop-by-hop: meant for the proxy in front, so it is neither forwarded nor stored.
      expect(message.options.headers).not.toHaveProperty('proxy-authorization');
      const row = await rowText(message.invocationId);
      expect(row).toContain(message.invocationId);
      for (const secret of [authorization, cookie, proxyAuthorization, 's3cret', 'c00kie', 'pr0xy', signatureOf(url)]) expect(row).not.toContain(secret);
      // The bot's own key reads the message as its runtime got it.
      expect((await detail(message.botId === pullBot.id ? pullBot.apiKey : pushBot.apiKey, message.invocationId)).message).toEqual(message);
    }
  });

  it("stores of the message only what the row's columns do not hold, and hands it out whole", async () => {
    const queued = await issue(pullBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' }, chatId: 'chat-stored' });
    const id = (await call(queued.url, CALLS[0])).body.invocationId;
    const message = (await pull(pullBot)).updates.find((u) => u.invocation.invocationId === id)!.invocation;
    const { rows } = await t.db.query<{ payload: string }>('SELECT payload FROM invocations WHERE id = $1', [id]);
    for (const value of [id, message.webhookId, message.receivedAt, 'chat-stored', '"type"']) expect(rows[0].payload).not.toContain(value);
    expect(message).toMatchObject({ type: 'webhook', invocationId: id, botId: pullBot.id, command: '/store', chatId: 'chat-stored', options: { url: queued.url } });
    expect((await detail(pullBot.apiKey, id)).message).toEqual(message);
  });

  it('still hands out and shows an invocation stored whole, as before the body had a column of its own', async () => {
    const queued = await issue(pullBot.apiKey, { command: '/store', content: 'issued', params: { k: 'v' } });
    const id = (await call(queued.url, CALLS[0])).body.invocationId;
    const message = (await pull(pullBot)).updates.find((u) => u.invocation.invocationId === id)!.invocation;
    const whole = JSON.stringify({ ...message, content: 'stored whole' });
    await t.db.query('UPDATE invocations SET payload = $2, body = NULL, sealed = NULL WHERE id = $1', [id, whole]);
    const { text } = await pull(pullBot);
    expect(text).toContain(`"invocation":${whole}`);
    expect((await detail(pullBot.apiKey, id)).message).toEqual(JSON.parse(whole));
  });
});
