import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { FakeBackend } from '../utils/backend';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const BASE = '/v2/integrations/webhook';
const JSON_TYPE = { 'content-type': 'application/json' };
const nested = (levels: number) => `{"chatId":"c1","userId":"u1","attributes":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  nosniff: string | null;
  body: unknown;
}

/**
 * A dispatch is judged as every API call is (key before body, then content type, size, nesting, JSON),
 * whichever way its path is spelled: each answer here is asserted, and the trailing-slash spelling of the
 * same path must answer it identically.
 */
describe('dispatch: what comes before the backend is called', () => {
  let t: TestApp;
  let backend: FakeBackend;
  let bot: TestBot;
  let other: TestBot;
  let connectionId: string;

  beforeAll(async () => {
    [t, backend] = await Promise.all([startApp(), FakeBackend.start()]);
    [bot, other] = await Promise.all([t.createBot(), t.createBot()]);
    const created = await t.http.post(BASE).set(...bearer(t.adminKey)).send({ storyId: bot.id, name: 'route', url: backend.url() });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    backend.onMessage = () => ({ body: { responses: [{ type: 'text', message: 'hi' }], attributes: { plan: 'pro' } } });
  });
  afterAll(async () => {
    await Promise.all([t.close(), backend.close()]);
  });

  async function send(path: string, headers: Record<string, string>, body?: RequestInit['body']): Promise<Answer> {
    const res = await fetch(`${t.url}${path}`, { method: 'POST', headers, body });
    const text = await res.text();
    const parsed = text === '' ? null : JSON.parse(text);
    // What differs between two good answers by design: the delivery's id and time, and the envelope's time.
    if (parsed && typeof parsed === 'object') for (const field of ['deliveryId', 'durationMs', 'timestamp']) if (field in parsed) parsed[field] = typeof parsed[field];
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      cacheControl: res.headers.get('cache-control'),
      nosniff: res.headers.get('x-content-type-options'),
      body: parsed,
    };
  }

  /** The answer at the canonical path, after checking the other spelling gives the same. */
  async function dispatch(headers: Record<string, string>, body?: RequestInit['body'], id = connectionId): Promise<Answer> {
    const canonical = await send(`${BASE}/${id}/dispatch`, headers, body);
    expect(await send(`${BASE}/${id}/dispatch/`, headers, body)).toEqual(canonical);
    expect(canonical.cacheControl).toBe('no-store');
    expect(canonical.nosniff).toBe('nosniff');
    return canonical;
  }

  const withKey = (key: string, headers: Record<string, string> = JSON_TYPE) => ({ ...headers, authorization: `Bearer ${key}` });
  const chat = JSON.stringify({ chatId: 'c1', userId: 'u1' });
  const refusal = (answer: Answer) => (answer.body as { status: { code: number; type: string; message: string } }).status;

  it('answers 401 before reading a body: no key with malformed JSON, an unknown key with 2 MB, no key with text', async () => {
    const unknown = `bh_bot_${randomBytes(32).toString('base64url')}`;
    const answers = [
      await dispatch(JSON_TYPE, '{"chatId": '),
      await dispatch(withKey(unknown), `{"chatId":"${'x'.repeat(2 * 1024 * 1024)}"}`),
      await dispatch({ 'content-type': 'text/plain' }, 'hello'),
      await dispatch({}),
    ];
    for (const answer of answers) expect(refusal(answer)).toMatchObject({ code: 401, type: 'unauthorized' });
  });

  it('with a good key: 415 for a body that is not JSON, 400 for malformed JSON, 413 past 1 MiB, 400 past 64 levels', async () => {
    expect(refusal(await dispatch(withKey(bot.apiKey, { 'content-type': 'text/plain' }), chat))).toMatchObject({ code: 415, type: 'unsupported_media_type' });
    expect(refusal(await dispatch(withKey(bot.apiKey, { 'content-type': 'application/json; charset=latin1' }), chat))).toMatchObject({ code: 415 });
    expect(refusal(await dispatch(withKey(bot.apiKey), '{"chatId": '))).toMatchObject({ code: 400, message: 'request body is not valid JSON' });
    expect(refusal(await dispatch(withKey(bot.apiKey), `{"chatId":"${'x'.repeat(1024 * 1024)}"}`))).toMatchObject({ code: 413, type: 'payload_too_large' });
    expect(refusal(await dispatch(withKey(bot.apiKey), nested(65)))).toMatchObject({ code: 400, message: 'request body is nested more than 64 levels deep' });
    expect(backend.messages).toHaveLength(0);
  });

  it('lists every field problem, and takes no body as an empty one', async () => {
    const invalid = await dispatch(withKey(bot.apiKey), JSON.stringify({ chatId: '', extra: 1, node: { nope: true } }));
    expect(invalid.status).toBe(400);
    expect((invalid.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual(['chatId', 'extra', 'node.nope', 'userId']);
    const empty = await dispatch(withKey(bot.apiKey, {}));
    expect(empty.status).toBe(400);
    expect((empty.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(['chatId', 'userId']);
    expect(backend.messages).toHaveLength(0);
  });

  it("answers 404 for another bot's connection and for an unknown one, 400 for a malformed id", async () => {
    expect(refusal(await dispatch(withKey(other.apiKey), chat))).toMatchObject({ code: 404, message: `connection ${connectionId} not found` });
    expect(refusal(await dispatch(withKey(t.adminKey), chat, '0123456789abcdef01234567'))).toMatchObject({ code: 404 });
    expect(refusal(await dispatch(withKey(t.adminKey), chat, '0123456789ABCDEF01234567'))).toMatchObject({ code: 400 });
    expect(backend.messages).toHaveLength(0);
  });

  it('dispatches a plain or gzipped body with the bot key or the admin key, answering JSON', async () => {
    const answers = [
      await dispatch(withKey(bot.apiKey), chat),
      await dispatch(withKey(t.adminKey, { ...JSON_TYPE, 'content-encoding': 'gzip' }), new Uint8Array(gzipSync(chat))),
      await dispatch(withKey(bot.apiKey, { 'content-type': 'application/vnd.chat+json' }), chat),
    ];
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, contentType: 'application/json; charset=utf-8' });
      expect(answer.body).toEqual({ deliveryId: 'string', durationMs: 'number', responses: [{ type: 'text', message: 'hi', delay: 1000 }], attributes: { plan: 'pro' } });
    }
    expect(backend.messages).toHaveLength(answers.length * 2);
  });
});
