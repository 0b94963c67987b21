import { createHash } from 'node:crypto';
import { bearer, startApp, TestApp } from '../utils/test-app';

describe('bots (admin)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = () => bearer(t.adminKey);

  it('answers 401 without a key, with a malformed one and with an unknown one, in the error envelope', async () => {
    const none = await t.http.get('/v1/bots');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ timestamp: expect.any(String), status: { code: 401, type: 'unauthorized', message: expect.any(String) } });
    expect((await t.http.get('/v1/bots').set('authorization', 'Bearer nope')).status).toBe(401);
    expect((await t.http.get('/v1/bots').set('authorization', 'Basic abc')).status).toBe(401);
    const unknown = await t.http.get('/v1/bots').set(...bearer(`bh_admin_${'A'.repeat(43)}`));
    expect(unknown.status).toBe(401);
    expect(unknown.body.status.type).toBe('unauthorized');
  });

  it('creates a bot and shows the bot key only once', async () => {
    const res = await t.http.post('/v1/bots').set(...admin()).send({ name: 'Cat facts', runtimeUrl: 'http://127.0.0.1:9/runtime' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: 'Cat facts',
      runtimeUrl: 'http://127.0.0.1:9/runtime',
      ordering: 'conversation',
      apiKey: expect.stringMatching(/^bh_bot_[A-Za-z0-9_-]{43}$/),
      signingSecret: expect.stringMatching(/^whsec_/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    const got = await t.http.get(`/v1/bots/${res.body.id}`).set(...admin());
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ id: res.body.id, name: 'Cat facts', runtimeUrl: 'http://127.0.0.1:9/runtime', ordering: 'conversation', signingSecret: res.body.signingSecret, createdAt: res.body.createdAt, updatedAt: res.body.updatedAt });
    const list = await t.http.get('/v1/bots').set(...admin());
    expect(list.status).toBe(200);
    const listed = list.body.find((b: { id: string }) => b.id === res.body.id);
    expect(listed).toEqual({ id: res.body.id, name: 'Cat facts', runtimeUrl: 'http://127.0.0.1:9/runtime', ordering: 'conversation', createdAt: res.body.createdAt, updatedAt: res.body.updatedAt });
    const { rows } = await t.db.query('SELECT key_hash FROM api_keys WHERE bot_id = $1', [res.body.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toBe(createHash('sha256').update(res.body.apiKey).digest('hex'));
  });

  it('refuses bot keys on admin routes with 403', async () => {
    const bot = await t.createBot();
    const res = await t.http.get('/v1/bots').set(...bearer(bot.apiKey));
    expect(res.status).toBe(403);
    expect(res.body.status.type).toBe('forbidden');
    expect((await t.http.post('/v1/bots').set(...bearer(bot.apiKey)).send({ name: 'x' })).status).toBe(403);
  });

  it('updates name and runtimeUrl, and clears runtimeUrl with null', async () => {
    const bot = await t.createBot({ runtimeUrl: 'https://example.com/hook' });
    const res = await t.http.patch(`/v1/bots/${bot.id}`).set(...admin()).send({ name: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: bot.id, name: 'Renamed', runtimeUrl: 'https://example.com/hook', signingSecret: bot.signingSecret });
    const cleared = await t.http.patch(`/v1/bots/${bot.id}`).set(...admin()).send({ runtimeUrl: null });
    expect(cleared.body.runtimeUrl).toBeNull();
    expect((await t.db.query('SELECT name, runtime_url FROM bots WHERE id = $1', [bot.id])).rows[0]).toEqual({ name: 'Renamed', runtime_url: null });
  });

  it('keeps conversations in order by default; ordering is set at creation and by PATCH, and only to a known value', async () => {
    const created = await t.http.post('/v1/bots').set(...admin()).send({ name: 'Unordered', ordering: 'none' });
    expect(created.status).toBe(201);
    expect(created.body.ordering).toBe('none');
    const patched = await t.http.patch(`/v1/bots/${created.body.id}`).set(...admin()).send({ ordering: 'conversation' });
    expect(patched.status).toBe(200);
    expect(patched.body.ordering).toBe('conversation');
    expect((await t.http.get(`/v1/bots/${created.body.id}`).set(...admin())).body.ordering).toBe('conversation');
    for (const ordering of ['chat', null, 1]) {
      const bad = await t.http.patch(`/v1/bots/${created.body.id}`).set(...admin()).send({ ordering });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ path: 'ordering', message: 'ordering must be "conversation" or "none"' }]);
    }
    expect((await t.http.post('/v1/bots').set(...admin()).send({ name: 'x', ordering: 'chat' })).status).toBe(400);
    expect((await t.db.query('SELECT ordering FROM bots WHERE id = $1', [created.body.id])).rows[0].ordering).toBe('conversation');
  });

  it('deletes a bot: its key is 401 from then on, the bot 404', async () => {
    const bot = await t.createBot();
    expect((await t.http.get('/v1/bots').set(...bearer(bot.apiKey))).status).toBe(403);
    const res = await t.http.delete(`/v1/bots/${bot.id}`).set(...admin());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ timestamp: expect.any(String), status: { code: 200, type: 'success' } });
    expect((await t.http.get(`/v1/bots/${bot.id}`).set(...admin())).status).toBe(404);
    expect((await t.http.delete(`/v1/bots/${bot.id}`).set(...admin())).status).toBe(404);
    expect((await t.http.get('/v1/bots').set(...bearer(bot.apiKey))).status).toBe(401);
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_keys WHERE bot_id = $1', [bot.id])).rows[0].n).toBe(0);
    expect((await t.db.query('SELECT count(*)::int AS n FROM url_keys WHERE bot_id = $1', [bot.id])).rows[0].n).toBe(0);
  });

  it('creates and revokes extra bot keys', async () => {
    const bot = await t.createBot();
    const created = await t.http.post(`/v1/bots/${bot.id}/api-keys`).set(...admin());
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), apiKey: expect.stringMatching(/^bh_bot_/) });
    // A bot key reaches bot-or-admin routes (403 here proves it authenticated).
    expect((await t.http.get('/v1/bots').set(...bearer(created.body.apiKey))).status).toBe(403);
    const revoked = await t.http.delete(`/v1/bots/${bot.id}/api-keys/${created.body.id}`).set(...admin());
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toEqual({ code: 200, type: 'success' });
    expect((await t.http.get('/v1/bots').set(...bearer(created.body.apiKey))).status).toBe(401);
    expect((await t.http.get('/v1/bots').set(...bearer(bot.apiKey))).status).toBe(403);
    expect((await t.http.delete(`/v1/bots/${bot.id}/api-keys/${created.body.id}`).set(...admin())).status).toBe(404);
    const other = await t.createBot();
    const othersKey = await t.http.post(`/v1/bots/${other.id}/api-keys`).set(...admin());
    expect((await t.http.delete(`/v1/bots/${bot.id}/api-keys/${othersKey.body.id}`).set(...admin())).status).toBe(404);
  });

  it('rotates the URL key, keeping the old one for the grace period', async () => {
    const bot = await t.createBot();
    const res = await t.http.post(`/v1/bots/${bot.id}/rotate-url-key`).set(...admin()).send({ graceSeconds: 60 });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ code: 200, type: 'success' });
    const { rows } = await t.db.query(
      `SELECT version, retires_at IS NULL AS current, retires_at > now() + interval '50 seconds' AS in_grace FROM url_keys WHERE bot_id = $1 ORDER BY version`,
      [bot.id],
    );
    expect(rows).toEqual([
      { version: 1, current: false, in_grace: true },
      { version: 2, current: true, in_grace: null },
    ]);
    expect((await t.http.post(`/v1/bots/${bot.id}/rotate-url-key`).set(...admin())).status).toBe(200);
    const after = await t.db.query(`SELECT version, retires_at <= now() AS retired FROM url_keys WHERE bot_id = $1 ORDER BY version`, [bot.id]);
    expect(after.rows).toEqual([
      { version: 1, retired: true },
      { version: 2, retired: true },
      { version: 3, retired: null },
    ]);
  });

  describe('bad input', () => {
    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      const bad = await t.http.get('/v1/bots/not-an-id').set(...admin());
      expect(bad.status).toBe(400);
      expect(bad.body.status.type).toBe('bad_request');
      expect((await t.http.get('/v1/bots/65A1F0C2E4B0A1B2C3D4E5F6').set(...admin())).status).toBe(400);
      const unknown = await t.http.get('/v1/bots/65a1f0c2e4b0a1b2c3d4e5f6').set(...admin());
      expect(unknown.status).toBe(404);
      expect(unknown.body.status).toEqual({ code: 404, type: 'not_found', message: 'bot 65a1f0c2e4b0a1b2c3d4e5f6 not found' });
      expect((await t.http.delete('/v1/bots/65a1f0c2e4b0a1b2c3d4e5f6/api-keys/nope').set(...admin())).status).toBe(400);
    });

    it('answers 400 for malformed JSON and for a body that is not an object', async () => {
      const res = await t.http.post('/v1/bots').set(...admin()).set('content-type', 'application/json').send('{"name": ');
      expect(res.status).toBe(400);
      expect(res.body.status).toEqual({ code: 400, type: 'bad_request', message: 'request body is not valid JSON', reason: 'validation_failed' });
      expect((await t.http.post('/v1/bots').set(...admin()).send([{ name: 'x' }])).status).toBe(400);
      expect((await t.http.post('/v1/bots').set(...admin()).set('content-type', 'application/json').send('"x"')).status).toBe(400);
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await t.http.post('/v1/bots').set(...admin()).set('content-type', 'text/plain').send('name=x');
      expect(res.status).toBe(415);
      expect(res.body.status.type).toBe('unsupported_media_type');
    });

    it('answers 413 for a body over 1 MiB', async () => {
      const res = await t.http.post('/v1/bots').set(...admin()).send({ name: 'x'.repeat(1024 * 1024 + 10) });
      expect(res.status).toBe(413);
      expect(res.body.status.type).toBe('payload_too_large');
    });

    it('names every unknown field and every broken rule', async () => {
      const res = await t.http.post('/v1/bots').set(...admin()).send({ name: '', runtimeUrl: 'ftp://x', color: 'red', extra: 1 });
      expect(res.status).toBe(400);
      const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
      expect(paths).toEqual(['color', 'extra', 'name', 'runtimeUrl']);
      expect(res.body.errors.find((e: { path: string }) => e.path === 'color').message).toBe('unknown field');
    });

    it.each([
      ['name', '', 400],
      ['name', 'a', 201],
      ['name', 'a'.repeat(128), 201],
      ['name', 'a'.repeat(129), 400],
      ['name', 42, 400],
      ['runtimeUrl', null, 201],
      ['runtimeUrl', 'http://example.com', 201],
      ['runtimeUrl', `https://example.com/${'a'.repeat(1024 - 20)}`, 201],
      ['runtimeUrl', `https://example.com/${'a'.repeat(1024 - 19)}`, 400],
      ['runtimeUrl', 'example.com', 400],
      ['runtimeUrl', 'javascript:alert(1)', 400],
    ])('POST /v1/bots with %s = %p answers %i', async (field, value, status) => {
      const body: Record<string, unknown> = { name: 'edge', [field]: value };
      const res = await t.http.post('/v1/bots').set(...admin()).send(body);
      expect(res.status).toBe(status);
      if (status === 400) expect([...new Set(res.body.errors.map((e: { path: string }) => e.path))]).toEqual([field]);
    });

    it.each([
      [-1, 400],
      [0, 200],
      [604800, 200],
      [604801, 400],
      [1.5, 400],
      ['60', 400],
    ])('rotate-url-key with graceSeconds = %p answers %i', async (graceSeconds, status) => {
      const bot = await t.createBot();
      const res = await t.http.post(`/v1/bots/${bot.id}/rotate-url-key`).set(...admin()).send({ graceSeconds });
      expect(res.status).toBe(status);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM url_keys WHERE bot_id = $1', [bot.id]);
      expect(rows[0].n).toBe(status === 200 ? 2 : 1);
    });

    it.each([
      ['name', '', 400],
      ['name', 'a'.repeat(128), 200],
      ['name', 'a'.repeat(129), 400],
      ['runtimeUrl', 'https://example.com/x', 200],
      ['runtimeUrl', 'not a url', 400],
      ['signingSecret', 'whsec_x', 400],
    ])('PATCH /v1/bots/:id with %s = %p answers %i and changes nothing on 400', async (field, value, status) => {
      const bot = await t.createBot({ name: 'before' });
      const res = await t.http.patch(`/v1/bots/${bot.id}`).set(...admin()).send({ [field]: value });
      expect(res.status).toBe(status);
      const { rows } = await t.db.query('SELECT name FROM bots WHERE id = $1', [bot.id]);
      expect(rows[0].name).toBe(status === 200 && field === 'name' ? value : 'before');
    });

    it('answers 404 in the envelope for an unknown route', async () => {
      const res = await t.http.get('/v1/nothing-here').set(...admin());
      expect(res.status).toBe(404);
      expect(res.body.status.type).toBe('not_found');
    });
  });

  it('refuses a runtimeUrl on a private address unless OUTBOUND_ALLOW_PRIVATE is set', async () => {
    const strict = await startApp({ OUTBOUND_ALLOW_PRIVATE: 'false' });
    try {
      for (const runtimeUrl of ['http://127.0.0.1:8080/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://localhost/x']) {
        const res = await strict.http.post('/v1/bots').set(...bearer(strict.adminKey)).send({ name: 'ssrf', runtimeUrl });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ path: 'runtimeUrl', message: expect.any(String) }]);
      }
      expect((await strict.http.post('/v1/bots').set(...bearer(strict.adminKey)).send({ name: 'ok', runtimeUrl: 'https://93.184.215.14/x' })).status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('echoes a valid x-request-id and generates one otherwise', async () => {
    const echoed = await t.http.get('/health').set('x-request-id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await t.http.get('/health').set('x-request-id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const error = await t.http.get('/v1/bots');
    expect(error.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
