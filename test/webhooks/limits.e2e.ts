import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { bearer, startApp, TestApp } from '../utils/test-app';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Limits count calls in one-second windows. Each test fires its calls together, well inside one window,
 * and tells calls apart by X-Forwarded-For (TRUST_PROXY is on) so that tests do not share counters.
 */
describe('webhooks: rate limits', () => {
  const pathOf = (url: string) => url.slice(url.indexOf('/w/'));
  const randomIp = () => `198.51.100.${1 + randomBytes(1)[0] % 250}`;

  async function issuedPath(t: TestApp): Promise<string> {
    const bot = await t.createBot();
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/limited', mode: 'async' });
    return pathOf(res.body.url);
  }

  async function burst(t: TestApp, path: string, ips: string[]): Promise<{ status: number; retryAfter?: string; body: any }[]> {
    const responses = await Promise.all(ips.map((ip) => t.http.get(path).set('x-forwarded-for', ip)));
    return responses.map((res) => ({ status: res.status, retryAfter: res.headers['retry-after'], body: res.body }));
  }

  describe('in memory', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '3', RATE_LIMIT_PER_WEBHOOK: '5', WEBHOOK_IP_ALLOWLIST: '203.0.113.0/24,2001:db8::1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers 429 with Retry-After past RATE_LIMIT_PER_IP calls a second from one client IP', async () => {
      const ip = '192.0.2.77';
      const results = await burst(t, await issuedPath(t), [ip, ip, ip, ip, ip]);
      expect(results.map((r) => r.status).sort()).toEqual([202, 202, 202, 429, 429]);
      const limited = results.find((r) => r.status === 429)!;
      expect(limited.retryAfter).toBe('1');
      expect(limited.body.status).toEqual({ code: 429, type: 'too_many_requests', message: expect.stringContaining('192.0.2.77'), reason: 'rate_limited' });
    });

    it('answers 429 past RATE_LIMIT_PER_WEBHOOK calls a second to one URL, whatever the callers', async () => {
      const results = await burst(t, await issuedPath(t), ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.7']);
      expect(results.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 202, 429, 429]);
      expect(results.find((r) => r.status === 429)!.retryAfter).toBe('1');
    });

    it('never limits addresses and networks in WEBHOOK_IP_ALLOWLIST', async () => {
      const fromNetwork = await burst(t, await issuedPath(t), Array.from({ length: 8 }, () => '203.0.113.9'));
      expect(fromNetwork.map((r) => r.status)).toEqual(Array(8).fill(202));
      const fromAddress = await burst(t, await issuedPath(t), Array.from({ length: 8 }, () => '2001:db8::1'));
      expect(fromAddress.map((r) => r.status)).toEqual(Array(8).fill(202));
    });

    it('writes nothing for a call it refuses', async () => {
      const bot = await t.createBot();
      const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/limited', mode: 'async' });
      const ip = randomIp();
      const results = await burst(t, pathOf(issued.body.url), [ip, ip, ip, ip, ip]);
      expect(results.map((r) => r.status).sort()).toEqual([202, 202, 202, 429, 429]);
      const accepted = results.filter((r) => r.status === 202).map((r) => r.body.invocationId).sort();
      // Every row the URL's webhook has: a refused call that left one behind would show here.
      const { rows } = await t.db.query('SELECT id FROM invocations WHERE webhook_id = $1 ORDER BY id', [issued.body.webhookId]);
      expect(rows.map((r) => r.id)).toEqual(accepted);
    });
  });

  describe('in Redis (REDIS_URL), shared by every instance', () => {
    let a: TestApp;
    let b: TestApp;
    let c: TestApp;
    beforeAll(async () => {
      // Without Redis the limits would quietly fall back to each instance's memory; say so plainly instead.
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await redis.connect();
        await redis.ping();
      } catch (error) {
        throw new Error(`these tests need Redis at ${REDIS_URL} (TEST_REDIS_URL): ${(error as Error).message}`, { cause: error });
      } finally {
        redis.disconnect();
      }
      const env = { TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '4', RATE_LIMIT_PER_WEBHOOK: '1000', REDIS_URL };
      [a, b, c] = await Promise.all([startApp(env), startApp(env), startApp(env)]);
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close(), c.close()]);
    });

    it('holds the per-IP limit across three instances', async () => {
      const ip = `2001:db8:${randomBytes(2).toString('hex')}::${randomBytes(2).toString('hex')}`;
      const paths = [await issuedPath(a), await issuedPath(b), await issuedPath(c)];
      const bursts = await Promise.all([a, b, c].map((t, i) => burst(t, paths[i], [ip, ip])));
      const statuses = bursts.flat().map((r) => r.status).sort();
      expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);
    });
  });
});

describe('webhooks: rate limits while Redis is unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A port that was free a moment ago: connecting to it is refused at once.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    t = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '2', RATE_LIMIT_PER_WEBHOOK: '1000', REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await t.close();
  });

  it('still answers issued URLs, and limits in memory: the third call within the second is 429', async () => {
    const bot = await t.createBot();
    const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/limited', mode: 'async' });
    const path = (issued.body.url as string).slice((issued.body.url as string).indexOf('/w/'));
    const ip = '192.0.2.200';
    const responses = await Promise.all([1, 2, 3].map(() => t.http.get(path).set('x-forwarded-for', ip)));
    expect(responses.map((r) => r.status).sort()).toEqual([202, 202, 429]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.status).toMatchObject({ code: 429, reason: 'rate_limited' });
    const accepted = responses.filter((r) => r.status === 202).map((r) => r.body.invocationId);
    const { rows } = await t.db.query('SELECT id FROM invocations WHERE id = ANY($1::uuid[])', [accepted]);
    expect(rows).toHaveLength(2);
  });
});
