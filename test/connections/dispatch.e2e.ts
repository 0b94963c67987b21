import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Clock } from '../../src/common/clock';
import { FakeBackend } from '../utils/backend';
import { metric } from '../utils/metrics';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const BASE = '/v2/integrations/webhook';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Far longer than the tests: the circuit closes only when a test moves the app's clock past it.
const COOLDOWN_MS = 60_000;

describe('connections: dispatch, deliveries, circuit breaker', () => {
  let t: TestApp;
  let backend: FakeBackend;
  let bot: TestBot;
  let now = Date.now();
  const admin = () => bearer(t.adminKey);

  beforeAll(async () => {
    [t, backend] = await Promise.all([startApp({ CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS) }), FakeBackend.start()]);
    bot = await t.createBot({ name: 'Shop bot' });
    const clock = t.app.get(Clock);
    clock.now = () => now;
  });
  afterAll(async () => {
    await Promise.all([t.close(), backend.close()]);
  });
  beforeEach(() => backend.reset());

  /** Creates a connection and points the backend's signature check at its secret. */
  async function connect(fields: Record<string, unknown> = {}, owner = bot): Promise<{ id: string; signingSecret: string }> {
    const res = await t.http
      .post(BASE)
      .set(...admin())
      .send({ storyId: owner.id, name: 'Shop backend', url: backend.url(), ...fields });
    expect(res.status).toBe(201);
    const { signingSecret } = (await t.http.get(`${BASE}/${res.body.id}`).set(...admin())).body;
    backend.signingSecret = signingSecret;
    return { id: res.body.id, signingSecret };
  }

  const dispatch = (id: string, body: Record<string, unknown> = { chatId: 'c1', userId: 'u1' }, key = t.adminKey) =>
    t.http.post(`${BASE}/${id}/dispatch`).set(...bearer(key)).send(body);

  const connectionError = async (id: string) => (await t.http.get(`${BASE}/${id}`).set(...admin())).body.error;

  describe('what the backend receives', () => {
    it('posts the chatbot.com body, signed, with token, custom headers and Basic auth', async () => {
      backend.token = 'tok-123';
      const { id, signingSecret } = await connect({
        url: backend.url('/chat?v=2'),
        token: 'tok-123',
        headers: { 'X-Api-Key': 'k-1', 'X-Tenant': 'acme' },
        auth: { username: 'jane', password: 's3cr3t' },
      });
      backend.onMessage = () => ({ body: { responses: [{ type: 'text', message: 'Hi Jane' }], attributes: { plan: 'pro' } } });

      const res = await dispatch(id, {
        chatId: 'chat-1',
        userId: 'user-1',
        messageId: '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c',
        externalId: 'ext-9',
        node: { id: 'n1', name: 'Start' },
        userAttributes: { email: 'jane@example.com', age: 31 },
        attributes: { cart: 2, vip: true, note: null },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        deliveryId: expect.stringMatching(UUID),
        durationMs: expect.any(Number),
        responses: [{ type: 'text', message: 'Hi Jane', delay: 1000 }],
        attributes: { plan: 'pro' },
      });

      const posts = backend.requests.filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(1);
      const [received] = posts;
      expect(received.path).toBe('/chat');
      expect(received.query).toEqual({ v: '2', token: 'tok-123' });
      expect(JSON.parse(received.body)).toEqual({
        chatId: 'chat-1',
        messageId: '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c',
        userId: 'user-1',
        externalId: 'ext-9',
        node: { id: 'n1', name: 'Start', type: 'WEBHOOK', webhookId: id, webhookName: 'Shop backend' },
        userAttributes: { email: 'jane@example.com', age: 31 },
        attributes: { cart: 2, vip: true, note: null },
      });
      expect(received.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^bothooks\/\d+\.\d+\.\d+/),
        'x-api-key': 'k-1',
        'x-tenant': 'acme',
        authorization: `Basic ${Buffer.from('jane:s3cr3t').toString('base64')}`,
        'webhook-id': res.body.deliveryId,
        'webhook-timestamp': expect.stringMatching(/^\d+$/),
        'webhook-signature': expect.stringMatching(/^v1,/),
      });
      expect(received.signatureValid).toBe(true);
      // Checked again here, with the package a backend author would use.
      expect(() => new Webhook(signingSecret).verify(received.body, received.headers as Record<string, string>)).not.toThrow();
    });

    it('sends numbers as strings, generates messageId, and fills absent optional fields', async () => {
      const { id } = await connect();
      const res = await dispatch(id, { chatId: 123456789, userId: -42 });
      expect(res.status).toBe(200);
      const body = JSON.parse(backend.messages[0].body);
      expect(body).toEqual({
        chatId: '123456789',
        messageId: expect.stringMatching(UUID),
        userId: '-42',
        externalId: null,
        node: { id: null, name: null, type: 'WEBHOOK', webhookId: id, webhookName: 'Shop backend' },
        userAttributes: {},
        attributes: {},
      });
      expect(backend.messages[0].headers.authorization).toBeUndefined();
    });

    it('refuses a bad dispatch body with every problem listed', async () => {
      const { id } = await connect();
      const res = await dispatch(id, {
        chatId: '',
        userId: { id: 1 },
        messageId: 'nope',
        externalId: 'e'.repeat(257),
        node: { id: 5 },
        userAttributes: { nested: { a: 1 } },
        attributes: ['x'],
        extra: 1,
      });
      expect(res.status).toBe(400);
      expect(new Set(res.body.errors.map((e: { path: string }) => e.path))).toEqual(
        new Set(['chatId', 'userId', 'messageId', 'externalId', 'node.id', 'userAttributes.nested', 'attributes', 'extra']),
      );
      expect((await dispatch(id, { chatId: 'x'.repeat(65), userId: '1' })).status).toBe(400);
      expect((await dispatch(id, {})).body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['chatId', 'userId']));
      expect(backend.messages).toHaveLength(0);
    });

    it('counts attribute key lengths in code points, as /v2/responses/validate does', async () => {
      const { id } = await connect();
      const key = (n: number) => '\u{1F600}'.repeat(n);
      const res = await dispatch(id, { chatId: 'c', userId: 'u', attributes: { [key(100)]: 'v' }, userAttributes: { [key(128)]: key(1024) } });
      expect(res.status).toBe(200);
      expect(JSON.parse(backend.messages[0].body)).toMatchObject({ attributes: { [key(100)]: 'v' }, userAttributes: { [key(128)]: key(1024) } });

      const refused = await dispatch(id, { chatId: 'c', userId: 'u', attributes: { [key(129)]: 'v' }, userAttributes: { ok: key(1025) } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        { path: 'userAttributes.ok', message: 'must be at most 1024 characters' },
        { path: `attributes[${JSON.stringify(key(129))}]`, message: 'name must be 1 to 128 characters' },
      ]);
      expect(backend.messages).toHaveLength(1);
    });

    it('takes many dispatches at once, each answered and recorded', async () => {
      const { id } = await connect();
      // Replies that arrive together make the deliveries be written together, over several pool connections.
      // Kept to a few: the embedded test database takes 16 connections for every test file running at once.
      backend.onMessage = () => ({ body: { responses: [] }, delayMs: 100 });
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => dispatch(id, { chatId: `c${i}`, userId: 'u' })));
      expect(answers.map((res) => res.status)).toEqual(Array(6).fill(200));
      expect(new Set(answers.map((res) => res.body.deliveryId)).size).toBe(6);
      expect(backend.messages.every((m) => m.signatureValid)).toBe(true);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM connection_deliveries WHERE connection_id = $1 AND status = 'succeeded'`, [id])).rows[0].n).toBe(6);
    });

    it('reuses connections to the backend (keep-alive)', async () => {
      const { id } = await connect();
      const before = backend.connections;
      for (let i = 0; i < 5; i++) expect((await dispatch(id)).status).toBe(200);
      expect(backend.connections - before).toBeLessThanOrEqual(1);
    });
  });

  describe('replies', () => {
    it.each([
      ['an empty body', { status: 200, body: '' }],
      ['a 204', { status: 204 }],
      ['whitespace', { status: 200, body: ' \n' }],
      ['an empty object', { status: 200, body: {} }],
    ])('answers 200 with nothing to say for %s', async (_, reply) => {
      const { id } = await connect();
      backend.onMessage = () => reply;
      const res = await dispatch(id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deliveryId: expect.stringMatching(UUID), durationMs: expect.any(Number), responses: [], attributes: {} });
    });

    it('normalizes a valid reply', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({
        body: {
          responses: [
            { type: 'quickReplies', title: 'Pick', buttons: [{ type: 'postback', title: 'A', value: 'a' }], delay: 200 },
            { type: 'buttons', title: 'More', buttons: [{ type: 'webview', title: 'Open', value: 'https://example.com' }] },
          ],
        },
      });
      const res = await dispatch(id);
      expect(res.status).toBe(200);
      expect(res.body.responses).toEqual([
        { type: 'quickReplies', title: 'Pick', buttons: [{ type: 'postback', title: 'A', value: 'a' }], delay: 200 },
        { type: 'buttons', title: 'More', buttons: [{ type: 'webview', title: 'Open', value: 'https://example.com', height: 'compact' }], delay: 1000 },
      ]);
    });

    it('answers 502 listing every violation of an invalid reply, and keeps the error', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ body: { responses: [{ type: 'text' }, { type: 'image', imageUrl: 'ftp://x' }], attributes: { a: { b: 1 } }, extra: 1 } });
      const res = await dispatch(id);
      expect(res.status).toBe(502);
      expect(res.body.status).toEqual({ code: 502, type: 'bad_gateway', message: "the backend's reply is not valid: 4 violations", reason: 'backend_bad_reply' });
      expect(res.body.errors).toEqual([
        { path: 'responses[0].message', message: 'is required' },
        { path: 'responses[1].imageUrl', message: 'must be an http or https URL' },
        { path: 'attributes.a', message: expect.any(String) },
        { path: 'extra', message: 'unknown field' },
      ]);
      expect(await connectionError(id)).toMatch(/^the backend's reply is not valid: responses\[0\]\.message is required; /);
      const { rows } = await t.db.query('SELECT status, http_status, error FROM connection_deliveries WHERE connection_id = $1', [id]);
      expect(rows).toEqual([{ status: 'failed', http_status: 200, error: expect.stringContaining('responses[0].message is required') }]);
    });

    it('answers 502 with the first 100 violations of a reply with thousands, saying how many there were', async () => {
      const { id } = await connect();
      const responses = Array.from({ length: 99 }, () => ({ type: 'text', message: '', delay: 1, a: 1, b: 2 }));
      backend.onMessage = () => ({ body: { responses } });
      const res = await dispatch(id);
      expect(res.status).toBe(502);
      expect(res.body.status.message).toBe("the backend's reply is not valid: 396 violations, the first 100 listed");
      expect(res.body.errors).toHaveLength(100);
      expect(res.body.errors[0]).toEqual({ path: 'responses[0].message', message: 'must be 1 to 1024 characters' });
      expect(Buffer.byteLength(res.text)).toBeLessThan(16 * 1024);
    });

    it('takes a reply that starts with a UTF-8 byte order mark', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ body: Buffer.from('\ufeff{"responses":[{"type":"text","message":"hi"}],"attributes":{"a":1}}', 'utf8'), headers: { 'content-type': 'application/json' } });
      const res = await dispatch(id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ responses: [{ type: 'text', message: 'hi', delay: 1000 }], attributes: { a: 1 } });
    });

    it('answers 502 for a reply that is not JSON', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ body: '<html>oops</html>' });
      const res = await dispatch(id);
      expect(res.status).toBe(502);
      expect(res.body.status.message).toBe("the backend's reply is not valid JSON");
      expect(res.body.errors).toEqual([{ path: '', message: 'is not valid JSON' }]);
      expect(await connectionError(id)).toBe("the backend's reply is not valid JSON");
    });

    it('answers 502 for a reply over 64 KiB', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ body: { responses: [{ type: 'text', message: 'x'.repeat(1000) }], attributes: { pad: 'y'.repeat(1000) }, filler: 'z'.repeat(70 * 1024) } });
      const res = await dispatch(id);
      expect(res.status).toBe(502);
      expect(res.body.status.message).toBe("the backend's reply exceeds 65536 bytes");
      expect(res.body.errors).toEqual([{ path: '', message: 'exceeds 65536 bytes' }]);
    });

    it('does not follow a redirect', async () => {
      const { id } = await connect();
      backend.onMessage = (req) => (req.path === '/hook' ? { status: 302, headers: { location: backend.url('/elsewhere') } } : { body: { responses: [] } });
      const res = await dispatch(id);
      expect(res.status).toBe(502);
      expect(res.body.status.message).toBe('Request failed with status code 302');
      expect(backend.messages.map((r) => r.path)).toEqual(['/hook']);
    });
  });

  describe('failures', () => {
    it('answers 502 with the chatbot.com message for 404 and 500, keeps the error, and a success clears it', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ status: 404, body: { error: 'no such route' } });
      const notFound = await dispatch(id);
      expect(notFound.status).toBe(502);
      expect(notFound.body).toEqual({ timestamp: expect.any(String), status: { code: 502, type: 'bad_gateway', message: 'Request failed with status code 404', reason: 'backend_status' } });
      expect(await connectionError(id)).toBe('Request failed with status code 404');
      const listed = (await t.http.get(BASE).set(...admin())).body.find((c: { id: string }) => c.id === id);
      expect(listed.error).toBe('Request failed with status code 404');

      backend.onMessage = () => ({ status: 500, body: 'boom' });
      expect((await dispatch(id)).body.status.message).toBe('Request failed with status code 500');
      expect(await connectionError(id)).toBe('Request failed with status code 500');

      backend.onMessage = () => ({ body: { responses: [] } });
      expect((await dispatch(id)).status).toBe(200);
      expect(await connectionError(id)).toBeNull();
      const { rows } = await t.db.query('SELECT status, http_status, error, response_body FROM connection_deliveries WHERE connection_id = $1 ORDER BY created_at', [id]);
      expect(rows).toEqual([
        { status: 'failed', http_status: 404, error: 'Request failed with status code 404', response_body: '{"error":"no such route"}' },
        { status: 'failed', http_status: 500, error: 'Request failed with status code 500', response_body: 'boom' },
        { status: 'succeeded', http_status: 200, error: null, response_body: '{"responses":[]}' },
      ]);
    });

    it('answers 504 for a backend slower than the connection\'s timeoutMs', async () => {
      const { id } = await connect({ timeoutMs: 300 });
      backend.onMessage = () => ({ body: { responses: [] }, delayMs: 3000 });
      // Had the timeout not applied, the backend's late reply would answer 200.
      const res = await dispatch(id);
      expect(res.status).toBe(504);
      expect(res.body.status).toEqual({ code: 504, type: 'gateway_timeout', message: 'timeout of 300ms exceeded', reason: 'backend_timeout' });
      expect(await connectionError(id)).toBe('timeout of 300ms exceeded');
      const { rows } = await t.db.query('SELECT status, http_status, response_body FROM connection_deliveries WHERE connection_id = $1', [id]);
      expect(rows).toEqual([{ status: 'failed', http_status: null, response_body: null }]);
    });

    it('answers 502 when nothing listens at the url', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      const { id } = await connect({ url: `http://127.0.0.1:${port}/hook` });
      const res = await dispatch(id);
      expect(res.status).toBe(502);
      expect(res.body.status.message).toMatch(/ECONNREFUSED/);
      expect(await connectionError(id)).toMatch(/ECONNREFUSED/);
    });
  });

  describe('circuit breaker', () => {
    it('opens after 5 consecutive failures without calling the backend, and closes after a good trial', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ status: 500 });
      for (let i = 0; i < 5; i++) expect((await dispatch(id)).status).toBe(502);
      expect(backend.messages).toHaveLength(5);

      const open = await dispatch(id);
      expect(open.status).toBe(503);
      expect(open.body.status.type).toBe('service_unavailable');
      expect(open.body.status.message).toMatch(/^circuit open after 5 consecutive failures/);
      expect(open.headers['retry-after']).toBe(String(COOLDOWN_MS / 1000));
      expect(backend.messages).toHaveLength(5);
      // Refused calls are not deliveries: nothing was sent.
      expect((await t.db.query('SELECT count(*)::int AS n FROM connection_deliveries WHERE connection_id = $1', [id])).rows[0].n).toBe(5);

      now += COOLDOWN_MS - 1;
      expect((await dispatch(id)).status).toBe(503);
      now += 1;
      backend.onMessage = () => ({ body: { responses: [] } });
      expect((await dispatch(id)).status).toBe(200);
      expect((await dispatch(id)).status).toBe(200);
      expect(backend.messages).toHaveLength(7);
      expect(await connectionError(id)).toBeNull();
    });

    it('opens again at once when the trial fails', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ status: 500 });
      for (let i = 0; i < 5; i++) await dispatch(id);
      now += COOLDOWN_MS;
      expect((await dispatch(id)).status).toBe(502);
      expect((await dispatch(id)).status).toBe(503);
      expect(backend.messages).toHaveLength(6);
    });

    it('starts afresh when the connection is replaced', async () => {
      const { id } = await connect();
      backend.onMessage = () => ({ status: 500 });
      for (let i = 0; i < 5; i++) await dispatch(id);
      expect((await dispatch(id)).status).toBe(503);
      backend.onMessage = () => ({ body: { responses: [] } });
      expect((await t.http.put(`${BASE}/${id}`).set(...admin()).send({ name: 'Fixed', url: backend.url('/fixed') })).status).toBe(200);
      const res = await dispatch(id);
      expect(res.status).toBe(200);
      expect(backend.messages.at(-1)!.path).toBe('/fixed');
      expect(JSON.parse(backend.messages.at(-1)!.body).node.webhookName).toBe('Fixed');
    });
  });

  describe('deliveries', () => {
    it('lists newest first with cursor pagination, shows one in full, and retries it', async () => {
      backend.token = 'tok-d';
      const { id } = await connect({ token: 'tok-d', headers: { 'X-Api-Key': 'k-d' }, auth: { username: 'u', password: 'p-d' } });
      backend.onMessage = () => ({ body: { responses: [{ type: 'text', message: 'one' }] } });
      const first = await dispatch(id, { chatId: 'c1', userId: 'u1' });
      backend.onMessage = () => ({ status: 500, body: 'down' });
      const second = await dispatch(id, { chatId: 'c2', userId: 'u2' });
      backend.onMessage = () => ({ body: '' });
      const third = await dispatch(id, { chatId: 'c3', userId: 'u3' });
      expect([first.status, second.status, third.status]).toEqual([200, 502, 200]);
      const secondId = backend.messages[1].headers['webhook-id'] as string;

      const page1 = await t.http.get(`${BASE}/${id}/deliveries?limit=2`).set(...admin());
      expect(page1.status).toBe(200);
      expect(page1.body.items).toEqual([
        { id: third.body.deliveryId, status: 'succeeded', httpStatus: 200, durationMs: expect.any(Number), error: null, createdAt: expect.any(String) },
        { id: secondId, status: 'failed', httpStatus: 500, durationMs: expect.any(Number), error: 'Request failed with status code 500', createdAt: expect.any(String) },
      ]);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await t.http.get(`${BASE}/${id}/deliveries`).query({ limit: 2, cursor: page1.body.nextCursor }).set(...admin());
      expect(page2.body).toEqual({ items: [expect.objectContaining({ id: first.body.deliveryId, status: 'succeeded' })], nextCursor: null });
      const all = await t.http.get(`${BASE}/${id}/deliveries`).set(...admin());
      expect(all.body.items.map((d: { id: string }) => d.id)).toEqual([third.body.deliveryId, secondId, first.body.deliveryId]);

      const detail = await t.http.get(`${BASE}/${id}/deliveries/${secondId}`).set(...admin());
      expect(detail.status).toBe(200);
      expect(detail.body).toEqual({
        id: secondId,
        connectionId: id,
        status: 'failed',
        httpStatus: 500,
        durationMs: expect.any(Number),
        error: 'Request failed with status code 500',
        createdAt: expect.any(String),
        requestUrl: `${backend.url()}?token=[redacted]`,
        requestHeaders: {
          'content-type': 'application/json',
          'X-Api-Key': '[redacted]',
          authorization: '[redacted]',
          'webhook-id': secondId,
          'webhook-timestamp': backend.messages[1].headers['webhook-timestamp'],
          'webhook-signature': backend.messages[1].headers['webhook-signature'],
        },
        requestBody: JSON.parse(backend.messages[1].body),
        responseBody: 'down',
      });

      backend.onMessage = () => ({ body: { responses: [{ type: 'text', message: 'again' }] } });
      const retried = await t.http.post(`${BASE}/${id}/deliveries/${secondId}/retry`).set(...admin());
      expect(retried.status).toBe(200);
      expect(retried.body).toEqual({ deliveryId: expect.stringMatching(UUID), durationMs: expect.any(Number), responses: [{ type: 'text', message: 'again', delay: 1000 }], attributes: {} });
      expect(retried.body.deliveryId).not.toBe(secondId);
      const resent = backend.messages[3];
      expect(resent.body).toBe(backend.messages[1].body);
      expect(resent.headers['webhook-id']).toBe(retried.body.deliveryId);
      expect(resent.signatureValid).toBe(true);
      expect((await t.http.get(`${BASE}/${id}/deliveries`).set(...admin())).body.items[0]).toMatchObject({ id: retried.body.deliveryId, status: 'succeeded' });

      backend.onMessage = () => ({ status: 404 });
      const failedRetry = await t.http.post(`${BASE}/${id}/deliveries/${first.body.deliveryId}/retry`).set(...admin());
      expect(failedRetry.status).toBe(502);
      expect(failedRetry.body.status.message).toBe('Request failed with status code 404');
    });

    it('refuses bad paging parameters and unknown or malformed delivery ids', async () => {
      const { id } = await connect();
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=bm9wZQ', 'other=1']) {
        const res = await t.http.get(`${BASE}/${id}/deliveries?${query}`).set(...admin());
        expect(res.status).toBe(400);
      }
      expect((await t.http.get(`${BASE}/${id}/deliveries?cursor=bm9wZQ`).set(...admin())).body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await t.http.get(`${BASE}/${id}/deliveries/${unknown}`).set(...admin())).status).toBe(404);
      expect((await t.http.post(`${BASE}/${id}/deliveries/${unknown}/retry`).set(...admin())).status).toBe(404);
      expect((await t.http.get(`${BASE}/${id}/deliveries/nope`).set(...admin())).status).toBe(400);
      expect((await t.http.get(`${BASE}/${'c'.repeat(24)}/deliveries`).set(...admin())).status).toBe(404);
    });

    it('does not show a delivery through another connection', async () => {
      const a = await connect();
      const b = await connect();
      backend.signingSecret = a.signingSecret;
      const sent = await dispatch(a.id);
      expect(sent.status).toBe(200);
      expect((await t.http.get(`${BASE}/${b.id}/deliveries/${sent.body.deliveryId}`).set(...admin())).status).toBe(404);
      expect((await t.http.post(`${BASE}/${b.id}/deliveries/${sent.body.deliveryId}/retry`).set(...admin())).status).toBe(404);
    });
  });

  describe('bot keys', () => {
    it('dispatch and read deliveries of their own bot only; another bot\'s connection is 404', async () => {
      const mine = await connect();
      const other = await t.createBot();
      const theirs = await connect({}, other);
      // Two connections, two secrets: this test is about who may call, not about signatures.
      backend.signingSecret = undefined;

      const own = await dispatch(mine.id, { chatId: '1', userId: '2' }, bot.apiKey);
      expect(own.status).toBe(200);
      expect((await t.http.get(`${BASE}/${mine.id}/deliveries`).set(...bearer(bot.apiKey))).body.items).toHaveLength(1);
      expect((await t.http.get(`${BASE}/${mine.id}/deliveries/${own.body.deliveryId}`).set(...bearer(bot.apiKey))).status).toBe(200);
      expect((await t.http.post(`${BASE}/${mine.id}/deliveries/${own.body.deliveryId}/retry`).set(...bearer(bot.apiKey))).status).toBe(200);

      const sent = await dispatch(theirs.id);
      backend.requests.length = 0;
      const refused = await dispatch(theirs.id, { chatId: '1', userId: '2' }, bot.apiKey);
      expect(refused.status).toBe(404);
      expect(refused.body.status.message).toBe(`connection ${theirs.id} not found`);
      expect((await t.http.get(`${BASE}/${theirs.id}/deliveries`).set(...bearer(bot.apiKey))).status).toBe(404);
      expect((await t.http.get(`${BASE}/${theirs.id}/deliveries/${sent.body.deliveryId}`).set(...bearer(bot.apiKey))).status).toBe(404);
      expect((await t.http.post(`${BASE}/${theirs.id}/deliveries/${sent.body.deliveryId}/retry`).set(...bearer(bot.apiKey))).status).toBe(404);
      expect(backend.requests).toHaveLength(0);
      // The refused dispatch is not a delivery: only the admin's one is recorded.
      expect((await t.db.query('SELECT id FROM connection_deliveries WHERE connection_id = $1', [theirs.id])).rows).toEqual([{ id: sent.body.deliveryId }]);
    });
  });

  it('never calls a connection again once its bot is deleted, even while the connection is cached', async () => {
    const doomed = await t.createBot();
    const { id } = await connect({}, doomed);
    expect((await dispatch(id)).status).toBe(200);
    expect(backend.messages).toHaveLength(1);

    expect((await t.http.delete(`/v1/bots/${doomed.id}`).set(...admin())).status).toBe(200);
    const res = await dispatch(id);
    expect(res.status).toBe(404);
    expect(res.body.status.message).toBe(`connection ${id} not found`);
    expect(backend.messages).toHaveLength(1);
  });

  it('counts each delivery in /metrics by outcome, with its duration', async () => {
    const { id } = await connect();
    const counters = async () => ({
      succeeded: await metric(t, 'bothooks_deliveries_total', { target: 'connection', outcome: 'succeeded' }),
      failed: await metric(t, 'bothooks_deliveries_total', { target: 'connection', outcome: 'failed' }),
      timed: await metric(t, 'bothooks_delivery_duration_seconds_count', { target: 'connection' }),
    });
    const before = await counters();
    backend.onMessage = () => ({ body: { responses: [] } });
    expect((await dispatch(id)).status).toBe(200);
    expect((await dispatch(id)).status).toBe(200);
    backend.onMessage = () => ({ status: 500 });
    expect((await dispatch(id)).status).toBe(502);
    expect(await counters()).toEqual({ succeeded: before.succeeded + 2, failed: before.failed + 1, timed: before.timed + 3 });
  });
});
