import { Clock } from '../../src/common/clock';
import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { FakeRuntime } from '../utils/runtime';
import { bearer, TestApp, TestBot } from '../utils/test-app';

const SHOP = 'https://shop.example';
const ALLOW = 'GET, POST, OPTIONS';

describe('webhooks: calling an issued URL from a browser (CORS)', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let fixture: RuntimeApp;

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ RUNTIME_TIMEOUT_MS: '500', TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '3', RATE_LIMIT_PER_WEBHOOK: '3' });
    ({ t, runtime, bot } = fixture);
  });
  afterAll(() => fixture.close());
  beforeEach(() => {
    runtime.deliveries.length = 0;
    runtime.onDelivery = () => ({ body: { messages: ['hi'] } });
  });

  // Every test calls from its own client IP, so that the per-IP limit of one does not spill into another.
  let lastIp = 0;
  const nextIp = () => `198.51.100.${++lastIp}`;
  const issueRes = (body: Record<string, unknown>) => t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send(body);
  const issue = async (body: Record<string, unknown>) => {
    const res = await issueRes(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.url.slice(res.body.url.indexOf('/w/')) as string;
  };
  const preflight = (path: string, origin: string | null, ip = nextIp(), requestHeaders = 'content-type') => {
    const req = t.http.options(path).set('x-forwarded-for', ip).set('access-control-request-method', 'POST').set('access-control-request-headers', requestHeaders);
    return origin === null ? req : req.set('origin', origin);
  };
  const invocationsOf = async (path: string) => {
    const [, payload] = /^\/w\/[0-9a-f]{24}\.\d+\.([A-Za-z0-9_-]+)\./.exec(path)!;
    const webhookId = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).i;
    return (await t.db.query('SELECT id FROM invocations WHERE webhook_id = $1', [webhookId])).rowCount;
  };

  describe('issuing with cors', () => {
    it('takes 1..10 origins, lowercasing scheme and host and dropping a default port, or ["*"]', async () => {
      expect((await issueRes({ command: '/x', cors: ['HTTPS://Shop.Example:443', 'http://127.0.0.1:8080', 'https://xn--bcher-kva.example'] })).status).toBe(201);
      expect((await issueRes({ command: '/x', cors: ['*'] })).status).toBe(201);
      expect((await issueRes({ command: '/x', cors: null })).status).toBe(201);
    });

    it('refuses anything else with 400 and the path of each bad origin', async () => {
      const res = await issueRes({ command: '/x', cors: [SHOP, 'https://shop.example/', 'ftp://shop.example', 'https://shop.example/cart', '*', 'https://user@shop.example', 7, 'shop.example'] });
      expect(res.status).toBe(400);
      expect(res.body.status).toMatchObject({ code: 400, type: 'bad_request', reason: 'validation_failed' });
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['cors[1]', 'cors[2]', 'cors[3]', 'cors[4]', 'cors[5]', 'cors[6]', 'cors[7]']);
      for (const cors of [[], Array.from({ length: 11 }, (_, i) => `https://s${i}.example`), 'https://shop.example', { a: 1 }]) {
        const bad = await issueRes({ command: '/x', cors });
        expect(bad.status).toBe(400);
        expect(bad.body.errors).toEqual([{ path: 'cors', message: expect.any(String) }]);
      }
    });

    it('signs the origins: a URL whose cors list was changed is 403, preflight and call alike', async () => {
      const path = await issue({ command: '/x', cors: [SHOP] });
      const [, head, payload, tail] = /^(\/w\/[0-9a-f]{24}\.\d+\.)([A-Za-z0-9_-]+)(\..*)$/.exec(path)!;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const cors = Object.keys(claims).find((name) => JSON.stringify(claims[name]) === JSON.stringify([SHOP]))!;
      const forged = `${head}${Buffer.from(JSON.stringify({ ...claims, [cors]: ['https://evil.example'] })).toString('base64url')}${tail}`;
      const res = await preflight(forged, 'https://evil.example');
      expect(res.status).toBe(403);
      expect(res.body.status.reason).toBe('url_signature_invalid');
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
      const call = await t.http.post(forged).set('x-forwarded-for', nextIp()).set('origin', 'https://evil.example').send('{}');
      expect(call.status).toBe(403);
      expect(call.headers).not.toHaveProperty('access-control-allow-origin');
      expect(runtime.deliveries).toHaveLength(0);
    });
  });

  describe('preflight (OPTIONS)', () => {
    it('answers 204 to an allowed origin with the CORS headers, and runs nothing', async () => {
      const path = await issue({ command: '/x', cors: ['https://other.example', SHOP] });
      const res = await preflight(path, SHOP, nextIp(), 'Content-Type, X-Trace-Id');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(SHOP);
      expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
      expect(res.headers['access-control-allow-headers']).toBe('content-type, x-trace-id');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers.vary).toBe('origin');
      expect(res.text).toBe('');
      expect(runtime.deliveries).toHaveLength(0);
      expect(await invocationsOf(path)).toBe(0);
    });

    it('answers * to any origin for a URL issued with ["*"]', async () => {
      const path = await issue({ command: '/x', cors: ['*'] });
      const res = await preflight(path, 'https://anyone.example');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    });

    it('echoes at most 20 requested headers, and only those that are HTTP tokens', async () => {
      const path = await issue({ command: '/x', cors: [SHOP] });
      const asked = ['x-a b', 'x-ok', 'x-<script>', 'X-OK', '', ...Array.from({ length: 25 }, (_, i) => `x-h${i}`)].join(',');
      const res = await preflight(path, SHOP, nextIp(), asked);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-headers']).toBe(['x-ok', ...Array.from({ length: 19 }, (_, i) => `x-h${i}`)].join(', '));
      const none = await preflight(path, SHOP, nextIp(), '');
      expect(none.status).toBe(204);
      expect(none.headers).not.toHaveProperty('access-control-allow-headers');
    });

    it('answers 405 with Allow and no CORS headers to an origin not allowed, no origin, or a URL issued without cors', async () => {
      const withCors = await issue({ command: '/x', cors: [SHOP] });
      const without = await issue({ command: '/x' });
      for (const [path, origin] of [
        [withCors, 'https://evil.example'],
        [withCors, 'http://shop.example'],
        [withCors, 'https://shop.example:8443'],
        [withCors, null],
        [without, SHOP],
      ] as const) {
        const res = await preflight(path, origin);
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe(ALLOW);
        expect(res.headers).not.toHaveProperty('access-control-allow-origin');
        expect(res.body.status).toMatchObject({ code: 405, type: 'method_not_allowed' });
      }
      expect(runtime.deliveries).toHaveLength(0);
    });

    it('answers 204 for a URL that has expired, so that the page can read the 410 of its call', async () => {
      const path = await issue({ command: '/x', cors: [SHOP], expiresIn: 1 });
      const clock = t.app.get(Clock);
      const now = clock.now.bind(clock);
      clock.now = () => now() + 5_000;
      try {
        expect((await preflight(path, SHOP)).status).toBe(204);
        const call = await t.http.post(path).set('x-forwarded-for', nextIp()).set('origin', SHOP).send('{}');
        expect(call.status).toBe(410);
        expect(call.body.status.reason).toBe('url_expired');
        expect(call.headers['access-control-allow-origin']).toBe(SHOP);
      } finally {
        clock.now = now;
      }
    });

    it('counts against the per-IP limit but not against the per-webhook one', async () => {
      const path = await issue({ command: '/x', cors: [SHOP], mode: 'async' });
      const ip = nextIp();
      const preflights = await Promise.all([preflight(path, SHOP, ip), preflight(path, SHOP, ip), preflight(path, SHOP, ip), preflight(path, SHOP, ip)]);
      expect(preflights.map((r) => r.status).sort()).toEqual([204, 204, 204, 429]);
      // Preflights from other IPs leave the webhook's budget of three calls a second untouched.
      const others = await Promise.all([preflight(path, SHOP), preflight(path, SHOP), preflight(path, SHOP)]);
      expect(others.map((r) => r.status)).toEqual([204, 204, 204]);
      const posts = await Promise.all([nextIp(), nextIp(), nextIp()].map((from) => t.http.post(path).set('x-forwarded-for', from).set('origin', SHOP).send('{}')));
      expect(posts.map((r) => r.status)).toEqual([202, 202, 202]);
    });
  });

  describe('GET and POST', () => {
    const call = (method: 'get' | 'post', path: string, origin: string | null, idempotencyKey?: string) => {
      let req = t.http[method](path).set('x-forwarded-for', nextIp());
      if (origin !== null) req = req.set('origin', origin);
      if (idempotencyKey) req = req.set('idempotency-key', idempotencyKey);
      return method === 'post' ? req.set('content-type', 'application/json').send('{"a":1}') : req;
    };
    const expectCors = (res: { headers: Record<string, string> }, origin: string) => {
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers.vary).toBe('origin');
    };

    it('carry access-control-allow-origin and vary: origin to an allowed origin, on 200, 302, 202 and 503', async () => {
      const sync = await issue({ command: '/x', cors: [SHOP] });
      const ok = await call('post', sync, SHOP);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ answer: 'hi', messages: ['hi'] });
      expectCors(ok, SHOP);
      expectCors(await call('get', sync, SHOP), SHOP);

      const redirect = await call('get', await issue({ command: '/x', cors: [SHOP], redirect: 'https://shop.example/thanks' }), SHOP);
      expect(redirect.status).toBe(302);
      expectCors(redirect, SHOP);

      const accepted = await call('post', await issue({ command: '/x', cors: ['*'], mode: 'async' }), 'https://anyone.example');
      expect(accepted.status).toBe(202);
      expectCors(accepted, '*');

      runtime.onDelivery = () => ({ status: 500 });
      const failed = await call('post', sync, SHOP);
      expect(failed.status).toBe(503);
      expect(failed.body.status.reason).toBe('runtime_error');
      expectCors(failed, SHOP);
    });

    it('carry them on refusals known once the URL is verified (410 revoked, 410 used)', async () => {
      const res = await issueRes({ command: '/x', cors: [SHOP] });
      const path = res.body.url.slice(res.body.url.indexOf('/w/'));
      expect((await t.http.post(`/v1/webhooks/${res.body.webhookId}/revoke`).set(...bearer(bot.apiKey))).status).toBe(200);
      const revoked = await call('post', path, SHOP);
      expect(revoked.status).toBe(410);
      expectCors(revoked, SHOP);

      const once = await issue({ command: '/x', cors: [SHOP], singleUse: true });
      expect((await call('post', once, SHOP)).status).toBe(200);
      const used = await call('post', once, SHOP);
      expect(used.status).toBe(410);
      expect(used.body.status.reason).toBe('url_used');
      expectCors(used, SHOP);
    });

    it('carry them on an idempotent replay, for the origin of the replaying call', async () => {
      const path = await issue({ command: '/x', cors: [SHOP, 'https://other.example'] });
      const first = await call('post', path, SHOP, 'order-1');
      expect(first.status).toBe(200);
      const replay = await call('post', path, 'https://other.example', 'order-1');
      expect(replay.status).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      expectCors(replay, 'https://other.example');
      expect(runtime.deliveries).toHaveLength(1);
    });

    it('carry nothing to an origin not allowed, to a call without Origin, or for a URL issued without cors — and still run', async () => {
      const withCors = await issue({ command: '/x', cors: [SHOP] });
      const without = await issue({ command: '/x' });
      for (const [path, origin] of [
        [withCors, 'https://evil.example'],
        [withCors, null],
        [without, SHOP],
      ] as const) {
        const res = await call('post', path, origin);
        expect(res.status).toBe(200);
        expect(res.headers).not.toHaveProperty('access-control-allow-origin');
        expect(res.headers).not.toHaveProperty('vary');
      }
      expect(runtime.deliveries).toHaveLength(3);
    });

    it('answers 405 with Allow: GET, POST, OPTIONS to every other method', async () => {
      const path = await issue({ command: '/x', cors: [SHOP] });
      for (const method of ['put', 'patch', 'delete', 'head'] as const) {
        const res = await t.http[method](path).set('x-forwarded-for', nextIp()).set('origin', SHOP);
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe(ALLOW);
      }
      expect(runtime.deliveries).toHaveLength(0);
    });
  });
});
