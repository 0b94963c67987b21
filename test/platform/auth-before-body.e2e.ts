import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { bearer, startApp, startAppAlone, TestApp } from '../utils/test-app';
import { TcpProxy } from '../utils/tcp-proxy';

const unknownKey = () => `bh_admin_${randomBytes(32).toString('base64url')}`;

describe('authentication comes before the body', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401, not 400, to POST /v1/bots with no key and malformed JSON', async () => {
    const res = await t.http.post('/v1/bots').set('content-type', 'application/json').send('{"name": ');
    expect(res.status).toBe(401);
    expect(res.body.status).toMatchObject({ code: 401, type: 'unauthorized' });
  });

  it('answers 401, not 413, to a bad key with a 2 MB body', async () => {
    const res = await t.http.post('/v1/bots').set(...bearer(unknownKey())).set('content-type', 'application/json').send(`{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect(res.status).toBe(401);
  });

  it('answers 401 to gzip garbage with no key, without inflating it', async () => {
    const res = await fetch(`${t.url}/v1/bots`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: randomBytes(4096) });
    expect(res.status).toBe(401);
  });

  it('answers 401, not 415, to a non-JSON body with no key', async () => {
    const res = await t.http.post('/v1/bots').set('content-type', 'text/plain').send('hello');
    expect(res.status).toBe(401);
  });

  it('still parses the body once the key is good: malformed JSON is 400, a good body is created', async () => {
    const broken = await t.http.post('/v1/bots').set(...bearer(t.adminKey)).set('content-type', 'application/json').send('{"name": ');
    expect(broken.status).toBe(400);
    expect(broken.body.status).toMatchObject({ code: 400, type: 'bad_request', message: 'request body is not valid JSON' });
    // fetch, since supertest re-encodes a Buffer sent as JSON.
    const gzipped = await fetch(`${t.url}/v1/bots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ name: 'zipped' })),
    });
    expect(gzipped.status).toBe(201);
    expect(((await gzipped.json()) as { name: string }).name).toBe('zipped');
  });

  it('keeps a bot key off admin routes that take a body (403 after the key is judged)', async () => {
    const bot = await t.createBot();
    const res = await t.http.post('/v1/bots').set(...bearer(bot.apiKey)).send({ name: 'nope' });
    expect(res.status).toBe(403);
  });
});

describe('AUTH_FAILURES_PER_MINUTE', () => {
  it('answers 429 with Retry-After past the limit of failed authentications from one IP; a good key still works', async () => {
    const t = await startApp({ AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '1' });
    try {
      const from = (ip: string) => ['x-forwarded-for', ip] as [string, string];
      for (let i = 0; i < 3; i++) {
        const res = await t.http.get('/v1/bots').set(...bearer(unknownKey())).set(...from('192.0.2.10'));
        expect(res.status).toBe(401);
      }
      const limited = await t.http.get('/v1/bots').set(...bearer(unknownKey())).set(...from('192.0.2.10'));
      expect(limited.status).toBe(429);
      expect(limited.body.status).toMatchObject({ code: 429, type: 'too_many_requests', reason: 'rate_limited' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      // A missing key and a body-carrying request count and are refused the same way.
      expect((await t.http.post('/v1/bots').set(...from('192.0.2.10')).send({ name: 'x' })).status).toBe(429);
      // The limit is on failures: a client with a good key behind the same address is not locked out.
      expect((await t.http.get('/v1/bots').set(...bearer(t.adminKey)).set(...from('192.0.2.10'))).status).toBe(200);
      // Another address is not affected.
      expect((await t.http.get('/v1/bots').set(...bearer(unknownKey())).set(...from('192.0.2.11'))).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('remembers an unknown key, so its repeats do not reach the database', async () => {
    let proxy!: TcpProxy;
    // Its own database: cut off from it, the app must not be holding another file's background jobs.
    const t = await startAppAlone({}, async (target) => {
      proxy = await TcpProxy.start(target);
      return proxy.urlFor(target);
    });
    try {
      const key = unknownKey();
      expect((await t.http.get('/v1/bots').set(...bearer(key))).status).toBe(401);
      proxy.cut();
      // Still 401 with the database out of reach: the answer came from memory, not from a query.
      expect((await t.http.get('/v1/bots').set(...bearer(key))).status).toBe(401);
      // Another unknown key does need the database, which is away.
      expect((await t.http.get('/v1/bots').set(...bearer(unknownKey()))).status).toBe(503);
    } finally {
      proxy.restore();
      await t.close();
      await proxy.close();
    }
  });
});
