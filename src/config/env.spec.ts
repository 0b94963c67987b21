import { ConfigError, EnvReader } from './env';

const reader = (env: Record<string, string | undefined>) => new EnvReader(env);

describe('EnvReader', () => {
  it('treats unset, empty and blank variables as unset, and trims the rest', () => {
    const r = reader({ A: '', B: '   ', C: '  x  ' });
    expect(r.string('A')).toBeUndefined();
    expect(r.string('B', 'fallback')).toBe('fallback');
    expect(r.string('C')).toBe('x');
    expect(r.string('D', 'fallback')).toBe('fallback');
    expect(r.problems).toEqual([]);
  });

  it('reads integers within their bounds, both ends included', () => {
    const r = reader({ LOW: '1', HIGH: '10', PADDED: ' 7 ' });
    expect(r.int('LOW', 5, 1, 10)).toBe(1);
    expect(r.int('HIGH', 5, 1, 10)).toBe(10);
    expect(r.int('PADDED', 5, 1, 10)).toBe(7);
    expect(r.int('UNSET', 5, 1, 10)).toBe(5);
    expect(r.problems).toEqual([]);
  });

  it('refuses integers out of bounds or not written as digits, keeping the default', () => {
    const r = reader({ BELOW: '0', ABOVE: '11', FRACTION: '1.5', NEGATIVE: '-1', EXPONENT: '1e1', WORD: 'ten' });
    for (const name of ['BELOW', 'ABOVE', 'FRACTION', 'NEGATIVE', 'EXPONENT', 'WORD']) expect(r.int(name, 5, 1, 10)).toBe(5);
    expect(r.problems).toEqual([
      'BELOW must be an integer from 1 to 10, got "0"',
      'ABOVE must be an integer from 1 to 10, got "11"',
      'FRACTION must be an integer from 1 to 10, got "1.5"',
      'NEGATIVE must be an integer from 1 to 10, got "-1"',
      'EXPONENT must be an integer from 1 to 10, got "1e1"',
      'WORD must be an integer from 1 to 10, got "ten"',
    ]);
  });

  it('reads booleans as true/1/yes and false/0/no in any case, and refuses anything else', () => {
    const r = reader({ T1: 'true', T2: '1', T3: 'YES', F1: 'False', F2: '0', F3: 'no', BAD: 'maybe' });
    expect(['T1', 'T2', 'T3'].map((name) => r.bool(name, false))).toEqual([true, true, true]);
    expect(['F1', 'F2', 'F3'].map((name) => r.bool(name, true))).toEqual([false, false, false]);
    expect(r.bool('UNSET', true)).toBe(true);
    expect(r.bool('UNSET', false)).toBe(false);
    expect(r.problems).toEqual([]);
    expect(r.bool('BAD', true)).toBe(true);
    expect(r.problems).toEqual(['BAD must be true or false, got "maybe"']);
  });

  it('reads URLs of the allowed protocols only', () => {
    const r = reader({ OK: 'https://example.com/x', FTP: 'ftp://example.com', JUNK: 'not a url' });
    expect(r.url('OK', 'http://fallback', ['http:', 'https:'])).toBe('https://example.com/x');
    expect(r.url('UNSET', 'http://fallback', ['http:'])).toBe('http://fallback');
    expect(r.url('FTP', 'http://fallback', ['http:', 'https:'])).toBe('http://fallback');
    expect(r.url('JUNK', 'http://fallback', ['redis:'])).toBe('http://fallback');
    expect(r.problems).toEqual(['FTP must be a http or https URL, got "ftp://example.com"', 'JUNK must be a redis URL, got "not a url"']);
  });

  it('reads one of a list of words', () => {
    const r = reader({ OK: 'debug', BAD: 'loud' });
    expect(r.oneOf('OK', 'info', ['info', 'debug'])).toBe('debug');
    expect(r.oneOf('UNSET', 'info', ['info', 'debug'])).toBe('info');
    expect(r.oneOf('BAD', 'info', ['info', 'debug'])).toBe('info');
    expect(r.problems).toEqual(['BAD must be one of info, debug, got "loud"']);
  });

  it('reads a 32-byte key in base64 or base64url, and refuses other lengths and any character outside the alphabet', () => {
    const key = Buffer.alloc(32, 0xfb);
    const r = reader({ B64: key.toString('base64'), URL: key.toString('base64url'), SHORT: Buffer.alloc(31).toString('base64'), JUNK: `${key.toString('base64')}!`, LEADING: `!${key.toString('base64')}` });
    expect(r.key32('B64')).toEqual(key);
    expect(r.key32('URL')).toEqual(key);
    expect(r.key32('UNSET')).toBeUndefined();
    expect(r.problems).toEqual([]);
    expect(r.key32('SHORT')).toBeUndefined();
    expect(r.key32('JUNK')).toBeUndefined();
    expect(r.key32('LEADING')).toBeUndefined();
    expect(r.problems).toEqual([
      'SHORT must be 32 bytes encoded as base64 (for example: openssl rand -base64 32)',
      'JUNK must be 32 bytes encoded as base64 (for example: openssl rand -base64 32)',
      'LEADING must be 32 bytes encoded as base64 (for example: openssl rand -base64 32)',
    ]);
  });

  it('reads comma-separated integer lists within bounds, each item all digits', () => {
    const r = reader({ OK: '5, 0,10', EMPTY_PART: '5,,6', ABOVE: '5,11', WORD: '5,x', PREFIXED: '5,x6', SUFFIXED: '5,6s' });
    expect(r.intList('OK', [1], 0, 10)).toEqual([5, 0, 10]);
    expect(r.intList('UNSET', [1], 0, 10)).toEqual([1]);
    expect(r.problems).toEqual([]);
    expect(r.intList('EMPTY_PART', [1], 0, 10)).toEqual([1]);
    expect(r.intList('ABOVE', [1], 0, 10)).toEqual([1]);
    expect(r.intList('WORD', [1], 0, 10)).toEqual([1]);
    expect(r.intList('PREFIXED', [1], 0, 10)).toEqual([1]);
    expect(r.intList('SUFFIXED', [1], 0, 10)).toEqual([1]);
    expect(r.problems).toEqual([
      'EMPTY_PART must be a comma-separated list of integers from 0 to 10, got "5,,6"',
      'ABOVE must be a comma-separated list of integers from 0 to 10, got "5,11"',
      'WORD must be a comma-separated list of integers from 0 to 10, got "5,x"',
      'PREFIXED must be a comma-separated list of integers from 0 to 10, got "5,x6"',
      'SUFFIXED must be a comma-separated list of integers from 0 to 10, got "5,6s"',
    ]);
    expect(reader({ LOW: '1,2' }).intList('LOW', [5], 2, 10)).toEqual([5]);
  });

  it('reads an IP allowlist of addresses and CIDRs, both families', () => {
    const r = reader({ LIST: ' 203.0.113.0/24, ,2001:db8::1,10.0.0.1 ' });
    const { entries, list } = r.ipList('LIST');
    expect(entries).toEqual(['203.0.113.0/24', '2001:db8::1', '10.0.0.1']);
    expect(r.problems).toEqual([]);
    expect(list.check('203.0.113.200', 'ipv4')).toBe(true);
    expect(list.check('203.0.114.1', 'ipv4')).toBe(false);
    expect(list.check('10.0.0.1', 'ipv4')).toBe(true);
    expect(list.check('10.0.0.2', 'ipv4')).toBe(false);
    expect(list.check('2001:db8::1', 'ipv6')).toBe(true);
    expect(list.check('2001:db8::2', 'ipv6')).toBe(false);
    expect(reader({}).ipList('LIST').entries).toEqual([]);
  });

  it('refuses allowlist entries that are not an address or CIDR with an all-digit prefix, naming each', () => {
    const r = reader({ LIST: '10.0.0.0/33,::/129,10.0.0.0/x,10.0.0.0/x8,10.0.0.0/8x,10.0.0.0/8/9,host,10.0.0.0/,::/128' });
    expect(r.ipList('LIST').entries).toEqual(['::/128']);
    expect(r.problems).toEqual(
      ['10.0.0.0/33', '::/129', '10.0.0.0/x', '10.0.0.0/x8', '10.0.0.0/8x', '10.0.0.0/8/9', 'host', '10.0.0.0/'].map((entry) => `LIST entry "${entry}" is not an IP address or CIDR`),
    );
  });

  it('reads TRUST_PROXY as off, a number of hops (true is 1), or proxy addresses', () => {
    const r = reader({ OFF1: 'false', OFF2: 'NO', OFF3: '0', ON1: 'true', ON2: 'Yes', HOPS: '2', MAX: '100', LIST: '10.0.0.1, 10.1.0.0/16,::1' });
    expect(r.trustProxy('UNSET')).toBe(false);
    expect(['OFF1', 'OFF2', 'OFF3'].map((name) => r.trustProxy(name))).toEqual([false, false, false]);
    expect([r.trustProxy('ON1'), r.trustProxy('ON2')]).toEqual([1, 1]);
    expect(r.trustProxy('HOPS')).toBe(2);
    expect(r.trustProxy('MAX')).toBe(100);
    expect(r.trustProxy('LIST')).toEqual(['10.0.0.1', '10.1.0.0/16', '::1']);
    expect(r.problems).toEqual([]);
  });

  it('refuses TRUST_PROXY of more than 100 hops or with an entry that is not an address', () => {
    const r = reader({ MANY: '101', BAD: '10.0.0.1,proxy' });
    expect(r.trustProxy('MANY')).toBe(false);
    expect(r.trustProxy('BAD')).toBe(false);
    expect(r.problems).toEqual([
      'MANY must be a number of proxy hops (true means 1) or a comma-separated list of proxy IPs/CIDRs, got "101"',
      'BAD must be a number of proxy hops (true means 1) or a comma-separated list of proxy IPs/CIDRs, got "10.0.0.1,proxy"',
    ]);
  });
});

describe('ConfigError', () => {
  it('lists every problem, one a line', () => {
    const error = new ConfigError(['A is bad', 'B is bad']);
    expect(error.message).toBe('invalid configuration:\n  - A is bad\n  - B is bad');
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toEqual(['A is bad', 'B is bad']);
  });
});
