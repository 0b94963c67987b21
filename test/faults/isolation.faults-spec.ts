import { Admin, Bot, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';
import { Http } from './utils/http';
import { Peer } from './utils/peers';
import { recordFigures, rememberSecrets } from './utils/run';

interface Resources {
  bot: Bot;
  keyId: string;
  connection: string;
  delivery: string;
  webhook: string;
  url: string;
  invocation: string;
}

/**
 * `unrecorded`: issued URLs are never stored (issuing must stay cheap), so the server cannot tell another
 * bot's webhook id from an unknown one. A bot key's revocation only ever stops its own bot's URL; what
 * matters is that it answers exactly as for an unknown id and leaves the other bot's URL working.
 */
type Access = 'admin' | 'bot' | 'unrecorded';

/** Every route that takes an id, who may call it, and a body it accepts. */
const ROUTES: Array<{ method: string; template: string; access: Access; body?: (r: Resources) => unknown }> = [
  { method: 'GET', template: '/v1/bots/{id}', access: 'admin' },
  { method: 'PATCH', template: '/v1/bots/{id}', access: 'admin', body: () => ({ name: 'taken over' }) },
  { method: 'POST', template: '/v1/bots/{id}/api-keys', access: 'admin' },
  { method: 'DELETE', template: '/v1/bots/{id}/api-keys/{keyId}', access: 'admin' },
  { method: 'POST', template: '/v1/bots/{id}/rotate-url-key', access: 'admin', body: () => ({}) },
  { method: 'DELETE', template: '/v1/bots/{id}', access: 'admin' },
  { method: 'GET', template: '/v2/integrations/webhook/{id}', access: 'bot' },
  { method: 'PUT', template: '/v2/integrations/webhook/{id}', access: 'admin', body: () => ({ name: 'taken over', url: 'http://127.0.0.1:9/x' }) },
  { method: 'DELETE', template: '/v2/integrations/webhook/{id}', access: 'admin' },
  { method: 'POST', template: '/v2/integrations/webhook/{id}/verify', access: 'admin' },
  { method: 'POST', template: '/v2/integrations/webhook/{id}/dispatch', access: 'bot', body: () => ({ chatId: 'c', userId: 'u' }) },
  { method: 'GET', template: '/v2/integrations/webhook/{id}/deliveries', access: 'bot' },
  { method: 'GET', template: '/v2/integrations/webhook/{id}/deliveries/{deliveryId}', access: 'bot' },
  { method: 'POST', template: '/v2/integrations/webhook/{id}/deliveries/{deliveryId}/retry', access: 'bot' },
  { method: 'POST', template: '/v1/webhooks/{webhookId}/revoke', access: 'unrecorded' },
  { method: 'GET', template: '/v1/invocations/{id}', access: 'bot' },
  { method: 'POST', template: '/v1/invocations/{id}/redeliver', access: 'bot' },
];

/** Routes that take no id but act on a bot named in the request, or list what a key may see. */
const ADMIN_ONLY_WITHOUT_ID: Array<{ method: string; path: string; body?: unknown }> = [
  { method: 'GET', path: '/v1/bots' },
  { method: 'POST', path: '/v1/bots', body: { name: 'intruder' } },
];

/**
 * Check 6: for every route that takes an id, bot A's key against bot B's resources is 404, exactly as
 * for an id that does not exist; bot keys on admin routes are 403; no key is 401. And none of those
 * attempts changed anything of B's.
 */
describe('isolation between bots', () => {
  let app: AppProcess;
  let admin: Admin;
  let http: Http;
  let backend: Peer;
  let a: Resources;
  let b: Resources;

  beforeAll(async () => {
    app = await AppProcess.start('isolation');
    admin = new Admin(app);
    http = admin.http;
    backend = await Peer.polite();
    a = await resourcesOf('A');
    b = await resourcesOf('B');
  });

  afterAll(async () => {
    await admin.close();
    await backend.close();
    await app.stop();
  });

  async function resourcesOf(name: string): Promise<Resources> {
    const bot = await admin.createBot({ name: `isolated ${name}` });
    const key = await http.post(`/v1/bots/${bot.id}/api-keys`, admin.key);
    expectStatus(key, 201, 'creating a key');
    rememberSecrets(key.body.apiKey);
    const connection = await http.post('/v2/integrations/webhook', admin.key, { storyId: bot.id, name: `connection ${name}`, url: backend.url() });
    expectStatus(connection, 201, 'creating a connection');
    const dispatch = await http.post(`/v2/integrations/webhook/${connection.body.id}/dispatch`, bot.apiKey, { chatId: 'c', userId: 'u' });
    expectStatus(dispatch, 200, 'dispatching');
    const issued = await http.post('/v1/webhooks', bot.apiKey, { command: '/isolation' });
    expectStatus(issued, 201, 'issuing a URL');
    const called = await http.post(issued.body.url, undefined, 'hello');
    expectStatus(called, 202, 'calling the URL');
    return { bot, keyId: key.body.id, connection: connection.body.id, delivery: dispatch.body.deliveryId, webhook: issued.body.webhookId, url: issued.body.url, invocation: called.body.invocationId };
  }

  function path(template: string, r: Resources): string {
    return template.replace(/\{(\w+)\}/g, (_, param: string) => {
      if (param === 'keyId') return r.keyId;
      if (param === 'deliveryId') return r.delivery;
      if (param === 'webhookId') return r.webhook;
      if (template.startsWith('/v1/bots')) return r.bot.id;
      if (template.startsWith('/v2/integrations')) return r.connection;
      return r.invocation;
    });
  }

  /** The same route with every id swapped for one of the same shape that exists nowhere. */
  function unknownPath(template: string): string {
    return template.replace(/\{(\w+)\}/g, (_, param: string) => (param === 'id' && !template.startsWith('/v1/invocations') ? 'aaaaaaaaaaaaaaaaaaaaaaaa' : '00000000-0000-4000-8000-000000000000'));
  }

  const masked = (message: string) => message.replace(/[0-9a-f]{24}|[0-9a-f-]{36}/g, '<id>');

  it('covers every documented route that takes an id', async () => {
    const doc = (await http.get('/docs-json')).body;
    const documented = Object.entries<any>(doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${template}`));
    const withId = documented.filter((route) => route.includes('{') && !route.includes(' /w/'));
    expect(withId.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.template}`).sort());
  });

  it("answers bot A's key on bot B's resources with 404, indistinguishable from an unknown id, and bot keys on admin routes with 403", async () => {
    const wrong: string[] = [];
    for (const route of ROUTES.filter((r) => r.method !== 'DELETE' || r.access === 'admin')) {
      const body = route.body?.(b);
      const foreign = await http.call(route.method, path(route.template, b), { headers: { authorization: `Bearer ${a.bot.apiKey}` }, body });
      const expected = route.access === 'admin' ? 403 : route.access === 'bot' ? 404 : undefined;
      if (expected !== undefined && foreign.status !== expected) wrong.push(`${route.method} ${route.template}: A on B → ${foreign.status}, expected ${expected}`);
      if (route.access === 'admin') {
        const own = await http.call(route.method, path(route.template, a), { headers: { authorization: `Bearer ${a.bot.apiKey}` }, body: route.body?.(a) });
        if (own.status !== 403) wrong.push(`${route.method} ${route.template}: A on its own → ${own.status}, expected 403`);
        continue;
      }
      const unknown = await http.call(route.method, unknownPath(route.template), { headers: { authorization: `Bearer ${a.bot.apiKey}` }, body });
      if (unknown.status !== foreign.status || masked(unknown.body?.status?.message ?? '') !== masked(foreign.body?.status?.message ?? '')) {
        wrong.push(`${route.method} ${route.template}: A on B says "${foreign.body?.status?.message}", an unknown id says ${unknown.status} "${unknown.body?.status?.message}"`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps what a bot key may list and issue to its own bot', async () => {
    const connections = await http.get('/v2/integrations/webhook', a.bot.apiKey);
    expect(connections.status).toBe(200);
    expect(connections.body.map((c: { id: string }) => c.id)).toEqual([a.connection]);
    const invocations = await http.get('/v1/invocations', a.bot.apiKey);
    expect(invocations.status).toBe(200);
    expect(invocations.body.items.map((i: { id: string }) => i.id)).toEqual([a.invocation]);
    expect((await http.get(`/v1/invocations?botId=${b.bot.id}`, a.bot.apiKey)).status).toBe(404);
    const updates = await http.get('/v1/updates?timeout=0', a.bot.apiKey);
    expect(updates.status).toBe(200);
    expect(updates.body.map((u: { invocation: { invocationId: string } }) => u.invocation.invocationId)).toEqual([a.invocation]);
    expect((await http.post('/v1/webhooks', a.bot.apiKey, { command: '/x', botId: b.bot.id })).status).toBe(404);
    expect((await http.post('/v2/integrations/webhook', a.bot.apiKey, { storyId: b.bot.id, name: 'x', url: backend.url() })).status).toBe(403);
    for (const { method, path: p, body } of ADMIN_ONLY_WITHOUT_ID) expect((await http.call(method, p, { headers: { authorization: `Bearer ${a.bot.apiKey}` }, body })).status).toBe(403);
    // Mixing one bot's parent with the other's child is as unknown as anything else.
    expect((await http.get(`/v2/integrations/webhook/${a.connection}/deliveries/${b.delivery}`, a.bot.apiKey)).status).toBe(404);
    expect((await http.call('DELETE', `/v1/bots/${a.bot.id}/api-keys/${b.keyId}`, { headers: { authorization: `Bearer ${admin.key}` } })).status).toBe(404);
  });

  it('answers every protected route with 401 without a key', async () => {
    const doc = (await http.get('/docs-json')).body;
    const wrong: string[] = [];
    let checked = 0;
    for (const [template, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!op.security?.length) continue;
        checked += 1;
        const route = ROUTES.find((r) => r.template === template && r.method === method.toUpperCase());
        const res = await http.call(method.toUpperCase(), path(template, b), { body: route?.body?.(b) ?? (method === 'get' || method === 'delete' ? undefined : {}) });
        if (res.status !== 401) wrong.push(`${method.toUpperCase()} ${template} → ${res.status}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
    recordFigures('isolation', { routesWithId: ROUTES.length, protectedRoutes: checked });
  });

  it('answers 401 for a malformed, an unknown and a revoked key', async () => {
    const extra = await http.post(`/v1/bots/${a.bot.id}/api-keys`, admin.key);
    rememberSecrets(extra.body.apiKey);
    expect((await http.get(`/v1/invocations/${a.invocation}`, extra.body.apiKey)).status).toBe(200);
    expect((await http.call('DELETE', `/v1/bots/${a.bot.id}/api-keys/${extra.body.id}`, { headers: { authorization: `Bearer ${admin.key}` } })).status).toBe(200);
    for (const key of [extra.body.apiKey, `bh_bot_${'A'.repeat(43)}`, 'bh_bot_', a.bot.apiKey.slice(0, -1)]) {
      expect((await http.get(`/v1/invocations/${a.invocation}`, key)).status).toBe(401);
    }
    expect((await http.get(`/v1/invocations/${a.invocation}`, undefined, { headers: { authorization: `Basic ${a.bot.apiKey}` } })).status).toBe(401);
  });

  it("left everything of bot B's as it was", async () => {
    const bot = await http.get(`/v1/bots/${b.bot.id}`, admin.key);
    expect(bot.status).toBe(200);
    expect(bot.body.name).toBe('isolated B');
    expect((await http.get(`/v2/integrations/webhook/${b.connection}`, b.bot.apiKey)).body.name).toBe('connection B');
    expect((await http.get(`/v1/invocations/${b.invocation}`, b.bot.apiKey)).status).toBe(200);
    // A's attempt to revoke B's URL stopped nothing.
    expect((await http.post(b.url, undefined, 'still issued')).status).toBe(202);
    const deliveries = await http.get(`/v2/integrations/webhook/${b.connection}/deliveries`, b.bot.apiKey);
    expect(deliveries.body.items.map((d: { id: string }) => d.id)).toEqual([b.delivery]);
  });
});
