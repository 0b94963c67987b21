import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('headers on every answer', () => {
  let t: TestApp;
  let bot: TestBot;
  let issuedPath: string;
  let connectionId: string;

  beforeAll(async () => {
    t = await startApp({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    bot = await t.createBot();
    const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/headers', mode: 'async' });
    issuedPath = issued.body.url.slice(issued.body.url.indexOf('/w/'));
    const connection = await t.http.post('/v2/integrations/webhook').set(...bearer(t.adminKey)).send({ storyId: bot.id, name: 'headers', url: 'https://example.com/hook' });
    expect(connection.status).toBe(201);
    connectionId = connection.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends x-content-type-options: nosniff and x-request-id on every kind of answer', async () => {
    const answers = [
      await t.http.get('/health'),
      await t.http.get('/docs/'),
      await t.http.get('/docs-json'),
      await t.http.get('/v1/bots').set(...bearer(t.adminKey)),
      await t.http.get('/v1/bots'),
      await t.http.get('/no/such/route'),
      await t.http.get(issuedPath),
      await t.http.get('/w/forged.0.token.signature'),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 401, 404, 202, 403]);
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    }
  });

  it('sends cache-control: no-store on every answer of the authenticated API, errors included', async () => {
    const answers = [
      await t.http.get(`/v1/bots/${bot.id}`).set(...bearer(t.adminKey)),
      await t.http.get(`/v2/integrations/webhook/${connectionId}`).set(...bearer(t.adminKey)),
      await t.http.post(`/v1/bots/${bot.id}/api-keys`).set(...bearer(t.adminKey)),
      await t.http.get('/v1/bots'),
      await t.http.get('/v1/bots/0123456789abcdef01234567').set(...bearer(t.adminKey)),
      await t.http.post('/v1/bots').set(...bearer(t.adminKey)).send({ nope: true }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 201, 401, 404, 400]);
    expect(answers[0].body.signingSecret).toEqual(expect.any(String));
    for (const res of answers) expect(res.headers['cache-control']).toBe('no-store');
  });
});
