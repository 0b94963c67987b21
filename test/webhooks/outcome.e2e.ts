import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { FakeRuntime, RuntimeReply } from '../utils/runtime';
import { bearer, TestApp, TestBot } from '../utils/test-app';

/** What a sync call answers when its runtime fails, what a failure costs a single-use URL, and what a runtime may put on the answer. */
describe('webhooks: the outcome of a sync call', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let fixture: RuntimeApp;

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ RUNTIME_TIMEOUT_MS: '300', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    ({ t, runtime, bot } = fixture);
  });
  afterAll(() => fixture.close());
  beforeEach(() => {
    runtime.deliveries.length = 0;
    runtime.onDelivery = () => ({ body: {} });
  });

  const issue = async (body: Record<string, unknown>, key = bot.apiKey) => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(key)).send(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { webhookId: string; url: string };
  };
  const pathOf = (url: string) => url.slice(url.indexOf('/w/'));
  const invocationsOf = async (webhookId: string) =>
    (await t.db.query('SELECT id, status, error FROM invocations WHERE webhook_id = $1 ORDER BY id', [webhookId])).rows;
  /** A port nothing listens on. */
  const closedPortUrl = async () => {
    const gone = await FakeRuntime.start();
    await gone.close();
    return gone.url;
  };

  describe('a failed runtime tells the anonymous caller only which failure it was', () => {
    const cases: [string, string, () => RuntimeReply, RegExp][] = [
      ['runtime_timeout', 'the bot runtime did not answer in time', () => 'hang', /^timeout of 300ms exceeded$/],
      ['runtime_bad_reply', 'the bot runtime gave a reply that could not be read', () => ({ body: '{"messages": [' }), /invalid JSON/],
      ['runtime_error', 'the bot runtime reported an error', () => ({ body: { error: 'db at 10.0.0.5:5432 refused: password for admin' } }), /db at 10\.0\.0\.5:5432 refused/],
      ['runtime_error', 'the bot runtime reported an error', () => ({ status: 500, body: 'Traceback at /srv/bot/main.py' }), /status code 500/],
    ];
    it.each(cases)('%s: the message says no more than the reason; the bot key reads the detail', async (reason, message, reply, detail) => {
      runtime.onDelivery = reply;
      const issued = await issue({ command: '/fails' });
      const res = await t.http.get(pathOf(issued.url));
      expect(res.status).toBe(503);
      expect(res.body.status).toEqual({ code: 503, type: 'service_unavailable', message, reason });
      expect(res.body.status.message).not.toMatch(/127\.0\.0\.1|10\.0\.0\.5|:\d{2,5}\b|Traceback|password|ECONN/);
      const [row] = await invocationsOf(issued.webhookId);
      const read = await t.http.get(`/v1/invocations/${row.id}`).set(...bearer(bot.apiKey));
      expect(read.body).toMatchObject({ status: 'failed', error: expect.stringMatching(detail) });
    });

    it('runtime_unreachable: no address or port in the message; the detail is on the invocation', async () => {
      const lonely = await t.createBot({ runtimeUrl: await closedPortUrl() });
      const issued = await issue({ command: '/unreachable' }, lonely.apiKey);
      const res = await t.http.get(pathOf(issued.url));
      expect(res.status).toBe(503);
      expect(res.body.status).toEqual({ code: 503, type: 'service_unavailable', message: 'the bot runtime could not be reached', reason: 'runtime_unreachable' });
      expect(res.body.status.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:\d{2,5}\b/);
      const [row] = await invocationsOf(issued.webhookId);
      const read = await t.http.get(`/v1/invocations/${row.id}`).set(...bearer(lonely.apiKey));
      expect(read.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/ECONNREFUSED 127\.0\.0\.1:\d+/) });
    });
  });

  describe('single use means the runtime saw it once', () => {
    it('keeps the use when the runtime timed out: the next call is 410 url_used and the runtime saw one request', async () => {
      // The runtime holds the request open, past the deadline, until the suite closes it.
      runtime.onDelivery = () => 'hang';
      const issued = await issue({ command: '/once', singleUse: true });
      const first = await t.http.get(pathOf(issued.url));
      expect(first.status).toBe(503);
      expect(first.body.status.reason).toBe('runtime_timeout');
      await runtime.received(1);
      runtime.onDelivery = () => ({ body: { messages: ['ran again'] } });
      const second = await t.http.get(pathOf(issued.url));
      expect(second.status).toBe(410);
      expect(second.body.status.reason).toBe('url_used');
      expect(runtime.deliveries).toHaveLength(1);
      expect(await invocationsOf(issued.webhookId)).toEqual([expect.objectContaining({ status: 'failed' })]);
    });

    it.each([
      ['an error in the reply', () => ({ body: { error: 'boom' } })],
      ['a 500', () => ({ status: 500 })],
      ['invalid JSON', () => ({ body: 'not json' })],
    ])('keeps the use when the runtime answered %s', async (_kind, reply: () => RuntimeReply) => {
      runtime.onDelivery = reply;
      const issued = await issue({ command: '/once', singleUse: true });
      expect((await t.http.get(pathOf(issued.url))).status).toBe(503);
      runtime.onDelivery = () => ({ body: { messages: ['ran again'] } });
      for (let i = 0; i < 4; i++) {
        const again = await t.http.get(pathOf(issued.url));
        expect([again.status, again.body.status.reason]).toEqual([410, 'url_used']);
      }
      expect(runtime.deliveries).toHaveLength(1);
    });

    it('gives the use back when nothing reached the runtime, and a call once it is up runs the command', async () => {
      const later = await t.createBot({ runtimeUrl: await closedPortUrl() });
      runtime.signingSecret = later.signingSecret;
      const issued = await issue({ command: '/once', singleUse: true }, later.apiKey);
      const first = await t.http.get(pathOf(issued.url));
      expect([first.status, first.body.status.reason]).toEqual([503, 'runtime_unreachable']);
      expect((await t.http.patch(`/v1/bots/${later.id}`).set(...bearer(t.adminKey)).send({ runtimeUrl: runtime.url })).status).toBe(200);
      runtime.onDelivery = () => ({ body: { messages: ['done'] } });
      const second = await t.http.get(pathOf(issued.url));
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ answer: 'done', messages: ['done'] });
      expect((await t.http.get(pathOf(issued.url))).status).toBe(410);
      expect(runtime.deliveries).toHaveLength(1);
      runtime.signingSecret = bot.signingSecret;
    });
  });

  it("serves a runtime's HTML sandboxed and unsniffable, without the headers a runtime may not set", async () => {
    runtime.onDelivery = () => ({
      body: {
        response: {
          status: 200,
          headers: {
            'content-type': 'text/html',
            'x-accel-redirect': '/internal/secret',
            'x-sendfile': '/etc/passwd',
            'x-content-type-options': 'none',
            'x-frame-options': 'ALLOWALL',
            'x-forwarded-for': '10.0.0.1',
            location: 'javascript:alert(1)',
            'content-security-policy': "default-src *",
            'x-order': 'A-1',
          },
          body: '<script>alert(document.cookie)</script>',
        },
      },
    });
    const res = await t.http.get(pathOf((await issue({ command: '/html' })).url));
    expect(res.status).toBe(200);
    expect(res.text).toBe('<script>alert(document.cookie)</script>');
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.headers['content-security-policy']).toBe('sandbox');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-order']).toBe('A-1');
    for (const name of ['x-accel-redirect', 'x-sendfile', 'x-frame-options', 'x-forwarded-for', 'location']) expect(res.headers[name]).toBeUndefined();

    runtime.onDelivery = () => ({ body: { response: { status: 302, headers: { location: '//evil.example/' } } } });
    const protocolRelative = await t.http.get(pathOf((await issue({ command: '/r' })).url)).redirects(0);
    expect(protocolRelative.headers.location).toBeUndefined();
  });
});
