import { Clock } from '../../src/common/clock';
import { WEBHOOK_PATH } from '../../src/common/webhook-path';
import { readWebhookToken } from '../../src/webhooks/issue/webhook-url';
import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { FakeRuntime } from '../utils/runtime';
import { bearer, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: issuing URLs and what makes them stop working', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let fixture: RuntimeApp;

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1', PUBLIC_URL: 'https://hooks.example.com/' });
    ({ t, runtime, bot } = fixture);
  });
  afterAll(() => fixture.close());

  const post = (body: unknown, key = bot.apiKey) => t.http.post('/v1/webhooks').set(...bearer(key)).send(body as object);
  const issue = async (body: Record<string, unknown>, key = bot.apiKey) => {
    const res = await post(body, key);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { webhookId: string; url: string; expiresAt: string | null };
  };
  const call = (url: string) => t.http.get(url.slice(url.indexOf('/w/'))).redirects(0);

  it('issues a URL under PUBLIC_URL with every field, and writes nothing to the database', async () => {
    const own = await t.createBot();
    const started = Date.now();
    const res = await post({ command: '/onWebhook', userId: 42, chatId: 'c-7', content: { any: ['json'] }, params: { a: 'x y' }, redirect: 'https://example.com/cat.jpg', expiresIn: 60, singleUse: true, mode: 'async' }, own.apiKey);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      webhookId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      url: expect.stringMatching(/^https:\/\/hooks\.example\.com\/w\/[^?]+\?a=x%20y$/),
      botId: own.id,
      command: '/onWebhook',
      userId: '42',
      chatId: 'c-7',
      mode: 'async',
      expiresAt: expect.any(String),
    });
    const expiresAt = Date.parse(res.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(started + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 61_000);
    const plain = await post({ command: '/x' }, own.apiKey);
    expect(plain.body).toMatchObject({ userId: null, chatId: null, mode: 'sync', expiresAt: null });
    expect(plain.body.url).not.toContain('?');
    expect((await t.db.query('SELECT id FROM invocations WHERE bot_id = $1', [own.id])).rows).toEqual([]);
    expect((await t.db.query('SELECT webhook_id FROM revoked_webhooks WHERE bot_id = $1', [own.id])).rows).toEqual([]);
  });

  it('needs botId with an admin key, and 404s unknown bots and other bots', async () => {
    const missing = await post({ command: '/x' }, t.adminKey);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ path: 'botId', message: expect.any(String) }]);
    const admin = await post({ command: '/x', botId: bot.id }, t.adminKey);
    expect(admin.status).toBe(201);
    expect(admin.body.botId).toBe(bot.id);
    expect((await post({ command: '/x', botId: 'ffffffffffffffffffffffff' }, t.adminKey)).status).toBe(404);
    expect((await post({ command: '/x', botId: 'nope' }, t.adminKey)).status).toBe(400);
    const other = await t.createBot();
    const foreign = await post({ command: '/x', botId: other.id });
    expect(foreign.status).toBe(404);
    expect(foreign.body.status.type).toBe('not_found');
    expect((await post({ command: '/x', botId: bot.id })).status).toBe(201);
    expect((await t.http.post('/v1/webhooks').send({ command: '/x' })).status).toBe(401);
  });

  describe('field rules (§3.1)', () => {
    const ok = async (body: Record<string, unknown>) => {
      const res = await post(body);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
      return res.body;
    };
    const bad = async (body: unknown, paths: string[]) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.status).toEqual({ code: 400, type: 'bad_request', message: expect.any(String), reason: 'validation_failed' });
      expect((res.body.errors ?? []).map((e: { path: string }) => e.path).sort()).toEqual([...paths].sort());
    };
    const text = (n: number) => 'x'.repeat(n);

    it('command: required, string of 1..256', async () => {
      await bad({}, ['command']);
      await bad({ command: '' }, ['command']);
      await bad({ command: 5 }, ['command']);
      await ok({ command: 'a' });
      await ok({ command: text(256) });
      await bad({ command: text(257) }, ['command']);
      await bad({ command: '/a\u0000b' }, ['command']);
    });

    it('userId and chatId: string or number of at most 64 characters, returned as strings', async () => {
      expect((await ok({ command: '/x', userId: 123456789, chatId: -100 })).userId).toBe('123456789');
      expect((await ok({ command: '/x', chatId: -100 })).chatId).toBe('-100');
      await ok({ command: '/x', userId: text(64), chatId: text(64) });
      await bad({ command: '/x', userId: text(65), chatId: text(65) }, ['userId', 'chatId']);
      await bad({ command: '/x', userId: true, chatId: { id: 1 } }, ['userId', 'chatId']);
      await bad({ command: '/x', userId: 'a\u0000' }, ['userId']);
    });

    it('content: any JSON value of at most 4096 bytes serialized', async () => {
      for (const content of ['text', 42, true, [1, 'two'], { nested: { deep: [null] } }]) await ok({ command: '/x', content });
      await ok({ command: '/x', content: text(4094) });
      await bad({ command: '/x', content: text(4095) }, ['content']);
      await ok({ command: '/x', content: { k: 'é'.repeat(2044) } });
      await bad({ command: '/x', content: { k: 'é'.repeat(2045) } }, ['content']);
    });

    it('params: an object of at most 20 strings, numbers or booleans', async () => {
      const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, `v${i}`]));
      await ok({ command: '/x', params: twenty });
      await bad({ command: '/x', params: { ...twenty, p20: 'v' } }, ['params']);
      await ok({ command: '/x', params: { n: 1, b: true, s: 'fine' } });
      await bad({ command: '/x', params: { n: null, o: {}, s: 'fine' } }, ['params.n', 'params.o']);
      await bad({ command: '/x', params: ['a'] }, ['params']);
      await bad({ command: '/x', params: 'a=b' }, ['params']);
    });

    it('redirect: an http or https URL of at most 2048 characters', async () => {
      await ok({ command: '/x', redirect: 'http://example.com/' });
      const long = `https://example.com/${text(2048 - 20)}`;
      expect(long).toHaveLength(2048);
      await ok({ command: '/x', redirect: long });
      await bad({ command: '/x', redirect: `${long}x` }, ['redirect']);
      await bad({ command: '/x', redirect: 'ftp://example.com/' }, ['redirect']);
      await bad({ command: '/x', redirect: 'not a url' }, ['redirect']);
      await bad({ command: '/x', redirect: 'https://example.com/a\nb' }, ['redirect']);
    });

    it('expiresIn: integer seconds of 1..31536000', async () => {
      await ok({ command: '/x', expiresIn: 1 });
      await ok({ command: '/x', expiresIn: 31_536_000 });
      await bad({ command: '/x', expiresIn: 0 }, ['expiresIn']);
      await bad({ command: '/x', expiresIn: 31_536_001 }, ['expiresIn']);
      await bad({ command: '/x', expiresIn: 1.5 }, ['expiresIn']);
      await bad({ command: '/x', expiresIn: '60' }, ['expiresIn']);
    });

    it('singleUse: boolean; mode: sync or async', async () => {
      await ok({ command: '/x', singleUse: false, mode: 'sync' });
      expect((await ok({ command: '/x', singleUse: true, mode: 'async' })).mode).toBe('async');
      await bad({ command: '/x', singleUse: 'yes', mode: 'later' }, ['singleUse', 'mode']);
    });

    it('accepts the aliases user_id, chat_id, redirect_to and options, but not together with their field', async () => {
      const issued = await ok({ command: '/x', user_id: 1, chat_id: 2, redirect_to: 'https://example.com/', options: { legacy: true } });
      expect(issued).toMatchObject({ userId: '1', chatId: '2' });
      await bad({ command: '/x', userId: 1, user_id: 1, chatId: 2, chat_id: 2, redirect: 'https://a.example/', redirect_to: 'https://a.example/', content: 1, options: 1 }, [
        'user_id',
        'chat_id',
        'redirect_to',
        'options',
      ]);
      await bad({ command: '/x', user_id: text(65) }, ['user_id']);
    });

    it('refuses unknown fields and bodies that are not objects, listing every problem', async () => {
      await bad({ command: '', colour: 'red', extra: 1 }, ['command', 'colour', 'extra']);
      await bad([1], []);
      const malformed = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).set('content-type', 'application/json').send('{"command":');
      expect(malformed.status).toBe(400);
    });
  });

  it('answers 410 once a URL has expired, and not a millisecond before', async () => {
    const clock = t.app.get(Clock);
    let now = Date.parse('2026-06-01T12:00:00.250Z');
    clock.now = () => now;
    try {
      const issued = await issue({ command: '/soon', expiresIn: 1 });
      // Expiry is in whole seconds, rounded up: a URL may outlive expiresIn by under a second, never fall short.
      expect(issued.expiresAt).toBe('2026-06-01T12:00:02.000Z');
      now = Date.parse(issued.expiresAt!) - 1;
      expect((await call(issued.url)).status).toBe(200);
      now = Date.parse(issued.expiresAt!);
      const res = await call(issued.url);
      expect(res.status).toBe(410);
      expect(res.body.status).toEqual({ code: 410, type: 'gone', message: `this URL expired at ${issued.expiresAt}`, reason: 'url_expired' });
    } finally {
      clock.now = () => Date.now();
    }
  });

  it('revokes a URL: 410 from then on; a bot key cannot revoke another bot’s URL', async () => {
    const issued = await issue({ command: '/revocable' });
    const other = await t.createBot();
    const foreign = await t.http.post(`/v1/webhooks/${issued.webhookId}/revoke`).set(...bearer(other.apiKey));
    expect(foreign.status).toBe(404);
    expect((await call(issued.url)).status).toBe(200);
    const res = await t.http.post(`/v1/webhooks/${issued.webhookId}/revoke`).set(...bearer(bot.apiKey));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ timestamp: expect.any(String), status: { code: 200, type: 'success' } });
    const gone = await call(issued.url);
    expect(gone.status).toBe(410);
    expect(gone.body.status.message).toBe('this URL has been revoked');
    const byAdmin = await issue({ command: '/revocable' });
    expect((await t.http.post(`/v1/webhooks/${byAdmin.webhookId}/revoke`).set(...bearer(t.adminKey))).status).toBe(200);
    expect((await call(byAdmin.url)).status).toBe(410);
    expect((await t.http.post('/v1/webhooks/not-a-uuid/revoke').set(...bearer(bot.apiKey))).status).toBe(400);
  });

  it('keeps URLs signed with a rotated key working through the grace period, then 410', async () => {
    const rotating = await t.createBot({ runtimeUrl: runtime.url });
    const old = await issue({ command: '/rot' }, rotating.apiKey);
    const rotate = (graceSeconds: number) => t.http.post(`/v1/bots/${rotating.id}/rotate-url-key`).set(...bearer(t.adminKey)).send({ graceSeconds });
    expect((await rotate(3600)).status).toBe(200);
    const fresh = await issue({ command: '/rot' }, rotating.apiKey);
    expect(readWebhookToken(new URL(fresh.url).pathname.slice(WEBHOOK_PATH.length))?.keyVersion).toBe(2);
    expect((await call(old.url)).status).toBe(200);
    expect((await call(fresh.url)).status).toBe(200);
    expect((await rotate(0)).status).toBe(200);
    const gone = await call(old.url);
    expect(gone.status).toBe(410);
    expect(gone.body.status.message).toMatch(/rotated out/);
    expect((await call(fresh.url)).status).toBe(410);
    expect((await call((await issue({ command: '/rot' }, rotating.apiKey)).url)).status).toBe(200);
  });

  it('answers 404 for the URLs of a deleted bot, and 403 for a bot id that never existed', async () => {
    const doomed = await t.createBot({ runtimeUrl: runtime.url });
    const issued = await issue({ command: '/x' }, doomed.apiKey);
    expect((await call(issued.url)).status).toBe(200);
    expect((await t.http.delete(`/v1/bots/${doomed.id}`).set(...bearer(t.adminKey))).status).toBe(200);
    const res = await call(issued.url);
    expect(res.status).toBe(404);
    expect(res.body.status).toEqual({ code: 404, type: 'not_found', message: `bot ${doomed.id} not found`, reason: 'bot_deleted' });
    expect((await call(issued.url.replace(doomed.id, 'abcdefabcdefabcdefabcdef'))).status).toBe(403);
    expect((await call(`${t.url}/w/nothing-like-a-token`)).status).toBe(403);
  });

  it('refuses issued URLs that would not fit in a request line', async () => {
    const res = await post({ command: '/x', content: 'é'.repeat(2000), redirect: `https://example.com/${'é'.repeat(2020)}`, params: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, 'é'.repeat(100)])) });
    expect(res.status).toBe(400);
    expect(res.body.status.message).toMatch(/characters long/);
  });
});
