import { readRuntimeReply } from './runtime-reply';

const reply = (body: unknown, status = 200) => readRuntimeReply(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('readRuntimeReply', () => {
  it('reads messages, and an empty body as nothing to say', () => {
    expect(reply({ messages: ['a', 'b'] })).toEqual({ ok: true, httpStatus: 200, messages: ['a', 'b'], response: null });
    expect(reply('', 204)).toEqual({ ok: true, httpStatus: 204, messages: [], response: null });
  });

  it('keeps only the response headers a runtime may set, and types the body', () => {
    const outcome = reply({ response: { status: 201, headers: { 'Content-Type': 'text/csv', Location: '/x', 'X-Id': 7, 'Set-Cookie': 'a', 'x-request-id': 'mine', 'x-bad': 'a\r\nb' }, body: 'a,b' } });
    expect(outcome).toEqual({ ok: true, httpStatus: 200, messages: [], response: { status: 201, headers: { 'content-type': 'text/csv', location: '/x', 'x-id': '7' }, body: 'a,b' } });
    expect(reply({ response: { body: { ok: true } } })).toMatchObject({ response: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"ok":true}' } });
    expect(reply({ response: { status: 204 } })).toMatchObject({ response: { status: 204, headers: {}, body: '' } });
  });

  it('fails on every kind of bad reply, saying why', () => {
    expect(reply({ messages: ['x'] }, 500)).toEqual({ ok: false, httpStatus: 500, error: 'Request failed with status code 500' });
    expect(reply('{"messages":')).toMatchObject({ ok: false, error: 'the runtime replied with invalid JSON' });
    expect(reply('[1]')).toMatchObject({ ok: false, error: 'the runtime reply is not a JSON object' });
    expect(reply({ error: 'boom', messages: ['x'] })).toMatchObject({ ok: false, error: 'the runtime reported an error: boom' });
    expect(reply({ error: { code: 1 } })).toMatchObject({ ok: false, error: 'the runtime reported an error: {"code":1}' });
    expect(reply({ messages: [1] })).toMatchObject({ ok: false });
    expect(reply({ response: { status: 99 } })).toMatchObject({ ok: false });
    expect(reply({ response: { headers: [] } })).toMatchObject({ ok: false });
    const broken = Buffer.concat([Buffer.from('{"messages": ["'), Buffer.from([0xff, 0xed, 0xa0, 0x80]), Buffer.from('"]}')]);
    expect(readRuntimeReply(200, broken)).toEqual({ ok: false, httpStatus: 200, error: 'the runtime replied with invalid UTF-8' });
  });
});
