import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

describe('POST /v2/responses/validate', () => {
  let t: TestApp;
  let bot: TestBot;
  beforeAll(async () => {
    t = await startApp();
    bot = await t.createBot();
  });
  afterAll(async () => {
    await t.close();
  });

  const validate = (key: string) => t.http.post('/v2/responses/validate').set(...bearer(key));

  const reply = {
    responses: [
      { type: 'text', message: 'Hi!' },
      { type: 'quickReplies', title: 'Pick', buttons: [{ type: 'postback', title: 'Yes', value: 'yes' }], delay: 300 },
      { type: 'buttons', title: 'Open', buttons: [{ type: 'webview', title: 'App', value: 'https://example.com/app' }] },
    ],
    attributes: { plan: 'pro', score: 3, vip: true, note: null },
  };

  const normalized = {
    responses: [
      { type: 'text', message: 'Hi!', delay: 1000 },
      { type: 'quickReplies', title: 'Pick', buttons: [{ type: 'postback', title: 'Yes', value: 'yes' }], delay: 300 },
      {
        type: 'buttons',
        title: 'Open',
        buttons: [{ type: 'webview', title: 'App', value: 'https://example.com/app', height: 'compact' }],
        delay: 1000,
      },
    ],
    attributes: { plan: 'pro', score: 3, vip: true, note: null },
  };

  it('answers 401 without a key or with an unknown one', async () => {
    const none = await t.http.post('/v2/responses/validate').send(reply);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ timestamp: expect.any(String), status: { code: 401, type: 'unauthorized', message: expect.any(String) } });
    expect((await validate(`bh_bot_${'A'.repeat(43)}`).send(reply)).status).toBe(401);
  });

  it('accepts a bot key and answers the reply normalized, defaults filled', async () => {
    const res = await validate(bot.apiKey).send(reply);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, normalized });
  });

  it('accepts an admin key', async () => {
    const res = await validate(t.adminKey).send(reply);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, normalized });
  });

  it('treats an empty object and an empty body as the empty reply', async () => {
    const empty = { valid: true, normalized: { responses: [], attributes: {} } };
    expect((await validate(bot.apiKey).send({})).body).toEqual(empty);
    const bodyless = await validate(bot.apiKey);
    expect(bodyless.status).toBe(200);
    expect(bodyless.body).toEqual(empty);
  });

  it('answers 422 listing every violation with its path, unknown fields included', async () => {
    const res = await validate(bot.apiKey).send({
      responses: [
        { type: 'text', message: '', delay: 50 },
        { type: 'quickReplies', title: 'Pick', buttons: [{ type: 'url', title: 'Site', value: 'https://example.com' }] },
        {
          type: 'cards',
          elements: [
            {
              title: 'Card',
              subtitle: 'Sub',
              imageUrl: 'javascript:alert(1)',
              buttons: [{ type: 'goto', title: 'Go', value: 'c232ab00-9414-11ec-b3c8-9e6bdeced846' }],
            },
          ],
        },
        { type: 'video', url: 'https://example.com/v.mp4' },
      ],
      attributes: { profile: { nested: true } },
      extra: 1,
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      timestamp: expect.any(String),
      status: { code: 422, type: 'unprocessable_entity', message: 'the reply is not valid: 8 violations', reason: 'validation_failed' },
      errors: [
        { path: 'responses[0].message', message: 'must be 1 to 1024 characters' },
        { path: 'responses[0].delay', message: 'must be an integer from 100 to 10000' },
        {
          path: 'responses[1].buttons[0].type',
          message: 'url buttons are not allowed in quickReplies; must be one of: postback, goto',
        },
        { path: 'responses[2].elements[0].imageUrl', message: 'must be an http or https URL' },
        { path: 'responses[2].elements[0].buttons[0].value', message: 'must be a UUID v4' },
        { path: 'responses[3].type', message: 'must be one of: text, randomText, image, quickReplies, cards, buttons' },
        { path: 'attributes.profile', message: 'must be a string, number, boolean or null' },
        { path: 'extra', message: 'unknown field' },
      ],
    });
  });

  it('lists the first 100 of thousands of violations, and says how many there were in all', async () => {
    const extra = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    const responses = Array.from({ length: 99 }, () => ({ type: 'text', message: '', ...extra }));
    const res = await validate(bot.apiKey).send({ responses });
    expect(res.status).toBe(422);
    expect(res.body.status).toEqual({
      code: 422,
      type: 'unprocessable_entity',
      message: 'the reply is not valid: 9999 violations, the first 100 listed',
      reason: 'validation_failed',
    });
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.errors[0]).toEqual({ path: 'responses[0].message', message: 'must be 1 to 1024 characters' });
    expect(res.body.errors[99]).toEqual({ path: 'responses[0].f98', message: 'unknown field' });
    expect(Buffer.byteLength(res.text)).toBeLessThan(16 * 1024);
  });

  it('counts attribute names in code points, as a dispatch does: 128 emoji are a name, 129 are not', async () => {
    const key = (n: number) => '\u{1F600}'.repeat(n);
    const ok = await validate(bot.apiKey).send({ attributes: { [key(100)]: 'a', [key(128)]: key(1024) } });
    expect(ok.status).toBe(200);
    expect(ok.body.normalized.attributes).toEqual({ [key(100)]: 'a', [key(128)]: key(1024) });
    const refused = await validate(bot.apiKey).send({ attributes: { [key(129)]: 'a' } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: `attributes[${JSON.stringify(key(129))}]`, message: 'name must be 1 to 128 characters' }]);
  });

  it('judges an own __proto__ key as an unknown field', async () => {
    const res = await validate(bot.apiKey)
      .set('content-type', 'application/json')
      .send('{"responses": [], "__proto__": {"polluted": true}}');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: '__proto__', message: 'unknown field' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 422 for a JSON array body: the reply must be an object', async () => {
    const res = await validate(bot.apiKey).send([{ type: 'text', message: 'Hi' }]);
    expect(res.status).toBe(422);
    expect(res.body.status.type).toBe('unprocessable_entity');
    expect(res.body.errors).toEqual([{ path: '', message: 'must be a JSON object with responses and/or attributes' }]);
  });

  it.each(['"text"', 'null', '42', 'true'])('answers 400 for the bare JSON scalar %s, like every JSON route', async (body) => {
    const res = await validate(bot.apiKey).set('content-type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body.status.type).toBe('bad_request');
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await validate(bot.apiKey).set('content-type', 'application/json').send('{"responses": [');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ timestamp: expect.any(String), status: { code: 400, type: 'bad_request', message: expect.any(String), reason: 'validation_failed' } });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await validate(bot.apiKey).set('content-type', 'text/plain').send('hello');
    expect(res.status).toBe(415);
  });

  it('shows the accepted shapes in the OpenAPI document', async () => {
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    const operation = res.body.paths['/v2/responses/validate'].post;
    const schemas = res.body.components.schemas;
    const named = (ref: { $ref: string }) => schemas[ref.$ref.replace('#/components/schemas/', '')];
    const schema = named(operation.requestBody.content['application/json'].schema);
    expect(schema.additionalProperties).toBe(false);
    const types = named(schema.properties.responses.items).oneOf.map((ref: { $ref: string }) => named(ref).properties.type.enum[0]);
    expect(types).toEqual(['text', 'randomText', 'image', 'quickReplies', 'cards', 'buttons']);
    expect(JSON.stringify(schemas)).not.toContain('$schema');
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '422']));
  });
});
