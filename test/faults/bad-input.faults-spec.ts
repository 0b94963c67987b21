import { connect } from 'node:net';
import { Admin, Bot } from './utils/api';
import { AppProcess } from './utils/app-process';
import { HOSTILE_BODIES, HOSTILE_CONTENT_TYPES, HOSTILE_VALUES, ODD_IDS, ODD_QUERY_VALUES, Random } from './utils/fuzz';
import { auth, Http, inParallel } from './utils/http';
import { Peer } from './utils/peers';
import { recordFigures } from './utils/run';

interface Route {
  method: string;
  /** OpenAPI template, `/v1/bots/{id}`. */
  template: string;
  params: string[];
  query: string[];
  body: Record<string, unknown> | undefined;
}

interface Attempt {
  label: string;
  method: string;
  path: string;
  key?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Routes whose honest answer to a broken backend is 502, 503 or 504. */
const DISPATCHES = /\/dispatch$|\/retry$/;

/**
 * Check 5: random and mutated requests at every route the app documents, and at issued URLs: wrong
 * types, huge strings, deep nesting, `__proto__` and `constructor` keys, invalid UTF-8, wrong content
 * types, odd ids and query values. No 5xx (other than a dispatch's honest 502/503/504), the process
 * stays up, and its memory stays bounded.
 */
/** Growth in both measured rounds beyond this (over 6 KiB for each of a round's ~5,000 requests) is memory kept from them. */
const LEAK_PER_ROUND = 32 * 1024 * 1024;

describe('bad input at every route', () => {
  let app: AppProcess;
  let admin: Admin;
  let backend: Peer;
  let bot: Bot;
  const ids: Record<string, string> = {};
  const issuedUrls: string[] = [];

  beforeAll(async () => {
    app = await AppProcess.start('bad-input');
    admin = new Admin(app);
    backend = await Peer.polite();
    bot = await admin.createBot({ name: 'fuzzed' });
    ids.bot = bot.id;
    const key = await admin.http.post(`/v1/bots/${bot.id}/api-keys`, admin.key);
    ids.key = key.body.id;
  });

  afterAll(async () => {
    await admin.close();
    await backend.close();
    await app.stop();
  });

  it('never answers 5xx, stays up and keeps its memory bounded', async () => {
    const http = new Http(app.url, 8);
    const doc = (await http.get('/docs-json')).body;
    const routes = routesFrom(doc);
    await createResources(http, routes);

    const random = new Random(20261121);
    const attempts: Attempt[] = [];
    for (const route of routes) attempts.push(...attacks(route, random));
    for (const url of issuedUrls) attempts.push(...issuedUrlAttacks(url, random));
    // Destructive calls on the real resources go last, so that everything before them meets real data.
    attempts.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

    const unexpected: string[] = [];
    const statuses = new Map<number, number>();
    const send = (batch: Attempt[]) =>
      inParallel(batch.length, 8, async (i) => {
        const attempt = batch[i];
        try {
          const res = await http.call(attempt.method, attempt.path, { headers: { ...auth(attempt.key), ...attempt.headers }, body: attempt.body, timeoutMs: 20_000 });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const honest = DISPATCHES.test(attempt.path.split('?')[0]) && [502, 503, 504].includes(res.status);
          if (res.status >= 500 && !honest) unexpected.push(`${attempt.method} ${attempt.path.slice(0, 120)} [${attempt.label}] → ${res.status} ${res.text.slice(0, 200)}`);
        } catch (error) {
          unexpected.push(`${attempt.method} ${attempt.path.slice(0, 120)} [${attempt.label}] → no answer: ${(error as Error).message}`);
        }
      });
    // The same hostile traffic three times. The first warms caches and pools up; a leak then grows memory
    // by about the same amount in each later round, while a collection can only make one round look
    // smaller, never both larger.
    const rssBefore = app.rss();
    const kept = attempts.filter((a) => a.method !== 'DELETE');
    await send(kept);
    const rssAfterFirst = app.rss();
    await send(kept);
    const rssAfterSecond = app.rss();
    await send(kept);
    const rssAfterThird = app.rss();
    await send(attempts.filter((a) => a.method === 'DELETE'));
    const raw = await rawAttacks(app.port);
    const rssAfter = app.rss();

    expect(unexpected).toEqual([]);
    expect(raw.filter((line) => !/^HTTP\/1\.1 4\d\d /.test(line.answer)).map((line) => `${line.label}: ${line.answer}`)).toEqual([]);
    expect(app.alive()).toBe(true);
    expect((await http.get('/health')).status).toBe(200);
    expect(Math.min(rssAfterSecond - rssAfterFirst, rssAfterThird - rssAfterSecond)).toBeLessThan(LEAK_PER_ROUND);
    expect(rssAfter).toBeLessThan(448 * 1024 * 1024);
    await http.close();
    recordFigures('bad input', {
      routes: routes.length,
      requests: 3 * kept.length + (attempts.length - kept.length) + raw.length,
      unexpected5xx: unexpected.length,
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      rssBeforeMb: Math.round(rssBefore / 1048576),
      rssAfterFirstRoundMb: Math.round(rssAfterFirst / 1048576),
      rssAfterSecondRoundMb: Math.round(rssAfterSecond / 1048576),
      rssAfterThirdRoundMb: Math.round(rssAfterThird / 1048576),
      rssAfterMb: Math.round(rssAfter / 1048576),
    });
  });

  /** Real resources of each kind the documented routes know, so valid ids reach the deepest code. */
  async function createResources(http: Http, routes: Route[]): Promise<void> {
    const has = (method: string, template: string) => routes.some((r) => r.method === method && r.template === template);
    if (has('POST', '/v2/integrations/webhook')) {
      const res = await http.post('/v2/integrations/webhook', admin.key, { storyId: bot.id, name: 'fuzzed', url: backend.url() });
      ids.connection = res.body.id;
      const dispatch = await http.post(`/v2/integrations/webhook/${ids.connection}/dispatch`, bot.apiKey, { chatId: 'c1', userId: 'u1' });
      ids.delivery = dispatch.body.deliveryId;
    }
    if (has('POST', '/v1/webhooks')) {
      for (const body of [{ command: '/fuzz' }, { command: '/fuzz', userId: 7, content: { a: 1 }, params: { p: 'q' }, mode: 'async', expiresIn: 3600 }]) {
        const res = await http.post('/v1/webhooks', bot.apiKey, body);
        issuedUrls.push(res.body.url);
        ids.webhook = res.body.webhookId;
      }
      const call = await http.post(issuedUrls[0], undefined, { hello: 'world' });
      ids.invocation = call.body.invocationId;
    }
  }

  function idFor(template: string, param: string): string {
    if (param === 'keyId') return ids.key;
    if (param === 'deliveryId') return ids.delivery;
    if (param === 'webhookId') return ids.webhook;
    if (template.startsWith('/v1/bots')) return ids.bot;
    if (template.startsWith('/v2/integrations')) return ids.connection;
    if (template.startsWith('/v1/invocations')) return ids.invocation;
    return ids.bot;
  }

  function pathWith(route: Route, override?: [string, string]): string {
    return route.template.replace(/\{(\w+)\}/g, (_, param: string) => (override && override[0] === param ? override[1] : (idFor(route.template, param) ?? '000000000000000000000000')));
  }

  function attacks(route: Route, random: Random): Attempt[] {
    const out: Attempt[] = [];
    const { method } = route;
    const keys = [admin.key, bot.apiKey];
    const base = pathWith(route);
    const body = route.body ?? {};
    for (const param of route.params) {
      for (const odd of ODD_IDS) out.push({ label: `odd ${param}`, method, path: pathWith(route, [param, odd]), key: random.pick(keys), ...json(body) });
    }
    for (const param of [...route.query, 'botId', 'limit', 'cursor']) {
      for (const odd of ODD_QUERY_VALUES) out.push({ label: `odd query ${param}`, method, path: `${base}?${param}=${odd}`, key: random.pick(keys) });
      for (const shape of [`${param}=1&${param}=2`, `${param}[]=1`, `${param}[a]=1`, `${param}[__proto__][x]=1`]) out.push({ label: `query shape ${shape}`, method, path: `${base}?${shape}`, key: random.pick(keys) });
    }
    out.push({ label: 'query pollution', method, path: `${base}?__proto__[polluted]=1&constructor[prototype][x]=1`, key: admin.key });
    if (method === 'GET' || method === 'DELETE') {
      out.push({ label: 'unexpected body', method, path: base, key: admin.key, ...json({ surprise: true }) });
      return out;
    }
    for (const field of Object.keys(body)) {
      for (const value of HOSTILE_VALUES) out.push({ label: `${field} = ${JSON.stringify(value)?.slice(0, 30)}`, method, path: base, key: random.pick(keys), ...json({ ...body, [field]: value }) });
    }
    for (const value of HOSTILE_VALUES) out.push({ label: 'whole body', method, path: base, key: admin.key, ...json(value) });
    for (const [label, raw] of HOSTILE_BODIES) out.push({ label, method, path: base, key: random.pick(keys), headers: { 'content-type': 'application/json' }, body: raw });
    for (const type of HOSTILE_CONTENT_TYPES) out.push({ label: `content-type ${type}`, method, path: base, key: admin.key, headers: { 'content-type': type }, body: JSON.stringify(body) });
    for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown']) out.push({ label: `content-encoding ${encoding}`, method, path: base, key: admin.key, headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: JSON.stringify(body) });
    for (let i = 0; i < 40; i++) {
      const mutated: Record<string, unknown> = { ...body };
      for (const field of Object.keys(mutated)) if (random.next() < 0.5) mutated[field] = random.json();
      if (random.next() < 0.3) mutated[random.string(10)] = random.json();
      out.push({ label: `random #${i}`, method, path: base, key: random.pick(keys), ...json(random.next() < 0.1 ? random.json() : mutated) });
    }
    return out;
  }

  function issuedUrlAttacks(url: string, random: Random): Attempt[] {
    const out: Attempt[] = [];
    const path = url.slice(app.url.length);
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) out.push({ label: `issued URL ${method}`, method, path });
    for (const [label, raw] of HOSTILE_BODIES) out.push({ label: `issued URL body ${label}`, method: 'POST', path, headers: { 'content-type': 'application/json' }, body: raw });
    for (const type of HOSTILE_CONTENT_TYPES) out.push({ label: `issued URL ${type}`, method: 'POST', path, headers: { 'content-type': type }, body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) });
    for (const odd of ODD_QUERY_VALUES) out.push({ label: 'issued URL appended query', method: 'GET', path: `${path}${path.includes('?') ? '&' : '?'}amount=${odd}&__proto__[x]=${odd}` });
    for (const header of ['idempotency-key', 'webhook-id', 'x-forwarded-for', 'x-request-id']) {
      for (const value of ['', 'a'.repeat(8000), '__proto__', '\u00ff\u00fe', '1, 2, 3']) out.push({ label: `issued URL ${header}`, method: 'POST', path, headers: { [header]: value }, body: 'x' });
    }
    for (let i = 0; i < 20; i++) out.push({ label: `issued URL random #${i}`, method: 'POST', path, ...json(random.json()) });
    return out;
  }
});

function json(value: unknown): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) ?? 'null' };
}

/** Every route of the OpenAPI document, with a body of the right shape to mutate. */
function routesFrom(doc: any): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries<any>(doc.paths)) {
    for (const [method, operation] of Object.entries<any>(operations)) {
      // An event stream answers a good request by staying open: its refusals are tested on their own
      // (test/delivery/invocations-stream.e2e.ts), not by a fuzzer that waits for each answer to end.
      if (operation.responses?.['200']?.content?.['text/event-stream']) continue;
      const parameters: any[] = operation.parameters ?? [];
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        template,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        body: schema ? (sample(schema, doc, 0) as Record<string, unknown>) : undefined,
      });
    }
  }
  return routes;
}

function sample(schema: any, doc: any, depth: number): unknown {
  if (schema.$ref) return sample(doc.components.schemas[schema.$ref.split('/').pop()], doc, depth);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (depth > 4) return null;
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries<any>(schema.properties ?? {})) out[name] = sample(property, doc, depth + 1);
      return out;
    }
    case 'array':
      return [sample(schema.items ?? {}, doc, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      return schema.format === 'uri' ? 'http://127.0.0.1:9/x' : 'x';
    default:
      return 'x';
  }
}

/** Requests that no HTTP client library would send: broken request lines, headers and framing. */
async function rawAttacks(port: number): Promise<Array<{ label: string; answer: string }>> {
  const cases: Array<[string, string | Buffer]> = [
    ['bad request line', 'GARBAGE\r\n\r\n'],
    ['unknown method', 'BREW /v1/bots HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['absolute-form target', 'GET http://evil.example/v1/bots HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['invalid percent encoding', 'GET /v1/bots/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['raw invalid UTF-8 in path', Buffer.concat([Buffer.from('GET /v1/bots/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])],
    ['100 KB URL', `GET /v1/bots?${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['100 KB header', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`],
    ['content-length lies', 'POST /v1/bots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{}'],
    ['both content-length and chunked', 'POST /v1/bots HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['bad chunk size', 'POST /v1/bots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['negative content-length', 'POST /v1/bots HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
    ['header without colon', 'GET /health HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n'],
    ['bare LF line ends', 'GET /health HTTP/1.1\nHost: x\n\n'],
    ['authorization with invalid UTF-8', Buffer.concat([Buffer.from('GET /v1/bots HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer bh_admin_'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('\r\n\r\n')])],
  ];
  const answers: Array<{ label: string; answer: string }> = [];
  for (const [label, text] of cases) answers.push({ label, answer: await rawRequest(port, text) });
  return answers;
}

function rawRequest(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received.split('\r\n')[0] || 'closed without an answer');
    };
    // A request the server is still waiting on (a body that never comes) answers nothing: that is fine.
    const timer = setTimeout(done, 3000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.end(text);
  });
}
