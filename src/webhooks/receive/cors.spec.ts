import { allowedHeaders, allowedOrigin } from './cors';

describe('allowedOrigin', () => {
  it('answers the origin itself when listed, * for ["*"], and null otherwise', () => {
    expect(allowedOrigin(['https://a.example', 'https://b.example'], 'https://b.example')).toBe('https://b.example');
    expect(allowedOrigin(['*'], 'null')).toBe('*');
    expect(allowedOrigin(['https://a.example'], 'https://A.example')).toBeNull();
    expect(allowedOrigin(['https://a.example'], 'https://a.example:443')).toBeNull();
    expect(allowedOrigin(['https://a.example'], undefined)).toBeNull();
    expect(allowedOrigin(null, 'https://a.example')).toBeNull();
  });
});

describe('allowedHeaders', () => {
  it('keeps lowercased, distinct HTTP tokens, at most 20', () => {
    expect(allowedHeaders(' Content-Type ,x-a b,X-Trace,content-type,"q",,')).toBe('content-type, x-trace');
    expect(allowedHeaders(Array.from({ length: 30 }, (_, i) => `x-${i}`).join(','))!.split(', ')).toHaveLength(20);
    expect(allowedHeaders('')).toBeNull();
    expect(allowedHeaders(undefined)).toBeNull();
  });
});
