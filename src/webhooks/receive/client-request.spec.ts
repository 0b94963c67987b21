import { callParams, forwardableHeaders, idempotencyKey, splitUrl } from './client-request';
import { readBody } from '../shared/call-body';

describe('client request helpers', () => {
  it('splits the URL without decoding it', () => {
    expect(splitUrl('/w/a.b?x=%20y&z')).toEqual({ path: '/w/a.b', rawQuery: 'x=%20y&z' });
    expect(splitUrl('/w/a.b')).toEqual({ path: '/w/a.b', rawQuery: '' });
  });

  it('drops hop-by-hop headers and those the Connection header names', () => {
    expect(forwardableHeaders({ connection: 'close, X-Secret-Hop', 'x-secret-hop': '1', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'x-kept': 'yes', 'set-cookie': ['a=1', 'b=2'] })).toEqual({
      'x-kept': 'yes',
      'set-cookie': 'a=1, b=2',
    });
  });

  it('gives the runtime issued params, which appended ones cannot override, plus the appended ones', () => {
    const params = callParams('plan=pro&plan=free&ref=ad&ref=mail&x=1', { plan: 'pro' });
    expect({ ...params }).toEqual({ plan: 'pro', ref: ['ad', 'mail'], x: '1' });
    expect({ ...callParams('', null) }).toEqual({});
    expect(JSON.stringify(callParams('__proto__=x', null))).toBe('{"__proto__":"x"}');
  });

  it('keeps UTF-8 bodies as text and anything else in base64', () => {
    expect(readBody(undefined)).toBeNull();
    expect(readBody(Buffer.alloc(0))).toBeNull();
    expect(readBody(Buffer.from('héllo'))).toEqual({ text: 'héllo', encoding: 'utf8' });
    expect(readBody(Buffer.from([0xff, 0x00]))).toEqual({ text: '/wA=', encoding: 'base64' });
  });

  it('reads Idempotency-Key, else webhook-id, and refuses malformed ones', () => {
    expect(idempotencyKey({})).toBeNull();
    expect(idempotencyKey({ 'webhook-id': 'msg_1' })).toBe('msg_1');
    expect(idempotencyKey({ 'idempotency-key': 'k', 'webhook-id': 'msg_1' })).toBe('k');
    const refusal = { status: 400, reason: 'validation_failed', message: 'Idempotency-Key (or webhook-id) must be 1 to 255 printable ASCII characters' };
    expect(() => idempotencyKey({ 'idempotency-key': 'has space' })).toThrow(expect.objectContaining(refusal));
    expect(() => idempotencyKey({ 'idempotency-key': 'x'.repeat(256) })).toThrow(expect.objectContaining(refusal));
    expect(() => idempotencyKey({ 'webhook-id': 'has space' })).toThrow(expect.objectContaining(refusal));
  });
});
