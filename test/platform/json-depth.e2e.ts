import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

/** `levels` nested objects in all, the outermost being the body itself. */
const nestedBody = (levels: number, field = 'content'): string => `{"${field}":` + '{"a":'.repeat(levels - 2) + '{}' + '}'.repeat(levels - 2) + '}';

describe('JSON bodies nested past 64 levels', () => {
  let t: TestApp;
  let bot: TestBot;

  beforeAll(async () => {
    t = await startApp();
    bot = await t.createBot();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['/v1/webhooks', 'bot'],
    ['/v1/bots', 'admin'],
    ['/v2/integrations/webhook', 'admin'],
    ['/v2/responses/validate', 'bot'],
  ])('refuses 100,000 levels on POST %s with 400 before any handler runs', async (path, who) => {
    const key = who === 'admin' ? t.adminKey : bot.apiKey;
    const res = await t.http.post(path).set(...bearer(key)).set('content-type', 'application/json').send(nestedBody(100_000));
    expect(res.status).toBe(400);
    expect(res.body.status).toEqual({ code: 400, type: 'bad_request', message: 'request body is nested more than 64 levels deep', reason: 'validation_failed' });
    expect(res.body.timestamp).toEqual(expect.any(String));
  });

  it('refuses 65 levels and accepts 64 on POST /v1/webhooks', async () => {
    const deep = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).set('content-type', 'application/json').send(nestedBody(65).replace(/^\{/, '{"command":"/deep",'));
    expect(deep.status).toBe(400);
    const fits = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).set('content-type', 'application/json').send(nestedBody(64).replace(/^\{/, '{"command":"/deep",'));
    expect(fits.status).toBe(201);
  });

  it('judges a 64-level reply on /v2/responses/validate instead of refusing it', async () => {
    const res = await t.http.post('/v2/responses/validate').set(...bearer(bot.apiKey)).set('content-type', 'application/json').send(nestedBody(64, 'responses'));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'responses' })]));
  });
});
