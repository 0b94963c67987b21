import { headerProblems } from './header-rules';

describe('headerProblems', () => {
  it('accepts absent headers and a good set', () => {
    expect(headerProblems(undefined, false)).toEqual([]);
    expect(headerProblems(null, true)).toEqual([]);
    expect(headerProblems({ 'X-Api-Key': 'k', "x-odd!#$%&'*+-.^_`|~": 'v', Accept: '', 'X-Tab': 'a\tb' }, true)).toEqual([]);
  });

  it('needs an object of 1 to 10 entries', () => {
    expect(headerProblems([], false)).toEqual([{ path: 'headers', message: expect.any(String) }]);
    expect(headerProblems('X-A: 1', false)).toEqual([{ path: 'headers', message: expect.any(String) }]);
    expect(headerProblems({}, false)).toEqual([{ path: 'headers', message: 'headers must have 1 to 10 entries' }]);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`X-${i}`, '']));
    expect(headerProblems(eleven, false)).toEqual([{ path: 'headers', message: 'headers must have 1 to 10 entries' }]);
  });

  it.each(['', 'Bad Name', 'X:Colon', 'X(paren)', 'Ünï', 'n'.repeat(257)])('refuses the name %j', (name) => {
    expect(headerProblems({ [name]: 'v' }, false)).toEqual([{ path: `headers.${name}`, message: 'header names must be HTTP tokens of 1 to 256 characters' }]);
  });

  it.each([
    'Host',
    'content-length',
    'Content-Type',
    'TRANSFER-ENCODING',
    'Connection',
    'Keep-Alive',
    'upgrade',
    'Expect',
    'TE',
    'Trailer',
    'Proxy-Authorization',
    'proxy-connection',
    'webhook-id',
    'Webhook-Timestamp',
    'WEBHOOK-SIGNATURE',
    'webhook-x',
  ])(
    'refuses the reserved name %s',
    (name) => {
      expect(headerProblems({ [name]: 'v' }, false)).toEqual([{ path: `headers.${name}`, message: `${name} is set by bothooks and cannot be overridden` }]);
    },
  );

  it('refuses authorization only alongside auth', () => {
    expect(headerProblems({ Authorization: 'Bearer x' }, false)).toEqual([]);
    expect(headerProblems({ Authorization: 'Bearer x' }, true)).toEqual([{ path: 'headers.Authorization', message: 'authorization cannot be set together with auth' }]);
  });

  it('refuses a name given twice in different case', () => {
    expect(headerProblems({ 'X-A': '1', 'x-a': '2' }, false)).toEqual([{ path: 'headers.x-a', message: 'duplicates X-A: header names are case-insensitive' }]);
  });

  it.each([
    [5, 'header values must be strings'],
    [null, 'header values must be strings'],
    ['v'.repeat(1025), 'header values must be at most 1024 characters'],
    ['a\r\nX-Injected: 1', 'header values must not contain CR, LF or other control characters'],
    ['a\nb', 'header values must not contain CR, LF or other control characters'],
    ['a\0b', 'header values must not contain CR, LF or other control characters'],
    ['caf\u00e9', 'header values must be visible ASCII, spaces and tabs'],
    ['\u0100', 'header values must be visible ASCII, spaces and tabs'],
    ['line\u2028separator', 'header values must be visible ASCII, spaces and tabs'],
    ['\u{1F600}', 'header values must be visible ASCII, spaces and tabs'],
  ])('refuses the value %j', (value, message) => {
    expect(headerProblems({ 'X-A': value }, false)).toEqual([{ path: 'headers.X-A', message }]);
  });

  it('lists every problem, name and value alike', () => {
    const problems = headerProblems({ Host: 'a\nb', 'Bad Name': 1, 'X-Ok': 'fine' }, false);
    expect(problems.map((p) => p.path)).toEqual(['headers.Host', 'headers.Host', 'headers.Bad Name', 'headers.Bad Name']);
  });
});
