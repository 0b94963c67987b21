import type { LookupAddress } from 'node:dns';
import { FakeBackend } from './utils/backend';
import { bearer, startApp, TestApp, TestBot } from './utils/test-app';

/*
 * DNS is an outside peer, answered here for the names below; every other name goes to the real resolver.
 * The save-time check resolves with dns.promises.lookup and sockets resolve with dns.lookup at connect
 * time, so each gets its own answers, which is also how a rebinding name behaves. Connect-time answers
 * are loopback only: whatever the guard let through would reach the fake backend on 127.0.0.1 and
 * nothing else. Addresses outside 127/8 are only ever judged, never called.
 */
const mockSaveAnswers = new Map<string, LookupAddress[]>();
const mockConnectAnswers = new Map<string, LookupAddress[]>();

jest.mock('node:dns', () => {
  const actual = jest.requireActual('node:dns');
  function lookup(host: string, options: any, callback?: any) {
    if (typeof options === 'function') [callback, options] = [options, {}];
    const addresses = mockConnectAnswers.get(host.toLowerCase());
    if (!addresses) return actual.lookup(host, options, callback);
    process.nextTick(() => (options.all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family)));
  }
  async function promisesLookup(host: string, options: any = {}) {
    const addresses = mockSaveAnswers.get(host.toLowerCase());
    if (!addresses) return actual.promises.lookup(host, options);
    return options.all ? addresses : addresses[0];
  }
  return { ...actual, lookup, promises: { ...actual.promises, lookup: promisesLookup } };
});

/** A name that resolves to `atSave` when a URL is saved and to `atConnect` (loopback only) when it is called. */
function resolve(host: string, atSave: LookupAddress[], atConnect: LookupAddress[] = []): void {
  if (atConnect.some(({ address }) => !address.startsWith('127.'))) throw new Error('connect-time answers must be loopback');
  mockSaveAnswers.set(host, atSave);
  if (atConnect.length > 0) mockConnectAnswers.set(host, atConnect);
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

const BASE = '/v2/integrations/webhook';

describe('connections: outbound safety (OUTBOUND_ALLOW_PRIVATE=false)', () => {
  let strict: TestApp;
  let lenient: TestApp;
  let backend: FakeBackend;
  let bot: TestBot;

  beforeAll(async () => {
    [strict, lenient, backend] = await Promise.all([startApp({ OUTBOUND_ALLOW_PRIVATE: 'false' }), startApp(), FakeBackend.start()]);
    bot = await strict.createBot();
  });
  afterAll(async () => {
    await Promise.all([strict.close(), lenient.close(), backend.close()]);
  });
  beforeEach(() => {
    backend.reset();
    mockSaveAnswers.clear();
    mockConnectAnswers.clear();
  });

  const create = (app: TestApp, url: string, fields: Record<string, unknown> = {}) =>
    app.http
      .post(BASE)
      .set(...bearer(app.adminKey))
      .send({ storyId: bot.id, name: 'Backend', url, ...fields });

  describe('at save: 400 on url, nothing stored', () => {
    it.each([
      ['http://127.0.0.1:8080/hook', 'loopback'],
      ['http://127.8.9.10/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
      ['http://10.0.0.1/', 'private'],
      ['http://172.16.5.4/', 'private'],
      ['http://192.168.1.10/', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      ['http://100.64.0.1/', 'carrier-grade NAT'],
      ['http://224.0.0.1/', 'multicast'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://[::1]/', 'loopback'],
      ['http://[::]/', 'unspecified'],
      ['http://[fd00::1]/', 'unique-local'],
      ['http://[fe80::1]/', 'link-local'],
      ['http://[ff02::1]/', 'multicast'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://[::ffff:10.0.0.1]/', 'private'],
      ['http://[::ffff:a9fe:a9fe]/', 'link-local'],
      ['http://[::ffff:100.64.0.1]/', 'carrier-grade NAT'],
    ])('refuses %s (%s)', async (url, range) => {
      const res = await create(strict, url);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'url', message: expect.stringContaining(`${range} address`) }]);
      expect((await strict.db.query('SELECT count(*)::int AS n FROM connections WHERE url = $1', [url])).rows[0].n).toBe(0);
    });

    it.each([
      ['localhost', null, 'loopback'],
      ['private.bothooks.test', [v4('10.1.2.3')], 'private'],
      ['metadata.bothooks.test', [v4('169.254.169.254')], 'link-local'],
      ['cgnat.bothooks.test', [v4('100.100.1.1')], 'carrier-grade NAT'],
      ['v6.bothooks.test', [v6('fd12:3456::1')], 'unique-local'],
      ['v6-loopback.bothooks.test', [v6('::1')], 'loopback'],
      ['mapped.bothooks.test', [v6('::ffff:192.168.0.1')], 'private'],
      ['mixed.bothooks.test', [v4('93.184.216.34'), v4('10.0.0.7')], 'private'],
    ])('refuses the name %s, which resolves to a non-public address', async (host, answers, range) => {
      if (answers) resolve(host, answers);
      const res = await create(strict, `https://${host}/hook`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'url', message: expect.stringContaining(`${range} address`) }]);
    });

    it.each(['LOCALHOST.', 'foo.localhost', 'Deep.Foo.localhost.', 'localhost.localdomain'])(
      'refuses %s, a name reserved for loopback, although it does not resolve',
      async (host) => {
        const url = `https://${host}/hook`;
        const res = await create(strict, url);
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ path: 'url', message: `url names a host reserved for a loopback address (${host.toLowerCase()})` }]);
        expect((await strict.db.query('SELECT count(*)::int AS n FROM connections WHERE url = $1', [url])).rows[0].n).toBe(0);

        const created = await strict.createBot();
        const patch = await strict.http.patch(`/v1/bots/${created.id}`).set(...bearer(strict.adminKey)).send({ runtimeUrl: url });
        expect(patch.status).toBe(400);
        expect(patch.body.errors).toEqual([{ path: 'runtimeUrl', message: res.body.errors[0].message }]);
        expect((await strict.db.query('SELECT runtime_url FROM bots WHERE id = $1', [created.id])).rows[0].runtime_url).toBeNull();
      },
    );

    it('refuses the same on PUT, and accepts a public address', async () => {
      resolve('public.bothooks.test', [v4('93.184.216.34')]);
      const created = await create(strict, 'https://public.bothooks.test/hook');
      expect(created.status).toBe(201);
      const put = await strict.http
        .put(`${BASE}/${created.body.id}`)
        .set(...bearer(strict.adminKey))
        .send({ name: 'Backend', url: 'http://169.254.169.254/' });
      expect(put.status).toBe(400);
      expect(put.body.errors).toEqual([{ path: 'url', message: 'url resolves to a link-local address (169.254.169.254)' }]);
      expect((await strict.db.query('SELECT url FROM connections WHERE id = $1', [created.body.id])).rows[0].url).toBe('https://public.bothooks.test/hook');
    });

    it('applies the same check to a bot\'s runtimeUrl', async () => {
      const res = await strict.http.post('/v1/bots').set(...bearer(strict.adminKey)).send({ name: 'x', runtimeUrl: 'http://[::ffff:169.254.169.254]/' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'runtimeUrl', message: expect.stringContaining('link-local address') }]);
    });
  });

  describe('at send: 502 with no connection made', () => {
    it.each([
      ['127.0.0.1', 'loopback'],
      ['localhost', 'loopback'],
      ['LOCALHOST.', 'loopback'],
      ['backend.localhost', 'loopback'],
      ['[::ffff:127.0.0.1]', 'loopback'],
    ])('refuses to dispatch to %s, saved while private addresses were allowed', async (host, range) => {
      const created = await create(lenient, backend.url('/hook', host));
      expect(created.status).toBe(201);
      const res = await strict.http.post(`${BASE}/${created.body.id}/dispatch`).set(...bearer(strict.adminKey)).send({ chatId: '1', userId: '2' });
      expect(res.status).toBe(502);
      expect(res.body.status).toEqual({ code: 502, type: 'bad_gateway', message: expect.stringContaining(`${range} address`), reason: 'backend_unreachable' });
      expect(backend.requests).toHaveLength(0);
      const { rows } = await strict.db.query('SELECT status, http_status, error FROM connection_deliveries WHERE connection_id = $1', [created.body.id]);
      expect(rows).toEqual([{ status: 'failed', http_status: null, error: res.body.status.message }]);
    });

    it('refuses a name that resolved to a public address when saved and to loopback when called (DNS rebinding)', async () => {
      resolve('rebind.bothooks.test', [v4('93.184.216.34')], [v4('127.0.0.1')]);
      const url = backend.url('/hook', 'rebind.bothooks.test');
      const created = await create(strict, url);
      expect(created.status).toBe(201);
      const id = created.body.id;

      const res = await strict.http.post(`${BASE}/${id}/dispatch`).set(...bearer(strict.adminKey)).send({ chatId: '1', userId: '2' });
      expect(res.status).toBe(502);
      expect(res.body.status.message).toBe('url resolves to a loopback address (127.0.0.1)');

      // The handshake goes through the same guard.
      const put = await strict.http.put(`${BASE}/${id}`).set(...bearer(strict.adminKey)).send({ name: 'Backend', url, token: 'tok' });
      expect(put.status).toBe(200);
      expect((await strict.http.get(`${BASE}/${id}`).set(...bearer(strict.adminKey))).body).toMatchObject({
        verification: 'failed',
        error: 'url resolves to a loopback address (127.0.0.1)',
      });
      const verify = await strict.http.post(`${BASE}/${id}/verify`).set(...bearer(strict.adminKey));
      expect(verify.body).toEqual({ verification: 'failed', error: 'url resolves to a loopback address (127.0.0.1)' });
      expect(backend.requests).toHaveLength(0);
    });
  });
});
