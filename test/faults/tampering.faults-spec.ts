import { Admin, Bot, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';
import { Http, inParallel } from './utils/http';
import { recordFigures } from './utils/run';

interface Forgery {
  what: string;
  url: string;
}

/** Characters that keep a URL a URL: a change never turns into a path separator or a fragment. */
const SAFE = 'Aa0-_.~Zz9';

/**
 * Check 8: for a sample of issued URLs, every single-character change and every removal or addition of a
 * signed part is refused with 403; a used single-use URL is 410; the signature comparison does not leak
 * how much of a forged signature was right.
 */
describe('tampering with issued URLs', () => {
  let app: AppProcess;
  let admin: Admin;
  let http: Http;
  let bot: Bot;
  const samples: string[] = [];

  beforeAll(async () => {
    app = await AppProcess.start('tampering');
    admin = new Admin(app);
    http = new Http(app.url, 16);
    // No runtime: every genuine call is accepted (202) and waits in the update queue.
    bot = await admin.createBot({ name: 'tampered' });
    for (const body of [
      { command: '/start' },
      { command: '/pay', userId: 42, chatId: 'chat-7', content: { plan: 'pro', seats: 3 }, params: { order: 'A-1', note: 'x y/z' }, redirect: 'https://shop.example/thanks', expiresIn: 3600, mode: 'async' },
      { command: '/once', userId: '9', singleUse: true, params: { k: 'v' } },
    ]) {
      const res = await http.post('/v1/webhooks', bot.apiKey, body);
      expectStatus(res, 201, 'issuing a URL');
      samples.push(res.body.url);
    }
  });

  afterAll(async () => {
    await http.close();
    await admin.close();
    await app.stop();
  });

  it('refuses every single-character change and every removed or added signed part with 403', async () => {
    const forgeries = samples.flatMap((url) => [...characterChanges(url), ...partChanges(url)]);
    const wrong: string[] = [];
    await inParallel(forgeries.length, 16, async (i) => {
      const { what, url } = forgeries[i];
      const res = await http.post(url, undefined, 'forged');
      if (res.status !== 403) wrong.push(`${what}: ${res.status} ${res.text.slice(0, 120)}`);
    });
    expect(wrong).toEqual([]);
    // The genuine URLs still work, and the caller may append parameters of its own.
    for (const url of samples.slice(0, 2)) {
      expect((await http.post(url, undefined, 'genuine')).status).toBe(202);
      expect((await http.post(`${url}${url.includes('?') ? '&' : '?'}amount=5`, undefined, 'genuine')).status).toBe(202);
    }
    recordFigures('tampering', { urls: samples.length, forgeries: forgeries.length, accepted: wrong.length });
  });

  it('answers a used single-use URL with 410', async () => {
    const once = samples[2];
    expect((await http.post(once, undefined, 'first')).status).toBe(202);
    const again = await http.post(once, undefined, 'second');
    expect(again.status).toBe(410);
    expect(again.body.status.type).toBe('gone');
    expect((await http.get(once)).status).toBe(410);
  });
});

/** Every position of the token and the issued query, changed to one other URL-safe character. */
function characterChanges(url: string): Forgery[] {
  const start = url.indexOf('/w/') + 3;
  const out: Forgery[] = [];
  for (let i = start; i < url.length; i++) {
    const replacement = [...SAFE].find((c) => c !== url[i] && !(url[i] === '%' && c === '.'))!;
    out.push({ what: `character ${i - start} of ${url.slice(start, start + 20)}… "${url[i]}" → "${replacement}"`, url: url.slice(0, i) + replacement + url.slice(i + 1) });
    // Base64url letters also change case, which some stores and proxies do on their own.
    const swapped = url[i] === url[i].toUpperCase() ? url[i].toLowerCase() : url[i].toUpperCase();
    if (swapped !== url[i] && swapped !== replacement) out.push({ what: `case of character ${i - start} "${url[i]}"`, url: url.slice(0, i) + swapped + url.slice(i + 1) });
  }
  return out;
}

/** The signed parts taken away one at a time, and parts added where the signature covers them. */
function partChanges(url: string): Forgery[] {
  const [base, query = ''] = url.split('?');
  const prefix = base.slice(0, base.indexOf('/w/') + 3);
  const segments = base.slice(prefix.length).split('.');
  const params = query === '' ? [] : query.split('&');
  const out: Forgery[] = [];
  const build = (segs: string[], ps: string[]) => `${prefix}${segs.join('.')}${ps.length ? `?${ps.join('&')}` : ''}`;
  segments.forEach((_, i) => out.push({ what: `segment ${i} removed`, url: build(segments.filter((__, j) => j !== i), params) }));
  out.push({ what: 'segment added in front', url: build(['x', ...segments], params) });
  out.push({ what: 'segment added at the end', url: build([...segments, 'x'], params) });
  params.forEach((_, i) => out.push({ what: `issued param ${params[i]} removed`, url: build(segments, params.filter((__, j) => j !== i)) }));
  if (params.length) out.push({ what: 'issued query removed', url: build(segments, []) });
  // Without issued params, whatever follows `?` is the caller's own and allowed.
  if (params.length) out.push({ what: 'param added in front of the issued ones', url: build(segments, ['extra=1', ...params]) });
  if (params.length > 1) out.push({ what: 'param added among the issued ones', url: build(segments, [params[0], 'extra=1', ...params.slice(1)]) });
  if (params.length > 1) out.push({ what: 'issued params reordered', url: build(segments, [...params].reverse()) });

  // Inside the signed payload: each field removed, and each field it lacks added.
  const payload = JSON.parse(Buffer.from(segments[2], 'base64url').toString('utf8')) as Record<string, unknown>;
  const additions: Record<string, unknown> = { u: '1', h: '1', o: { admin: true }, r: 'https://evil.example/', e: 4102444800, s: 1, m: 1, q: 0, x: 1 };
  const withPayload = (value: Record<string, unknown>) => build([segments[0], segments[1], Buffer.from(JSON.stringify(value)).toString('base64url'), segments[3]], params);
  for (const field of Object.keys(payload)) {
    const { [field]: _removed, ...rest } = payload;
    out.push({ what: `payload field ${field} removed`, url: withPayload(rest) });
  }
  for (const [field, value] of Object.entries(additions)) {
    if (!(field in payload)) out.push({ what: `payload field ${field} added`, url: withPayload({ ...payload, [field]: value }) });
  }
  return out;
}
