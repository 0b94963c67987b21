import { readRuntimeReply } from './runtime-reply';

const reply = (body: unknown, status = 200) => readRuntimeReply(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
/** The headers a runtime's `response.headers` ends up as on the answer. */
const headersFor = (headers: Record<string, unknown>, body: unknown = 'ok') => {
  const outcome = reply({ response: { headers, body } });
  if (!outcome.ok || !outcome.response) throw new Error(`not a response: ${JSON.stringify(outcome)}`);
  return outcome.response.headers;
};

describe('readRuntimeReply', () => {
  it('reads messages, and an empty body as nothing to say', () => {
    expect(reply({ messages: ['a', 'b'] })).toEqual({ ok: true, httpStatus: 200, messages: ['a', 'b'], response: null });
    expect(reply('', 204)).toEqual({ ok: true, httpStatus: 204, messages: [], response: null });
  });

  it('keeps only the response headers a runtime may set, and types the body', () => {
    const outcome = reply({ response: { status: 201, headers: { 'Content-Type': 'text/csv', Location: '/x', 'X-Id': 7, 'Set-Cookie': 'a', 'x-request-id': 'mine', 'x-bad': 'a\r\nb' }, body: 'a,b' } });
    expect(outcome).toEqual({
      ok: true,
      httpStatus: 200,
      messages: [],
      response: { status: 201, headers: { 'content-type': 'text/csv', location: '/x', 'x-id': '7', 'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox' }, body: 'a,b' },
    });
    expect(reply({ response: { body: { ok: true } } })).toMatchObject({ response: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"ok":true}' } });
    expect(reply({ response: { status: 204 } })).toMatchObject({ response: { status: 204, body: '' } });
  });

  describe('response headers (§3.2)', () => {
    it('passes content-type, cache-control, access-control-expose-headers and x-* headers', () => {
      expect(headersFor({ 'content-type': 'text/plain', 'cache-control': 'max-age=60', 'access-control-expose-headers': 'x-order', 'x-order': 'A-1', 'X-Trace': 't' })).toEqual({
        'content-type': 'text/plain',
        'cache-control': 'max-age=60',
        'access-control-expose-headers': 'x-order',
        'x-order': 'A-1',
        'x-trace': 't',
        'x-content-type-options': 'nosniff',
      });
    });

    it.each(['x-accel-redirect', 'X-Accel-Buffering', 'x-sendfile', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'x-request-id', 'x-frame-options', 'x-xss-protection'])(
      'drops %s',
      (name) => {
        expect(Object.keys(headersFor({ [name]: 'v' }))).not.toContain(name.toLowerCase());
      },
    );

    it('drops every header outside the list', () => {
      expect(headersFor({ 'set-cookie': 'a=b', 'content-security-policy': 'default-src *', 'strict-transport-security': 'max-age=0', refresh: '0;url=https://evil.example', link: '<x>' })).toEqual({
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
    });

    it('always answers x-content-type-options: nosniff, whatever the runtime says', () => {
      expect(headersFor({ 'x-content-type-options': 'none' })['x-content-type-options']).toBe('nosniff');
      expect(headersFor({})['x-content-type-options']).toBe('nosniff');
    });

    it.each(['https://example.com/after', 'http://example.com/', 'HTTPS://example.com/x?y=1', '/done', '/', '/a//b'])('passes location %s', (location) => {
      expect(headersFor({ location }).location).toBe(location);
    });

    it.each(['javascript:alert(1)', '//evil.example/', '/\\evil.example', '/\t/evil.example', 'data:text/html,<script>', 'https:evil.example', 'done', 'ftp://example.com/', 'https://'])(
      'drops location %j',
      (location) => {
        expect(headersFor({ location }).location).toBeUndefined();
      },
    );

    it('sandboxes a body that is neither JSON nor plain text', () => {
      expect(headersFor({ 'content-type': 'text/html' }, '<script>alert(1)</script>')['content-security-policy']).toBe('sandbox');
      expect(headersFor({ 'content-type': 'image/svg+xml' })['content-security-policy']).toBe('sandbox');
      expect(headersFor({ 'content-type': 'TEXT/HTML; charset=utf-8' })['content-security-policy']).toBe('sandbox');
      expect(headersFor({ 'content-type': 'text/plain; charset=utf-8' })['content-security-policy']).toBeUndefined();
      expect(headersFor({ 'content-type': 'application/problem+json' })['content-security-policy']).toBeUndefined();
      expect(headersFor({}, { ok: true })['content-security-policy']).toBeUndefined();
      expect(headersFor({}, 'text')['content-security-policy']).toBeUndefined();
    });
  });

  it('fails on every kind of bad reply, saying why and which reason it is', () => {
    expect(reply({ messages: ['x'] }, 500)).toEqual({ ok: false, httpStatus: 500, error: 'Request failed with status code 500', reason: 'runtime_error', reachedRuntime: true });
    expect(reply('{"messages":')).toMatchObject({ ok: false, error: 'the runtime replied with invalid JSON', reason: 'runtime_bad_reply' });
    expect(reply('[1]')).toMatchObject({ ok: false, error: 'the runtime reply is not a JSON object', reason: 'runtime_bad_reply' });
    expect(reply({ error: 'boom', messages: ['x'] })).toMatchObject({ ok: false, error: 'the runtime reported an error: boom', reason: 'runtime_error' });
    expect(reply({ error: { code: 1 } })).toMatchObject({ ok: false, error: 'the runtime reported an error: {"code":1}', reason: 'runtime_error' });
    expect(reply({ messages: [1] })).toMatchObject({ ok: false, error: 'the runtime reply has messages that are not an array of strings', reason: 'runtime_bad_reply' });
    expect(reply({ response: 'x' })).toMatchObject({ ok: false, error: 'the runtime reply has a response that is not an object', reason: 'runtime_bad_reply' });
    expect(reply({ response: { status: 99 } })).toMatchObject({
      ok: false,
      error: 'the runtime reply has a response.status that is not an integer from 200 to 599',
      reason: 'runtime_bad_reply',
    });
    expect(reply({ response: { headers: [] } })).toMatchObject({ ok: false, error: 'the runtime reply has response.headers that are not an object', reason: 'runtime_bad_reply' });
    const broken = Buffer.concat([Buffer.from('{"messages": ["'), Buffer.from([0xff, 0xed, 0xa0, 0x80]), Buffer.from('"]}')]);
    expect(readRuntimeReply(200, broken)).toEqual({ ok: false, httpStatus: 200, error: 'the runtime replied with invalid UTF-8', reason: 'runtime_bad_reply', reachedRuntime: true });
  });
});
