import { rawRequest } from '../utils/raw-http';
import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { FakeRuntime } from '../utils/runtime';
import { bearer, TestApp, TestBot } from '../utils/test-app';

/** RFC 9112 §3.2: an issued URL called with an absolute-form target is the same call as in origin form. */
describe('request targets of issued URLs', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let fixture: RuntimeApp;

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    ({ t, runtime, bot } = fixture);
  });
  afterAll(() => fixture.close());

  const issue = async (body: Record<string, unknown>) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send(body);
    expect(res.status).toBe(201);
    return res.body.url.slice(res.body.url.indexOf('/w/')) as string;
  };

  it('answers GET http://host/w/… exactly as GET /w/…, the signature checked over the same raw query', async () => {
    runtime.onDelivery = () => ({ body: { messages: ['pong'] } });
    const path = await issue({ command: '/abs', mode: 'sync', params: { order: 'A 1' } });
    const before = runtime.deliveries.length;
    const absolute = await rawRequest(t.url, `GET http://${new URL(t.url).host}${path}&extra=%20x HTTP/1.1`);
    expect(absolute.status).toBe(200);
    expect(JSON.parse(absolute.body)).toEqual({ answer: 'pong', messages: ['pong'] });
    const [delivery] = (await runtime.received(before + 1)).slice(before);
    expect(delivery.body.command).toBe('/abs');
    expect(delivery.body.options.params).toEqual({ order: 'A 1', extra: ' x' });
    expect(delivery.body.options.url).toMatch(new RegExp(`^http://[^/]+${path.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')}&extra=%20x$`));
  });

  it('answers POST http://host/w/… with 202 for an async URL, as in origin form', async () => {
    const path = await issue({ command: '/abs-async', mode: 'async' });
    const origin = await rawRequest(t.url, `POST ${path} HTTP/1.1`, 'a=1');
    const absolute = await rawRequest(t.url, `POST http://bothooks.example${path} HTTP/1.1`, 'a=1');
    expect([origin.status, absolute.status]).toEqual([202, 202]);
    const { rows } = await t.db.query('SELECT command FROM invocations WHERE id = $1', [JSON.parse(absolute.body).invocationId]);
    expect(rows).toEqual([{ command: '/abs-async' }]);
  });

  it('still refuses a tampered signature in absolute form', async () => {
    const path = await issue({ command: '/abs-bad', mode: 'async' });
    const res = await rawRequest(t.url, `GET http://${new URL(t.url).host}${path.slice(0, -2)}xx HTTP/1.1`);
    expect(res.status).toBe(403);
  });
});
