import * as dns from 'node:dns';
import { assertPublicUrl, disallowedRange, guardedLookup, isDisallowedAddress, parseOutboundUrl, UnsafeUrlError } from './ssrf-guard';

const strict = { allowPrivate: false };
const lenient = { allowPrivate: true };

describe('isDisallowedAddress', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows the public address %s', (ip) => {
    expect(isDisallowedAddress(ip)).toBe(false);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'site-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:0:a00:1', 'private'],
    ['::7f00:1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b:1::a00:1', 'reserved'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('refuses %s as %s', (ip, range) => {
    expect(isDisallowedAddress(ip)).toBe(true);
    expect(disallowedRange(ip)).toBe(range);
  });

  it.each(['', 'localhost', 'not an ip', '1.2.3.4.5', 'gggg::1'])('refuses %j as an invalid address', (value) => {
    expect(isDisallowedAddress(value)).toBe(true);
    expect(disallowedRange(value)).toBe('invalid');
  });
});

describe('parseOutboundUrl', () => {
  it.each([
    'https://example.com/hook',
    'http://example.com:8080/a?b=c',
    'http://8.8.8.8/',
    'https://[2606:4700::1111]/x',
    'http://134744072/',
  ])('accepts %s', (url) => {
    expect(parseOutboundUrl(url, strict)).toBeInstanceOf(URL);
  });

  it.each([
    ['http://127.0.0.1/', 'loopback', '127.0.0.1'],
    ['http://2130706433/', 'loopback', '127.0.0.1'],
    ['http://0x7f.1/', 'loopback', '127.0.0.1'],
    ['http://0177.0.0.1/', 'loopback', '127.0.0.1'],
    ['http://127.1/', 'loopback', '127.0.0.1'],
    ['http://0x7f000001/', 'loopback', '127.0.0.1'],
    ['http://10.1/', 'private', '10.0.0.1'],
    ['http://0/', 'unspecified', '0.0.0.0'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local', '169.254.169.254'],
    ['http://0xa9.0xfe.0xa9.0xfe/', 'link-local', '169.254.169.254'],
    ['http://100.64.0.1/', 'carrier-grade NAT', '100.64.0.1'],
    ['http://[::1]:8080/', 'loopback', '::1'],
    ['http://[::]/', 'unspecified', '::'],
    ['http://[::ffff:127.0.0.1]/', 'loopback', '::ffff:7f00:1'],
    ['http://[::ffff:7f00:1]/', 'loopback', '::ffff:7f00:1'],
    ['http://[fd00::1]/', 'unique-local', 'fd00::1'],
    ['http://[fe80::1]/', 'link-local', 'fe80::1'],
    ['http://[64:ff9b::a00:1]/', 'private', '64:ff9b::a00:1'],
  ])('refuses %s as %s', (url, range, ip) => {
    const article = /^[aeiou]/.test(range) ? 'an' : 'a';
    expect(() => parseOutboundUrl(url, strict)).toThrow(
      new UnsafeUrlError('blocked', `url resolves to ${article} ${range} address (${ip})`),
    );
    expect(parseOutboundUrl(url, lenient)).toBeInstanceOf(URL);
  });

  it.each([
    ['ftp://example.com/', 'url must use http or https'],
    ['file:///etc/passwd', 'url must use http or https'],
    ['gopher://127.0.0.1:6379/_INFO', 'url must use http or https'],
    ['javascript:alert(1)', 'url must use http or https'],
    ['https://user:secret@example.com/', 'url must not contain credentials'],
    ['https://user@example.com/', 'url must not contain credentials'],
    ['not a url', 'url is not a valid URL'],
    ['http://', 'url is not a valid URL'],
    ['http://256.0.0.1/', 'url is not a valid URL'],
  ])('refuses %s even when private addresses are allowed', (url, message) => {
    for (const policy of [strict, lenient]) {
      let error: unknown;
      try {
        parseOutboundUrl(url, policy);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UnsafeUrlError);
      expect(error).toMatchObject({ kind: 'invalid_url', message });
    }
  });
});

/**
 * A resolver that answers like Node's own for a name we cannot make resolve to a public address offline:
 * every address with `{ all: true }`, the first one alone otherwise.
 */
function resolveTo(addresses: string[]): { promised: jest.SpyInstance; callback: jest.SpyInstance } {
  const answers = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const module = require('node:dns') as typeof dns;
  const promised = jest.spyOn(module.promises, 'lookup').mockImplementation((async (_host: string, options?: dns.LookupOptions) =>
    options?.all ? answers : answers[0]) as typeof dns.promises.lookup);
  const callback = jest.spyOn(module, 'lookup').mockImplementation(((_host: string, options: dns.LookupOptions, done: (...args: unknown[]) => void) => {
    setImmediate(() => (options.all ? done(null, answers) : done(null, answers[0].address, answers[0].family)));
  }) as unknown as typeof dns.lookup);
  return { promised, callback };
}

afterEach(() => jest.restoreAllMocks());

describe('UnsafeUrlError', () => {
  it('names itself in logs and stack traces', () => {
    expect(new UnsafeUrlError('blocked', 'x').name).toBe('UnsafeUrlError');
  });
});

describe('assertPublicUrl', () => {
  it('accepts a name whose every address is public', async () => {
    resolveTo(['93.184.216.34', '2606:4700::1111']);
    await expect(assertPublicUrl('https://shop.example/hook', strict)).resolves.toBeUndefined();
  });

  it('refuses a name when any one of its addresses is not public', async () => {
    resolveTo(['93.184.216.34', '10.0.0.7']);
    await expect(assertPublicUrl('https://shop.example/hook', strict)).rejects.toMatchObject({
      kind: 'blocked',
      message: 'url resolves to a private address (10.0.0.7)',
    });
  });

  it('asks DNS about neither IP literals nor any name when private addresses are allowed', async () => {
    const { promised } = resolveTo(['10.0.0.7']);
    await expect(assertPublicUrl('http://8.8.8.8/', strict)).resolves.toBeUndefined();
    await expect(assertPublicUrl('https://shop.example/hook', lenient)).resolves.toBeUndefined();
    expect(promised).not.toHaveBeenCalled();
  });

  it.each(['localhost', 'LOCALHOST.', 'foo.localhost', 'a.b.Localhost.', 'localhost.localdomain', 'localhost..', 'ip6-localhost', 'localhost6'])(
    'refuses %s by name, whether or not it resolves',
    async (host) => {
      const name = host.toLowerCase();
      await expect(assertPublicUrl(`http://${host}:3000/hook`, strict)).rejects.toMatchObject({
        kind: 'blocked',
        message: `url names a host reserved for a loopback address (${name})`,
      });
      expect(() => parseOutboundUrl(`http://${host}/`, strict)).toThrow(UnsafeUrlError);
    },
  );

  it.each(['localhost.example.com', 'notlocalhost', 'localhostx.com', 'localhost-backend.example.com'])('does not take %s for a loopback name', (host) => {
    expect(parseOutboundUrl(`https://${host}/`, strict)).toBeInstanceOf(URL);
  });

  it('accepts a name resolving to loopback when private addresses are allowed', async () => {
    await expect(assertPublicUrl('http://localhost:3000/hook', lenient)).resolves.toBeUndefined();
  });

  it('judges IP literals without DNS', async () => {
    await expect(assertPublicUrl('http://[::ffff:10.0.0.1]/', strict)).rejects.toMatchObject({ kind: 'blocked' });
    await expect(assertPublicUrl('http://8.8.8.8/', strict)).resolves.toBeUndefined();
  });

  it('accepts a name that does not resolve, leaving it to the connect-time check', async () => {
    await expect(assertPublicUrl('https://no-such-host.invalid/hook', strict)).resolves.toBeUndefined();
  });

  it('refuses bad schemes before any lookup', async () => {
    await expect(assertPublicUrl('ftp://localhost/', strict)).rejects.toMatchObject({ kind: 'invalid_url' });
  });
});

describe('guardedLookup', () => {
  const lookup = (hostname: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ error: unknown; address: unknown; family?: number }>((resolve) => {
      guardedLookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
    });

  it('refuses a name resolving to loopback, in both callback shapes', async () => {
    for (const all of [true, false]) {
      const { error } = await lookup('localhost', { all });
      expect(error).toBeInstanceOf(UnsafeUrlError);
      expect(error).toMatchObject({ kind: 'blocked' });
    }
  });

  it('hands a socket every public address, or the first one, as it asked', async () => {
    resolveTo(['93.184.216.34', '2606:4700::1111']);
    expect(await lookup('shop.example', { all: true })).toEqual({
      error: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookup('shop.example', { all: false })).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('refuses to connect when any address of the name is not public, even when the socket wants one', async () => {
    resolveTo(['93.184.216.34', '169.254.169.254']);
    const { error } = await lookup('shop.example', { all: false });
    expect(error).toMatchObject({ kind: 'blocked', message: 'url resolves to a link-local address (169.254.169.254)' });
  });

  it('passes lookup failures through', async () => {
    const { error } = await lookup('no-such-host.invalid', { all: true });
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
