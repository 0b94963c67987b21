import { UrlKeysService } from '../../src/bots/url-keys.service';
import { Sql } from '../../src/database/sql';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: two instances on one database (§7)', () => {
  let a: TestApp;
  let b: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;

  beforeAll(async () => {
    a = await startApp({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    b = await startApp({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    runtime = await FakeRuntime.start();
    bot = await a.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
    runtime.onDelivery = () => ({ body: { messages: ['ran'] } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await runtime.close();
  });

  const issueOnA = async (owner = bot) => {
    const res = await a.http.post('/v1/webhooks').set(...bearer(owner.apiKey)).send({ command: '/x' });
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.url as string;
  };
  const versionOf = (url: string) => /\/w\/[0-9a-f]{24}\.(\d+)\./.exec(url)?.[1];
  const callOnB = (url: string) => b.http.get(url.slice(url.indexOf('/w/')));
  const rotateOnA = async () => {
    const res = await a.http.post(`/v1/bots/${bot.id}/rotate-url-key`).set(...bearer(a.adminKey)).send({ graceSeconds: 3600 });
    expect(res.status).toBe(200);
  };

  it('answers on B a URL issued on A right after a rotation', async () => {
    expect((await callOnB(await issueOnA())).status).toBe(200);
    await rotateOnA();
    const second = await issueOnA();
    expect(versionOf(second)).toBe('2');
    expect((await callOnB(second)).status).toBe(200);
  });

  it('reloads keys on B for a version it does not know at most once a second, so forged versions cost no query per call', async () => {
    // B's clock stands still, so only the test moves it past the reload bound.
    const keysOnB = b.app.get(UrlKeysService);
    let now = Date.now();
    keysOnB.now = () => now;
    const sqlOnB = jest.spyOn(b.app.get(Sql), 'query');
    const reloads = () => sqlOnB.mock.calls.filter((call) => call[2] === 'url_keys_for_bot').length;
    try {
      // A bot B has never seen, so that B's first load of its keys is this test's.
      const fresh = await a.createBot({ runtimeUrl: runtime.url });
      runtime.signingSecret = fresh.signingSecret;
      const url = await issueOnA(fresh);
      expect((await callOnB(url)).status).toBe(200);
      const forged = url.replace(/(\/w\/[0-9a-f]{24}\.)\d+\./, '$1999.');
      const before = reloads();
      for (let i = 0; i < 5; i++) expect((await callOnB(forged)).status).toBe(403);
      expect(reloads() - before).toBe(1);
      now += 1000;
      expect((await callOnB(forged)).status).toBe(403);
      expect(reloads() - before).toBe(2);
    } finally {
      sqlOnB.mockRestore();
    }
  });
});
