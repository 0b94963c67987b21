import { Webhook } from 'standardwebhooks';
import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: calling an issued URL (sync)', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let fixture: RuntimeApp;

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ RUNTIME_TIMEOUT_MS: '500', WEBHOOK_MAX_BODY: '8192', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    ({ t, runtime, bot } = fixture);
  });
  afterAll(() => fixture.close());
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

  it('delivers a POST body of any type as raw text, with appended params and the issued content kept apart', async () => {
    runtime.onDelivery = () => ({ body: { messages: ['paid'] } });
    const issued = await issue({ command: '/onPayment', content: 'Did you see the cat?' });
    const res = await t.http.post(`${pathOf(issued.url)}?status=paid`).set('content-type', 'application/x-www-form-urlencoded').send('amount=49&currency=EUR');
    expect(res.status).toBe(200);
    const [delivery] = await runtime.received(1);
    expect(delivery.body).toMatchObject({
      content: 'amount=49&currency=EUR',
      issuedContent: 'Did you see the cat?',
      userId: null,
      options: { method: 'POST', params: { status: 'paid' }, body: 'amount=49&currency=EUR', headers: expect.objectContaining({ 'content-type': 'application/x-www-form-urlencoded' }) },
    });
    const json = await t.http.post(pathOf(issued.url)).set('content-type', 'application/json').send('{"not": "parsed", "spacing":  kept');
    expect(json.status).toBe(200);
    const [, second] = await runtime.received(2);
    expect(second.body.content).toBe('{"not": "parsed", "spacing":  kept');
  });

  it('passes a body that is not UTF-8 on in base64, flagged in options.bodyEncoding', async () => {
    const issued = await issue({ command: '/onUpload' });
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]);
    const res = await t.http.post(pathOf(issued.url)).set('content-type', 'image/jpeg').send(bytes);
    expect(res.status).toBe(200);
    const [delivery] = await runtime.received(1);
    expect(delivery.body.content).toBe(bytes.toString('base64'));
    expect(delivery.body.options).toMatchObject({ body: bytes.toString('base64'), bodyEncoding: 'base64' });
    const text = await t.http.post(pathOf(issued.url)).set('content-type', 'text/plain').send('naïve ✓');
    expect(text.status).toBe(200);
    const [, second] = await runtime.received(2);
    expect(second.body.content).toBe('naïve ✓');
    expect(second.body.options).not.toHaveProperty('bodyEncoding');
  });

  it('gives "" as content when there is neither a body nor issued content', async () => {
    const issued = await issue({ command: '/ping', chatId: -100123 });
    expect((await t.http.get(pathOf(issued.url))).status).toBe(200);
    const [delivery] = await runtime.received(1);
    expect(delivery.body).toMatchObject({ content: '', issuedContent: null, chatId: '-100123', options: { params: {} } });
  });

  it("answers with the runtime's response override: status, allowed headers, string or JSON body", async () => {
    runtime.onDelivery = (d) =>
      d.body.command === '/json'
        ? { body: { messages: ['x'], response: { status: 201, headers: { 'X-Order': 'A-1', 'set-cookie': 'a=b', 'cache-control': 'no-store' }, body: { ok: true } } } }
        : { body: { response: { status: 418, headers: { 'content-type': 'text/html' }, body: '<p>teapot</p>' } } };
    const json = await t.http.get(pathOf((await issue({ command: '/json' })).url));
    expect(json.status).toBe(201);
    expect(json.body).toEqual({ ok: true });
    expect(json.headers['x-order']).toBe('A-1');
    expect(json.headers['cache-control']).toBe('no-store');
    expect(json.headers['set-cookie']).toBeUndefined();
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    const html = await t.http.get(pathOf((await issue({ command: '/html', redirect: 'https://example.com/cat.jpg' })).url));
    expect(html.status).toBe(418);
    expect(html.text).toBe('<p>teapot</p>');
    expect(html.headers['content-type']).toBe('text/html');
  });

  it('redirects a browser to the issued redirect after a successful run', async () => {
    runtime.onDelivery = () => ({ body: { messages: ['seen'] } });
    const issued = await issue({ command: '/onWebhook', content: 'Did you see the cat?', redirect: 'https://example.com/cat.jpg?size=big' });
    const res = await t.http.get(pathOf(issued.url)).redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://example.com/cat.jpg?size=big');
    const [delivery] = await runtime.received(1);
    expect((await invocation(delivery.body.invocationId)).status).toBe('answered');
    const unicode = await issue({ command: '/onWebhook', redirect: 'https://bücher.example/café ✓' });
    const encoded = await t.http.get(pathOf(unicode.url)).redirects(0);
    expect(encoded.status).toBe(302);
    expect(encoded.headers.location).toBe('https://xn--bcher-kva.example/caf%C3%A9%20%E2%9C%93');
  });

  it.each([
    ['a 500', () => ({ status: 500, body: { messages: ['no'] } }), 'Request failed with status code 500', 'runtime_error'],
    ['an error in the reply', () => ({ body: { error: 'command not found' } }), 'the runtime reported an error: command not found', 'runtime_error'],
    ['invalid JSON', () => ({ body: '{"messages": [' }), 'the runtime replied with invalid JSON', 'runtime_bad_reply'],
    ['a timeout', () => 'hang' as const, 'timeout of 500ms exceeded', 'runtime_timeout'],
  ])('answers 503 and keeps a failed invocation when the runtime gives %s', async (_kind, reply, error, reason) => {
    runtime.onDelivery = reply;
    const issued = await issue({ command: '/fails', redirect: 'https://example.com/' });
    const res = await t.http.get(pathOf(issued.url)).redirects(0);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ timestamp: expect.any(String), status: { code: 503, type: 'service_unavailable', message: expect.stringMatching(/^the bot runtime /), reason } });
    const [delivery] = await runtime.received(1);
    expect(await invocation(delivery.body.invocationId)).toMatchObject({ status: 'failed', error, finished_at: expect.any(Date) });
  });

  it('answers 503 when the runtime cannot be reached', async () => {
    const gone = await FakeRuntime.start();
    const url = gone.url;
    await gone.close();
    const lonely = await t.createBot({ runtimeUrl: url });
    const issued = await issue({ command: '/unreachable' }, lonely.apiKey);
    const res = await t.http.get(pathOf(issued.url));
    expect(res.status).toBe(503);
    expect(res.body.status).toMatchObject({ message: 'the bot runtime could not be reached', reason: 'runtime_unreachable' });
    const { rows } = await t.db.query('SELECT status, error FROM invocations WHERE bot_id = $1', [lonely.id]);
    expect(rows).toEqual([{ status: 'failed', error: expect.stringMatching(/ECONNREFUSED|connect/) }]);
  });

  it('refuses with 403 every single-character change to the signed part of a URL', async () => {
    const issued = await issue({ command: '/onPayment', userId: 7, content: { plan: 'pro' }, params: { order: 'A1' }, redirect: 'https://example.com/', expiresIn: 3600, singleUse: true, mode: 'async' });
    const signed = issued.url.slice(issued.url.indexOf('/w/') + 3);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const variants = [...signed].map((c, i) => {
      const other = alphabet[(alphabet.indexOf(c) + 1 + (i % 7)) % alphabet.length] ?? 'A';
      return `/w/${signed.slice(0, i)}${other === c ? 'Z' : other}${signed.slice(i + 1)}`;
    });
    const statuses: number[] = new Array(variants.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < variants.length) {
          const i = next++;
          statuses[i] = (await t.http.get(variants[i])).status;
        }
      }),
    );
    const wrong = variants.map((v, i) => [v, statuses[i]]).filter(([, status]) => status !== 403);
    expect(wrong).toEqual([]);
    expect(runtime.deliveries).toHaveLength(0);
    expect((await t.db.query('SELECT count(*)::int AS n FROM invocations WHERE webhook_id = $1', [issued.webhookId])).rows[0].n).toBe(0);
    // The untouched URL still works, once (it is single-use).
    expect((await t.http.get(pathOf(issued.url))).status).toBe(202);
    expect((await t.http.get(pathOf(issued.url))).status).toBe(410);
    const [delivered] = await runtime.received(1);
    expect(delivered.body.webhookId).toBe(issued.webhookId);
  });

  it('answers 405 with Allow: GET, POST, OPTIONS to other methods, and to OPTIONS on a URL issued without cors', async () => {
    const issued = await issue({ command: '/x' });
    for (const method of ['put', 'patch', 'delete', 'options'] as const) {
      const res = await t.http[method](pathOf(issued.url));
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, POST, OPTIONS');
      expect(res.body).toEqual({ timestamp: expect.any(String), status: { code: 405, type: 'method_not_allowed', message: expect.any(String) } });
    }
    const head = await t.http.head(pathOf(issued.url));
    expect(head.status).toBe(405);
    expect(head.headers.allow).toBe('GET, POST, OPTIONS');
    expect(runtime.deliveries).toHaveLength(0);
  });

  it('answers 413 in the envelope for a body over WEBHOOK_MAX_BODY, and takes one of exactly that size', async () => {
    const issued = await issue({ command: '/big' });
    const res = await t.http.post(pathOf(issued.url)).set('content-type', 'application/octet-stream').send(Buffer.alloc(8193, 'a'));
    expect(res.status).toBe(413);
    expect(res.body.status).toEqual({ code: 413, type: 'payload_too_large', message: expect.any(String) });
    expect(runtime.deliveries).toHaveLength(0);
    expect((await t.http.post(pathOf(issued.url)).set('content-type', 'text/plain').send('a'.repeat(8192))).status).toBe(200);
  });

  it('runs a single-use URL exactly once when three calls race for it', async () => {
    const issued = await issue({ command: '/once', singleUse: true });
    const statuses = (await Promise.all([1, 2, 3].map(() => t.http.get(pathOf(issued.url))))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 410, 410]);
    expect(runtime.deliveries).toHaveLength(1);
    const again = await t.http.get(pathOf(issued.url));
    expect(again.status).toBe(410);
    expect(again.body.status.message).toBe('this single-use URL has already been used');
    expect((await t.db.query('SELECT count(*)::int AS n FROM invocations WHERE webhook_id = $1', [issued.webhookId])).rows[0].n).toBe(1);
  });

  it('replays the first outcome for a repeated Idempotency-Key or webhook-id without calling the runtime again', async () => {
    runtime.onDelivery = (d) => ({ body: { messages: [`run ${d.body.invocationId}`] } });
    const issued = await issue({ command: '/pay' });
    const first = await t.http.post(pathOf(issued.url)).set('idempotency-key', 'order-1').send('a');
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await t.http.post(pathOf(issued.url)).set('idempotency-key', 'order-1').send('different body');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(runtime.deliveries).toHaveLength(1);
    // Standard Webhooks senders retry with the same webhook-id.
    const viaWebhookId = await t.http.post(pathOf(issued.url)).set('webhook-id', 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W').send('x');
    const repeated = await t.http.post(pathOf(issued.url)).set('webhook-id', 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W').send('x');
    expect(repeated.body).toEqual(viaWebhookId.body);
    expect(repeated.headers['idempotent-replayed']).toBe('true');
    expect(runtime.deliveries).toHaveLength(2);
    // The same key on another URL is another call.
    const other = await issue({ command: '/pay' });
    expect((await t.http.post(pathOf(other.url)).set('idempotency-key', 'order-1').send('a')).headers['idempotent-replayed']).toBeUndefined();
    expect(runtime.deliveries).toHaveLength(3);
  });

  it('replays redirects and response overrides with their headers, and async acceptances with the same invocation id', async () => {
    const redirect = await issue({ command: '/r', redirect: 'https://example.com/after' });
    const first = await t.http.get(pathOf(redirect.url)).set('idempotency-key', 'k').redirects(0);
    const second = await t.http.get(pathOf(redirect.url)).set('idempotency-key', 'k').redirects(0);
    expect([first.status, second.status, second.headers.location]).toEqual([302, 302, 'https://example.com/after']);
    const lazy = await issue({ command: '/a', mode: 'async' });
    const accepted = await t.http.post(pathOf(lazy.url)).set('idempotency-key', 'k').send('x');
    const replayed = await t.http.post(pathOf(lazy.url)).set('idempotency-key', 'k').send('x');
    expect(accepted.status).toBe(202);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual({ accepted: true, invocationId: accepted.body.invocationId });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect((await t.db.query('SELECT count(*)::int AS n FROM invocations WHERE webhook_id = $1', [lazy.webhookId])).rows[0].n).toBe(1);
    // One run for the redirect, and the async call delivered once in the background.
    await runtime.received(2);
    expect(runtime.deliveries.map((d) => d.body.command)).toEqual(['/r', '/a']);
  });

  it('does not replay a failed run: a retry with the same key runs again', async () => {
    runtime.onDelivery = () => ({ status: 502 });
    const issued = await issue({ command: '/flaky' });
    expect((await t.http.get(pathOf(issued.url)).set('idempotency-key', 'retry-me')).status).toBe(503);
    runtime.onDelivery = () => ({ body: { messages: ['ok now'] } });
    const retried = await t.http.get(pathOf(issued.url)).set('idempotency-key', 'retry-me');
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(runtime.deliveries).toHaveLength(2);
    expect((await t.http.get(pathOf(issued.url)).set('idempotency-key', 'retry-me')).headers['idempotent-replayed']).toBe('true');
  });

  it('refuses a malformed idempotency key', async () => {
    const issued = await issue({ command: '/x' });
    const res = await t.http.get(pathOf(issued.url)).set('idempotency-key', 'x'.repeat(256));
    expect(res.status).toBe(400);
    expect(runtime.deliveries).toHaveLength(0);
  });

  it('accepts sync URLs of a bot without a runtime with 202, into its update queue', async () => {
    const pull = await t.createBot();
    const issued = await issue({ command: '/pull' }, pull.apiKey);
    const res = await t.http.get(pathOf(issued.url));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true, invocationId: expect.any(String) });
    expect(await invocation(res.body.invocationId)).toMatchObject({ status: 'queued', route: 'pull', bot_id: pull.id });
  });

  it('stores what Postgres cannot hold (NUL) in a runtime reply with a replacement character, and still answers', async () => {
    runtime.onDelivery = () => ({ body: { messages: ['a\u0000b'] } });
    const issued = await issue({ command: '/nul' });
    const res = await t.http.get(pathOf(issued.url)).set('idempotency-key', 'nul');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ answer: 'a\u0000b', messages: ['a\u0000b'] });
    const [delivery] = await runtime.received(1);
    expect(await invocation(delivery.body.invocationId)).toMatchObject({ status: 'answered', answer: 'a\uFFFDb' });
  });

  it('answers 503 without calling a runtime whose address is not public, when private addresses are not allowed, and gives a single use back', async () => {
    const strict = await startApp({ OUTBOUND_ALLOW_PRIVATE: 'false', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    try {
      const issued = await issue({ command: '/ssrf', singleUse: true });
      const res = await strict.http.get(pathOf(issued.url));
      expect(res.status).toBe(503);
      expect(res.body.status).toMatchObject({ message: 'the bot runtime could not be reached', reason: 'runtime_unreachable' });
      const { rows } = await t.db.query('SELECT status, error FROM invocations WHERE webhook_id = $1', [issued.webhookId]);
      expect(rows).toEqual([{ status: 'failed', error: 'url resolves to a loopback address (127.0.0.1)' }]);
      expect(runtime.deliveries).toHaveLength(0);
      // Nothing reached a runtime, so the use is still there for an instance that may call it.
      expect((await t.http.get(pathOf(issued.url))).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('documents its routes in the OpenAPI document', async () => {
    const { paths } = (await t.http.get('/docs-json')).body;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{webhookId}/revoke', '/w/{token}', '/v1/invocations', '/v1/invocations/{id}', '/v1/invocations/{id}/redeliver', '/v1/updates']));
    expect(Object.keys(paths['/w/{token}']).sort()).toEqual(['get', 'options', 'post']);
  });
});
