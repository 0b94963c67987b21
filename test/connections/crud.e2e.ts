import { FakeBackend } from '../utils/backend';
import { dumpDatabase } from '../utils/dump';
import { purged } from '../utils/purges';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const BASE = '/v2/integrations/webhook';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('connections: CRUD, field rules, handshake, secrets at rest', () => {
  let t: TestApp;
  let backend: FakeBackend;
  let bot: TestBot;
  const admin = () => bearer(t.adminKey);

  beforeAll(async () => {
    [t, backend] = await Promise.all([startApp(), FakeBackend.start()]);
    bot = await t.createBot({ name: 'Support bot' });
  });
  afterAll(async () => {
    await Promise.all([t.close(), backend.close()]);
  });
  beforeEach(() => backend.reset());

  async function create(body: Record<string, unknown> = {}, storyId = bot.id): Promise<string> {
    const res = await t.http
      .post(BASE)
      .set(...admin())
      .send({ storyId, name: 'Orders', url: backend.url(), ...body });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  describe('create, read, replace, delete', () => {
    it('creates a connection and answers in chatbot.com shapes', async () => {
      const res = await t.http
        .post(BASE)
        .set(...admin())
        .send({ storyId: bot.id, name: 'Orders', url: backend.url('/orders') });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), timestamp: expect.stringMatching(ISO), status: { code: 201, type: 'created' } });
      const { id } = res.body;

      const one = await t.http.get(`${BASE}/${id}`).set(...admin());
      expect(one.status).toBe(200);
      expect(one.body).toEqual({
        id,
        story: { id: bot.id, name: 'Support bot' },
        name: 'Orders',
        url: backend.url('/orders'),
        token: null,
        headers: null,
        auth: null,
        timeoutMs: 10000,
        verification: 'not_required',
        signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
        error: null,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });

      const list = await t.http.get(BASE).set(...admin());
      expect(list.status).toBe(200);
      expect(list.body.find((c: { id: string }) => c.id === id)).toEqual({
        id,
        story: { id: bot.id, name: 'Support bot' },
        name: 'Orders',
        url: backend.url('/orders'),
        error: null,
        createdAt: one.body.createdAt,
        updatedAt: one.body.updatedAt,
      });
      // No handshake without a token.
      expect(backend.requests).toHaveLength(0);
      const { rows } = await t.db.query('SELECT bot_id, name, url, verification, timeout_ms FROM connections WHERE id = $1', [id]);
      expect(rows).toEqual([{ bot_id: bot.id, name: 'Orders', url: backend.url('/orders'), verification: 'not_required', timeout_ms: 10000 }]);
    });

    it('keeps every field, and shows the secrets only in the single GET', async () => {
      backend.token = 'tok-1';
      const id = await create({
        token: 'tok-1',
        headers: { 'X-Api-Key': 'key-1', 'X-Tenant': 'acme' },
        auth: { username: 'jane', password: 'pw-1' },
        timeoutMs: 2500,
      });
      const one = await t.http.get(`${BASE}/${id}`).set(...admin());
      expect(one.body).toMatchObject({
        token: 'tok-1',
        headers: { 'X-Api-Key': 'key-1', 'X-Tenant': 'acme' },
        auth: { username: 'jane', password: 'pw-1' },
        timeoutMs: 2500,
        verification: 'passed',
        error: null,
      });
      const listed = (await t.http.get(BASE).set(...admin())).body.find((c: { id: string }) => c.id === id);
      expect(Object.keys(listed).sort()).toEqual(['createdAt', 'error', 'id', 'name', 'story', 'updatedAt', 'url']);
    });

    it('replaces the whole connection with PUT: what is left out goes back to its default', async () => {
      const id = await create({ headers: { 'X-A': '1' }, auth: { username: 'u', password: 'p' }, timeoutMs: 500 });
      const before = (await t.http.get(`${BASE}/${id}`).set(...admin())).body;
      // Microseconds, as stored: two requests can fall within the millisecond the API shows.
      const storedUpdatedAt = async () => (await t.db.query('SELECT updated_at::text AS at FROM connections WHERE id = $1', [id])).rows[0].at as string;
      const storedBefore = await storedUpdatedAt();
      const res = await t.http
        .put(`${BASE}/${id}`)
        .set(...admin())
        .send({ name: 'Renamed', url: backend.url('/v2') });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ timestamp: expect.stringMatching(ISO), status: { code: 200, type: 'success' } });
      const after = (await t.http.get(`${BASE}/${id}`).set(...admin())).body;
      expect(after).toEqual({
        ...before,
        name: 'Renamed',
        url: backend.url('/v2'),
        headers: null,
        auth: null,
        timeoutMs: 10000,
        updatedAt: expect.stringMatching(ISO),
      });
      expect(after.signingSecret).toBe(before.signingSecret);
      const storedAfter = await storedUpdatedAt();
      expect((await t.db.query('SELECT $1::timestamptz > $2::timestamptz AS later', [storedAfter, storedBefore])).rows[0].later).toBe(true);
    });

    it('deletes a connection: 404 afterwards, and its deliveries are purged in the background', async () => {
      const id = await create();
      expect((await t.http.post(`${BASE}/${id}/dispatch`).set(...admin()).send({ chatId: '1', userId: '2' })).status).toBe(200);
      const res = await t.http.delete(`${BASE}/${id}`).set(...admin());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ timestamp: expect.stringMatching(ISO), status: { code: 200, type: 'success' } });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).status).toBe(404);
      expect((await t.http.delete(`${BASE}/${id}`).set(...admin())).status).toBe(404);
      expect((await t.http.post(`${BASE}/${id}/dispatch`).set(...admin()).send({ chatId: '1', userId: '2' })).status).toBe(404);
      await purged(t.db, 'connection', id);
      expect((await t.db.query('SELECT count(*)::int AS n FROM connection_deliveries WHERE connection_id = $1', [id])).rows[0].n).toBe(0);
    });

    it('dies with its bot', async () => {
      const other = await t.createBot();
      const id = await create({}, other.id);
      expect((await t.http.delete(`/v1/bots/${other.id}`).set(...admin())).status).toBe(200);
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).status).toBe(404);
      expect((await t.db.query('SELECT count(*)::int AS n FROM connections WHERE id = $1', [id])).rows[0].n).toBe(0);
    });

    it('answers 400 for a malformed id and 404 for an unknown one, in the error envelope', async () => {
      const bad = await t.http.get(`${BASE}/not-an-id`).set(...admin());
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ timestamp: expect.any(String), status: { code: 400, type: 'bad_request', message: expect.stringContaining('malformed id'), reason: 'validation_failed' } });
      const unknown = await t.http.get(`${BASE}/${'a'.repeat(24)}`).set(...admin());
      expect(unknown.status).toBe(404);
      expect(unknown.body.status).toEqual({ code: 404, type: 'not_found', message: `connection ${'a'.repeat(24)} not found` });
      const unknownId = 'a'.repeat(24);
      expect((await t.http.put(`${BASE}/${unknownId}`).set(...admin()).send({ name: 'x', url: backend.url() })).status).toBe(404);
      expect((await t.http.delete(`${BASE}/${unknownId}`).set(...admin())).status).toBe(404);
      expect((await t.http.post(`${BASE}/${unknownId}/verify`).set(...admin())).status).toBe(404);
      expect((await t.http.put(`${BASE}/ABCDEF0123456789abcdef01`).set(...admin()).send({ name: 'x', url: backend.url() })).status).toBe(400);
      expect((await t.http.post(`${BASE}/123/dispatch`).set(...admin()).send({ chatId: '1', userId: '2' })).status).toBe(400);
    });

    it('answers 404 for a storyId that is not a bot', async () => {
      const res = await t.http
        .post(BASE)
        .set(...admin())
        .send({ storyId: 'b'.repeat(24), name: 'x', url: backend.url() });
      expect(res.status).toBe(404);
      expect(res.body.status.message).toBe(`bot ${'b'.repeat(24)} not found`);
    });
  });

  describe('field rules', () => {
    async function problems(body: Record<string, unknown>, method: 'post' | 'put' = 'post', id?: string) {
      const req = method === 'post' ? t.http.post(BASE) : t.http.put(`${BASE}/${id}`);
      const res = await req.set(...admin()).send(body);
      expect(res.status).toBe(400);
      expect(res.body.status).toEqual({ code: 400, type: 'bad_request', message: 'request validation failed', reason: 'validation_failed' });
      return (res.body.errors as { path: string; message: string }[]).map((e) => e.path);
    }

    it('lists every problem of a bad body at once, with its path', async () => {
      const paths = await problems({
        storyId: 'XYZ',
        name: '',
        url: 'ftp://example.com/',
        token: '',
        headers: { Host: 'evil', 'Bad Name': 'x', 'X-Line': 'a\r\nInjected: 1' },
        auth: { username: 'a:b', password: '' },
        timeoutMs: 99,
        extra: true,
      });
      expect(new Set(paths)).toEqual(
        new Set(['storyId', 'name', 'url', 'token', 'headers.Host', 'headers.Bad Name', 'headers.X-Line', 'auth.username', 'auth.password', 'timeoutMs', 'extra']),
      );
    });

    it('requires storyId, name and url', async () => {
      expect(new Set(await problems({}))).toEqual(new Set(['storyId', 'name', 'url']));
    });

    it.each([
      ['name', { name: 'n'.repeat(129) }],
      ['url', { url: `https://example.com/${'a'.repeat(1010)}` }],
      ['url', { url: 'not a url' }],
      ['url', { url: 'https://user:pw@example.com/' }],
      ['token', { token: 't'.repeat(1025) }],
      ['token', { token: 42 }],
      ['auth.username', { auth: { username: 'u'.repeat(1025), password: 'p' } }],
      ['auth.password', { auth: { username: 'u' } }],
      ['auth', { auth: 'user:pw' }],
      ['timeoutMs', { timeoutMs: 30001 }],
      ['timeoutMs', { timeoutMs: 1000.5 }],
      ['timeoutMs', { timeoutMs: '1000' }],
      ['headers', { headers: {} }],
      ['headers', { headers: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`X-H${i}`, 'v'])) }],
      ['headers', { headers: ['X-A: 1'] }],
      [`headers.${'n'.repeat(257)}`, { headers: { ['n'.repeat(257)]: 'v' } }],
      ['headers.X-Long', { headers: { 'X-Long': 'v'.repeat(1025) } }],
      ['headers.X-Number', { headers: { 'X-Number': 5 } }],
      ['headers.X-Cr', { headers: { 'X-Cr': 'a\rb' } }],
      ['headers.X-Lf', { headers: { 'X-Lf': 'a\nb' } }],
      ['headers.x-dup', { headers: { 'X-Dup': '1', 'x-dup': '2' } }],
    ])('refuses a bad %s', async (path, fields) => {
      const paths = await problems({ storyId: bot.id, name: 'Orders', url: backend.url(), ...fields });
      expect(paths).toContain(path);
      expect(paths.every((p) => p === path)).toBe(true);
    });

    it.each(['host', 'Content-Length', 'CONTENT-TYPE', 'Transfer-Encoding', 'connection', 'webhook-id', 'Webhook-Signature', 'webhook-anything'])(
      'refuses the header %s, case-insensitively',
      async (name) => {
        expect(await problems({ storyId: bot.id, name: 'Orders', url: backend.url(), headers: { [name]: 'v' } })).toEqual([`headers.${name}`]);
      },
    );

    it.each(['Keep-Alive', 'upgrade', 'Expect', 'TE', 'Trailer', 'Proxy-Authorization', 'proxy-connection'])(
      'refuses the hop-by-hop header %s, which no dispatch could send',
      async (name) => {
        expect(await problems({ storyId: bot.id, name: 'Orders', url: backend.url(), headers: { [name]: 'v' } })).toEqual([`headers.${name}`]);
      },
    );

    it.each([
      ['U+0100', 'x\u0100'],
      ['U+2028', 'a\u2028b'],
      ['é', 'caf\u00e9'],
      ['an emoji', '\u{1F600}'],
    ])('refuses a header value with %s: values are visible ASCII, space and tab', async (_, value) => {
      expect(await problems({ storyId: bot.id, name: 'Orders', url: backend.url(), headers: { 'X-Text': value } })).toEqual(['headers.X-Text']);
    });

    it('counts name, token and auth lengths in code points: 128 emoji are a name, 129 are not', async () => {
      const emoji = (n: number) => '\u{1F600}'.repeat(n);
      const id = await create({ name: emoji(128), token: emoji(1024), auth: { username: emoji(1024), password: emoji(1024) } });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ name: emoji(128), token: emoji(1024), auth: { username: emoji(1024) } });
      const paths = await problems({ storyId: bot.id, name: emoji(129), url: backend.url(), token: emoji(1025), auth: { username: emoji(1025), password: 'p' } });
      expect(new Set(paths)).toEqual(new Set(['name', 'token', 'auth.username']));
    });

    it('refuses authorization only when auth is set', async () => {
      expect(
        await problems({ storyId: bot.id, name: 'Orders', url: backend.url(), headers: { Authorization: 'Bearer x' }, auth: { username: 'u', password: 'p' } }),
      ).toEqual(['headers.Authorization']);
      const id = await create({ headers: { Authorization: 'Bearer x', 'user-agent': 'custom/1' } });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body.headers).toEqual({ Authorization: 'Bearer x', 'user-agent': 'custom/1' });
    });

    it('accepts the edges of every range, and null for optional fields', async () => {
      const headers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`X-H${i}`, i === 0 ? 'v'.repeat(1024) : '']));
      headers['n'.repeat(256)] = 'tab\tok';
      delete headers['X-H9'];
      const id = await create({ name: 'n'.repeat(128), token: 't'.repeat(1024), headers, timeoutMs: 100, auth: { username: 'u'.repeat(1024), password: 'p'.repeat(1024) } });
      const one = (await t.http.get(`${BASE}/${id}`).set(...admin())).body;
      expect(one).toMatchObject({ name: 'n'.repeat(128), timeoutMs: 100, headers, token: 't'.repeat(1024) });
      const nulls = await create({ token: null, headers: null, auth: null, timeoutMs: null });
      expect((await t.http.get(`${BASE}/${nulls}`).set(...admin())).body).toMatchObject({ token: null, headers: null, auth: null, timeoutMs: 10000 });
    });

    it('applies the same rules to PUT, which does not take storyId', async () => {
      const id = await create();
      const paths = await problems({ storyId: bot.id, name: '', url: backend.url(), headers: { 'Content-Type': 'text/plain' } }, 'put', id);
      expect(new Set(paths)).toEqual(new Set(['storyId', 'name', 'headers.Content-Type']));
    });

    it('answers 400 for a body that is not a JSON object, and for malformed JSON', async () => {
      const array = await t.http.post(BASE).set(...admin()).send([1, 2]);
      expect(array.status).toBe(400);
      const malformed = await t.http.post(BASE).set(...admin()).set('content-type', 'application/json').send('{"name":');
      expect(malformed.status).toBe(400);
      expect(malformed.body.status.type).toBe('bad_request');
    });
  });

  describe('bot keys', () => {
    it('read only their own bot\'s connections and may not write', async () => {
      const mine = await create();
      const other = await t.createBot();
      const theirs = await create({}, other.id);

      const list = await t.http.get(BASE).set(...bearer(bot.apiKey));
      expect(list.status).toBe(200);
      const ids = list.body.map((c: { id: string }) => c.id);
      expect(ids).toContain(mine);
      expect(ids).not.toContain(theirs);
      expect(list.body.every((c: { story: { id: string } }) => c.story.id === bot.id)).toBe(true);

      expect((await t.http.get(`${BASE}/${mine}`).set(...bearer(bot.apiKey))).status).toBe(200);
      const hidden = await t.http.get(`${BASE}/${theirs}`).set(...bearer(bot.apiKey));
      expect(hidden.status).toBe(404);
      expect(hidden.body.status.message).toBe(`connection ${theirs} not found`);

      const key = bearer(bot.apiKey);
      expect((await t.http.post(BASE).set(...key).send({ storyId: bot.id, name: 'x', url: backend.url() })).status).toBe(403);
      expect((await t.http.put(`${BASE}/${mine}`).set(...key).send({ name: 'x', url: backend.url() })).status).toBe(403);
      expect((await t.http.delete(`${BASE}/${mine}`).set(...key)).status).toBe(403);
      expect((await t.http.post(`${BASE}/${mine}/verify`).set(...key)).status).toBe(403);
      expect((await t.http.get(BASE)).status).toBe(401);
      expect((await t.db.query('SELECT name FROM connections WHERE id = $1', [mine])).rows[0].name).toBe('Orders');
    });
  });

  describe('verification handshake', () => {
    it('passes when the backend echoes the challenge, and sends token and challenge on the GET', async () => {
      backend.token = 'secret-token';
      const id = await create({ token: 'secret-token', url: backend.url('/bot?lang=en') });
      expect(backend.requests).toHaveLength(1);
      const [get] = backend.requests;
      expect(get.method).toBe('GET');
      expect(get.path).toBe('/bot');
      expect(get.query).toEqual({ lang: 'en', token: 'secret-token', challenge: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/) });
      expect(get.headers['user-agent']).toMatch(/^bothooks\//);
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'passed', error: null });
    });

    it('sends the custom headers and the Basic authorization on the challenge GET, as a dispatch does', async () => {
      const authorization = `Basic ${Buffer.from('jane:s3cr3t').toString('base64')}`;
      backend.token = 'tok';
      backend.requiredHeaders = { authorization, 'x-api-key': 'k-1' };
      const fields = { token: 'tok', headers: { 'X-Api-Key': 'k-1' }, auth: { username: 'jane', password: 's3cr3t' } };
      const id = await create(fields);
      expect(backend.requests).toHaveLength(1);
      expect(backend.requests[0]).toMatchObject({ method: 'GET', headers: { authorization, 'x-api-key': 'k-1' } });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'passed', error: null });

      const verify = await t.http.post(`${BASE}/${id}/verify`).set(...admin());
      expect(verify.body).toEqual({ verification: 'passed', error: null });
      const put = await t.http.put(`${BASE}/${id}`).set(...admin()).send({ name: 'Orders', url: backend.url('/v2'), ...fields });
      expect(put.status).toBe(200);
      expect(backend.requests.map((r) => [r.method, r.path, r.headers.authorization, r.headers['x-api-key']])).toEqual([
        ['GET', '/hook', authorization, 'k-1'],
        ['GET', '/hook', authorization, 'k-1'],
        ['GET', '/v2', authorization, 'k-1'],
      ]);
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'passed', error: null });
      expect((await t.http.post(`${BASE}/${id}/dispatch`).set(...admin()).send({ chatId: 'c', userId: 'u' })).status).toBe(200);
    });

    it('uses a new challenge each time', async () => {
      const id = await create({ token: 'a' });
      expect((await t.http.post(`${BASE}/${id}/verify`).set(...admin())).body).toEqual({ verification: 'passed', error: null });
      const challenges = backend.requests.map((r) => r.query.challenge);
      expect(challenges).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/), expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/)]);
      expect(challenges[0]).not.toBe(challenges[1]);
    });

    it('fails on a wrong body, keeps the connection and says why; dispatch is then 409', async () => {
      backend.onChallenge = () => ({ body: 'not the challenge' });
      const id = await create({ token: 'tok' });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({
        verification: 'failed',
        error: 'verification failed: the backend did not answer with the challenge',
      });
      const dispatch = await t.http.post(`${BASE}/${id}/dispatch`).set(...admin()).send({ chatId: '1', userId: '2' });
      expect(dispatch.status).toBe(409);
      expect(dispatch.body.status.type).toBe('conflict');
      expect(backend.messages).toHaveLength(0);

      backend.onChallenge = (challenge) => ({ body: `  ${challenge}\n` });
      const verify = await t.http.post(`${BASE}/${id}/verify`).set(...admin());
      expect(verify.status).toBe(200);
      expect(verify.body).toEqual({ verification: 'passed', error: null });
      expect((await t.http.post(`${BASE}/${id}/dispatch`).set(...admin()).send({ chatId: '1', userId: '2' })).status).toBe(200);
    });

    it('fails on a non-2xx answer with the chatbot.com message', async () => {
      backend.token = 'right';
      const id = await create({ token: 'wrong' });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'failed', error: 'Request failed with status code 403' });
    });

    it('fails on a timeout, within the connection\'s timeoutMs', async () => {
      // Had the timeout not applied, the backend's late echo would pass the handshake.
      backend.onChallenge = (challenge) => ({ body: challenge, delayMs: 2000 });
      const id = await create({ token: 'tok', timeoutMs: 300 });
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'failed', error: 'timeout of 300ms exceeded' });
    });

    it('runs again when PUT changes the url or the token, and not otherwise', async () => {
      const id = await create({ token: 'one' });
      expect(backend.requests).toHaveLength(1);
      const put = (body: Record<string, unknown>) => t.http.put(`${BASE}/${id}`).set(...admin()).send({ name: 'Orders', url: backend.url(), ...body });
      expect((await put({ token: 'one', headers: { 'X-New': '1' } })).status).toBe(200);
      expect(backend.requests).toHaveLength(1);
      backend.onChallenge = () => ({ status: 500 });
      expect((await put({ token: 'two' })).status).toBe(200);
      expect(backend.requests).toHaveLength(2);
      expect(backend.requests[1].query.token).toBe('two');
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'failed', error: 'Request failed with status code 500' });
      backend.onChallenge = (challenge) => ({ body: challenge });
      expect((await put({ token: 'two', url: backend.url('/moved') })).status).toBe(200);
      expect(backend.requests[2].path).toBe('/moved');
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'passed', error: null });
      expect((await put({})).status).toBe(200);
      expect((await t.http.get(`${BASE}/${id}`).set(...admin())).body).toMatchObject({ verification: 'not_required', token: null });
      expect(backend.requests).toHaveLength(3);
    });

    it('answers not_required on verify without a token, calling nothing', async () => {
      const id = await create();
      const res = await t.http.post(`${BASE}/${id}/verify`).set(...admin());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ verification: 'not_required', error: null });
      expect(backend.requests).toHaveLength(0);
    });
  });

  it('stores no secret in clear: a dump of every table shows none of them', async () => {
    const secrets = {
      token: 'tok-Zq8fT1mQ9w',
      password: 'pw-Hs3kLx7Vb2',
      headerValue: 'hv-Ya6Dn0Rc4e',
      otherHeaderValue: 'hv-Pu5Gm8Wt1j',
    };
    backend.token = secrets.token;
    const id = await create({
      token: secrets.token,
      headers: { 'X-Api-Key': secrets.headerValue, 'X-Other': secrets.otherHeaderValue },
      auth: { username: 'jane', password: secrets.password },
    });
    const { signingSecret } = (await t.http.get(`${BASE}/${id}`).set(...admin())).body;
    backend.signingSecret = signingSecret;
    const dispatched = await t.http.post(`${BASE}/${id}/dispatch`).set(...admin()).send({ chatId: '1', userId: '2' });
    expect(dispatched.status).toBe(200);
    expect(backend.messages[0].signatureValid).toBe(true);

    const { tables, text: dump } = await dumpDatabase(t.db);
    expect(tables).toEqual(expect.arrayContaining(['connections', 'connection_deliveries']));
    expect(dump).toContain(id);
    const basic = Buffer.from(`jane:${secrets.password}`).toString('base64');
    for (const secret of [...Object.values(secrets), signingSecret, signingSecret.slice('whsec_'.length), basic]) {
      expect(dump).not.toContain(secret);
    }
  });
});
