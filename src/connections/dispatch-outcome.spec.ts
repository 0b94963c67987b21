import { OutboundError, type OutboundResponse } from '../common/outbound/outbound-client';
import { validateReply } from '../responses/response-validator';
import { judgeFailure, judgeResponse } from './dispatch-outcome';

const response = (status: number, body: string | object = ''): OutboundResponse => ({
  status,
  headers: {},
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  durationMs: 12,
});

describe('judgeResponse', () => {
  it('takes a valid reply, normalized', () => {
    const outcome = judgeResponse(response(200, { responses: [{ type: 'text', message: 'hi' }], attributes: { a: 1 } }), validateReply);
    expect(outcome).toEqual({
      ok: true,
      httpStatus: 200,
      durationMs: 12,
      responseBody: '{"responses":[{"type":"text","message":"hi"}],"attributes":{"a":1}}',
      reply: { responses: [{ type: 'text', message: 'hi', delay: 1000 }], attributes: { a: 1 } },
    });
  });

  it.each(['', '   \n', '{}'])('takes %j as a reply with nothing to say', (body) => {
    expect(judgeResponse(response(200, body), validateReply)).toMatchObject({ ok: true, reply: { responses: [], attributes: {} } });
  });

  it.each([201, 204, 299])('takes any 2xx (%i)', (status) => {
    expect(judgeResponse(response(status), validateReply).ok).toBe(true);
  });

  it.each([199, 301, 302, 400, 404, 500, 503])('fails %i the chatbot.com way', (status) => {
    const outcome = judgeResponse(response(status, 'nope'), validateReply);
    expect(outcome).toMatchObject({ ok: false, httpStatus: status, responseBody: 'nope', error: `Request failed with status code ${status}` });
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 502, message: `Request failed with status code ${status}`, errors: undefined });
  });

  it('fails a reply that is not JSON', () => {
    const outcome = judgeResponse(response(200, '<html>'), validateReply);
    expect(outcome).toMatchObject({ ok: false, httpStatus: 200, error: "the backend's reply is not valid JSON" });
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 502, errors: [{ path: '', message: 'is not valid JSON' }] });
  });

  it('fails a reply whose bytes are not valid UTF-8 instead of passing on replacement characters', () => {
    const bytes = Buffer.concat([Buffer.from('{"responses": [{"type": "text", "message": "'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}]}')]);
    const outcome = judgeResponse({ status: 200, headers: {}, body: bytes, durationMs: 12 }, validateReply);
    expect(outcome).toMatchObject({ ok: false, httpStatus: 200, error: "the backend's reply is not valid UTF-8" });
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 502, errors: [{ path: '', message: 'is not valid UTF-8' }] });
  });

  it('fails an invalid reply with every violation, and sums them up for the connection', () => {
    const outcome = judgeResponse(response(200, { responses: [{ type: 'text' }, { type: 'nope' }] }), validateReply);
    expect(outcome).toMatchObject({
      ok: false,
      error: "the backend's reply is not valid: responses[0].message is required; responses[1].type must be one of: text, randomText, image, quickReplies, cards, buttons",
    });
    expect(!outcome.ok && outcome.failure).toMatchObject({
      status: 502,
      message: "the backend's reply is not valid: 2 violations",
      errors: [
        { path: 'responses[0].message', message: 'is required' },
        { path: 'responses[1].type', message: expect.any(String) },
      ],
    });
  });

  it('keeps the connection error short however many violations there are', () => {
    const responses = Array.from({ length: 99 }, () => ({ type: 'text', message: '' }));
    const outcome = judgeResponse(response(200, { responses }), validateReply);
    expect(!outcome.ok && outcome.error.length).toBe(1024);
    expect(!outcome.ok && outcome.failure.errors).toHaveLength(99);
  });

  it('lists the first 100 violations of a reply and says how many there were in all', () => {
    const responses = Array.from({ length: 99 }, () => ({ type: 'text', message: '', delay: 1, extra: true }));
    const outcome = judgeResponse(response(200, { responses }), validateReply);
    expect(!outcome.ok && outcome.failure.errors).toHaveLength(100);
    expect(!outcome.ok && outcome.failure.message).toBe("the backend's reply is not valid: 297 violations, the first 100 listed");
  });

  it.each([
    ['a reply', '\ufeff{"responses":[{"type":"text","message":"hi"}]}', [{ type: 'text', message: 'hi', delay: 1000 }]],
    ['an empty reply', '\ufeff', []],
    ['a reply with space after the mark', '\ufeff \n{}', []],
  ])('takes %s that starts with a UTF-8 byte order mark', (_, body, responses) => {
    expect(judgeResponse(response(200, body), validateReply)).toMatchObject({ ok: true, reply: { responses, attributes: {} } });
  });

  it('takes only one byte order mark, at the start', () => {
    expect(judgeResponse(response(200, '\ufeff\ufeff{}'), validateReply)).toMatchObject({ ok: false, error: "the backend's reply is not valid JSON" });
    expect(judgeResponse(response(200, '{"responses":[]}\ufeff'), validateReply)).toMatchObject({ ok: false, error: "the backend's reply is not valid JSON" });
  });

  it('stores NUL bytes of a reply as replacement characters', () => {
    expect(judgeResponse(response(500, 'a\0b'), validateReply)).toMatchObject({ responseBody: 'a\ufffdb' });
  });
});

describe('judgeFailure', () => {
  it('maps a timeout to 504 with the chatbot.com message', () => {
    const outcome = judgeFailure(new OutboundError('timeout', 'timeout of 300ms exceeded'), 301);
    expect(outcome).toMatchObject({ ok: false, httpStatus: null, durationMs: 301, responseBody: null, error: 'timeout of 300ms exceeded' });
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 504, type: 'gateway_timeout', message: 'timeout of 300ms exceeded' });
  });

  it('maps an oversized reply to 502 with a path', () => {
    const outcome = judgeFailure(new OutboundError('too_large', 'response body exceeds 65536 bytes'), 5);
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 502, message: "the backend's reply exceeds 65536 bytes", errors: [{ path: '', message: 'exceeds 65536 bytes' }] });
  });

  it.each(['blocked', 'invalid_url', 'connect', 'protocol'] as const)('maps %s to 502 with the reason', (kind) => {
    const outcome = judgeFailure(new OutboundError(kind, `the ${kind} reason`), 1);
    expect(outcome).toMatchObject({ ok: false, error: `the ${kind} reason` });
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 502, message: `the ${kind} reason` });
  });
});
