import { createApp } from '../../src/app.factory';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, testEnv } from '../utils/test-app';

/**
 * The client IP behind proxies: what the runtime receives in `options.ip`, and what the per-IP limit and
 * the allowlist judge. The test is the nearest hop (127.0.0.1); it writes what a caller would have sent
 * (`203.0.113.7`) followed by what a proxy in front would have appended (`198.51.100.2`).
 */
describe('TRUST_PROXY', () => {
  let runtime: FakeRuntime;
  const forwarded = '203.0.113.7, 198.51.100.2';

  beforeAll(async () => {
    runtime = await FakeRuntime.start();
  });
  afterAll(async () => {
    await runtime.close();
  });

  async function ipSeenByRuntime(t: TestApp): Promise<string> {
    const bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
    const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/ip', mode: 'sync' });
    const before = runtime.deliveries.length;
    const res = await t.http.get(issued.body.url.slice(issued.body.url.indexOf('/w/'))).set('x-forwarded-for', forwarded);
    expect(res.status).toBe(200);
    const delivery = (await runtime.received(before + 1))[before];
    return delivery.body.options.ip;
  }

  it.each([
    ['1', '198.51.100.2'],
    ['true', '198.51.100.2'],
    ['127.0.0.0/8', '198.51.100.2'],
    ['127.0.0.1, ::1', '198.51.100.2'],
    ['2', '203.0.113.7'],
    [undefined, '127.0.0.1'],
    ['false', '127.0.0.1'],
  ])('with TRUST_PROXY=%p the client IP is %p', async (trustProxy, ip) => {
    const t = await startApp({ TRUST_PROXY: trustProxy, WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    try {
      expect(await ipSeenByRuntime(t)).toBe(ip);
    } finally {
      await t.close();
    }
  });

  it('does not honour an allowlisted IP that the caller wrote into X-Forwarded-For', async () => {
    const t = await startApp({ TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '2', RATE_LIMIT_PER_WEBHOOK: '1000', WEBHOOK_IP_ALLOWLIST: '203.0.113.0/24' });
    try {
      const bot = await t.createBot();
      const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/limited', mode: 'async' });
      const path = issued.body.url.slice(issued.body.url.indexOf('/w/'));
      const calls = await Promise.all(Array.from({ length: 4 }, () => t.http.get(path).set('x-forwarded-for', forwarded)));
      expect(calls.map((res) => res.status).sort()).toEqual([202, 202, 429, 429]);
      expect(calls.find((res) => res.status === 429)!.body.status.message).toContain('from 198.51.100.2');
    } finally {
      await t.close();
    }
  });

  it.each(['everyone', '10.0.0.0/33', '127.0.0.1,nope', '-1'])('refuses to start with TRUST_PROXY=%p', async (value) => {
    await expect(createApp(testEnv({ TRUST_PROXY: value }))).rejects.toThrow('TRUST_PROXY must be a number of proxy hops');
  });
});
