import { randomUUID } from 'node:crypto';
import { UrlKeysService } from '../../src/bots/url-keys.service';
import { issueWebhookUrl } from '../../src/webhooks/issue/webhook-url';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: ids that tell their bot, and bots ported from other platforms', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let other: TestBot;

  beforeAll(async () => {
    t = await startApp({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    runtime = await FakeRuntime.start();
    bot = await t.createBot({ runtimeUrl: runtime.url });
    other = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
  });
  afterAll(async () => {
    await t.close();
    await runtime.close();
  });
  beforeEach(() => {
    runtime.deliveries.length = 0;
    runtime.onDelivery = () => ({ body: { messages: ['ran'] } });
  });

  const issue = async (body: Record<string, unknown>, key = bot.apiKey) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(key)).send(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { webhookId: string; url: string };
  };
  const call = (url: string) => t.http.get(url.slice(url.indexOf('/w/'))).redirects(0);
  const revoke = (webhookId: string, key: string) => t.http.post(`/v1/webhooks/${webhookId}/revoke`).set(...bearer(key));
  /** The same id with its last hex digit changed: v8-shaped, but its MAC no longer matches. */
  const forge = (id: string) => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0');

  describe('revoking (§3.3)', () => {
    it("404s a bot key revoking another bot's id, and that URL keeps working", async () => {
      const theirs = await issue({ command: '/theirs' }, other.apiKey);
      const res = await revoke(theirs.webhookId, bot.apiKey);
      expect(res.status).toBe(404);
      expect(res.body.status).toMatchObject({ code: 404, type: 'not_found' });
      runtime.signingSecret = other.signingSecret;
      expect((await call(theirs.url)).status).toBe(200);
      runtime.signingSecret = bot.signingSecret;
    });

    it('404s ids that were never issued: a v8 id with a wrong MAC, and a UUID of a version never issued', async () => {
      const mine = await issue({ command: '/mine' });
      expect(mine.webhookId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect((await revoke(forge(mine.webhookId), bot.apiKey)).status).toBe(404);
      expect((await revoke(forge(mine.webhookId), t.adminKey)).status).toBe(404);
      const v7 = '01890a5d-ac96-774b-bcce-b302099a8057';
      expect((await revoke(v7, bot.apiKey)).status).toBe(404);
      expect((await revoke(v7, t.adminKey)).status).toBe(404);
      expect((await call(mine.url)).status).toBe(200);
    });

    it('revokes its own id: 200, then the URL is 410 url_revoked', async () => {
      const mine = await issue({ command: '/mine' });
      const res = await revoke(mine.webhookId, bot.apiKey);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ timestamp: expect.any(String), status: { code: 200, type: 'success' } });
      const gone = await call(mine.url);
      expect([gone.status, gone.body.status.reason]).toEqual([410, 'url_revoked']);
    });

    it("lets an admin revoke any bot's id, and 404s one issued for no bot", async () => {
      const theirs = await issue({ command: '/theirs' }, other.apiKey);
      expect((await revoke(theirs.webhookId, t.adminKey)).status).toBe(200);
      expect((await call(theirs.url)).body.status.reason).toBe('url_revoked');
      expect((await revoke(forge(theirs.webhookId), t.adminKey)).status).toBe(404);
    });

    it('keeps URLs with the random (v4) ids issued before ids told their bot working; their ids are 404 like any unknown one', async () => {
      // Such a URL as the earlier release issued it: same format and key, a v4 id.
      const keys = (await t.app.get(UrlKeysService).forBot(bot.id))!;
      const legacy = randomUUID();
      const claims = { webhookId: legacy, botId: bot.id, keyVersion: keys.current.version, command: '/old', userId: null, chatId: null, content: undefined, params: null, redirect: null, expiresAt: null, singleUse: false, mode: 'sync' as const, deadlineMs: null, cors: null };
      const url = issueWebhookUrl(t.url, claims, keys.current.key);
      expect((await call(url)).status).toBe(200);
      expect((await revoke(legacy, bot.apiKey)).status).toBe(404);
      expect((await revoke(legacy, t.adminKey)).status).toBe(404);
      expect((await revoke(randomUUID(), t.adminKey)).status).toBe(404);
      expect((await t.db.query('SELECT bot_id FROM revoked_webhooks WHERE webhook_id = $1', [legacy])).rows).toEqual([]);
      expect((await call(url)).status).toBe(200);
    });
  });

  describe('bots ported from TeleBotHost and Bots.Business (§3.1)', () => {
    it('takes numbers and booleans in params and delivers them as their string form', async () => {
      const issued = await issue({ command: '/page', params: { page: 2, ok: true, name: 'x' } });
      expect((await call(issued.url)).status).toBe(200);
      const [delivery] = await runtime.received(1);
      expect(delivery.body.options.params).toEqual({ page: '2', ok: 'true', name: 'x' });
    });

    it('counts redirect_to: "" as no redirect: a sync call answers 200 JSON', async () => {
      const issued = await issue({ command: '/bb', redirect_to: '' });
      const res = await call(issued.url);
      expect(res.status).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toEqual({ answer: 'ran', messages: ['ran'] });
      expect((await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/bb', redirect: '', redirect_to: 'https://example.com/' })).status).toBe(201);
    });
  });
});
