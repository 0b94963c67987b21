import { lookup, promises as dnsPromises, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why a URL may not be called. `invalid_url` is a malformed or unsupported URL; `blocked` is one that
 * would reach a non-public address, which is how a caller could use bothooks to probe its own network.
 */
export class UnsafeUrlError extends Error {
  constructor(
    readonly kind: 'invalid_url' | 'blocked',
    message: string,
  ) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

export interface UrlPolicy {
  /** Local development and tests point connections at 127.0.0.1; production never should. */
  allowPrivate: boolean;
}

const IPV4_LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
};

const IPV6_LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
};

function ipv4Label(address: ipaddr.IPv4): string | null {
  const range = address.range();
  if (range === 'unicast') return null;
  // Documentation, benchmarking and future-use blocks have no business receiving webhooks.
  return IPV4_LABELS[range] ?? 'reserved';
}

function embeddedIpv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function ipv6Label(address: ipaddr.IPv6): string | null {
  const parts = address.parts;
  switch (address.range()) {
    // These forms are delivered to the IPv4 address they carry, so that address is what gets judged.
    case 'ipv4Mapped':
    case 'rfc6145':
      return ipv4Label(embeddedIpv4(parts[6], parts[7]));
    case 'rfc6052':
      // The well-known NAT64 prefix (64:ff9b::/96) carries the IPv4 address in its last 32 bits; the
      // local-use prefix (64:ff9b:1::/48) is site-specific, so nothing outside the site may use it.
      return parts[2] === 0 ? ipv4Label(embeddedIpv4(parts[6], parts[7])) : 'reserved';
    case '6to4':
      return ipv4Label(embeddedIpv4(parts[1], parts[2]));
    case 'unicast':
      // Only 2000::/3 is allocated as global unicast; the rest (IPv4-compatible ::a.b.c.d included)
      // is reserved and must not be reachable through us.
      return (parts[0] & 0xe000) === 0x2000 ? null : 'reserved';
    default:
      // Teredo, discard, ORCHID, benchmarking, documentation and the like: none is a place a chatbot
      // backend lives, and Teredo's obfuscated addresses are not worth decoding to find out.
      return IPV6_LABELS[address.range()] ?? 'reserved';
  }
}

// ipaddr.js reads `::a.b.c.d` as IPv4-mapped, but it is the IPv4-compatible form (::/96), which is
// reserved; resolvers print AAAA records in that block exactly this way.
const IPV4_COMPATIBLE = /^::\d+\.\d+\.\d+\.\d+(%.*)?$/;

/**
 * The kind of non-public range `ip` falls in (`loopback`, `private`, `link-local`, …), or null for an
 * ordinary public address. Anything that does not parse as an IP counts as non-public: only addresses
 * we positively recognise as public may be called.
 */
export function disallowedRange(ip: string): string | null {
  if (IPV4_COMPATIBLE.test(ip)) return 'reserved';
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(ip);
  } catch {
    return 'invalid';
  }
  return address.kind() === 'ipv4' ? ipv4Label(address as ipaddr.IPv4) : ipv6Label(address as ipaddr.IPv6);
}

export function isDisallowedAddress(ip: string): boolean {
  return disallowedRange(ip) !== null;
}

function blockedError(ip: string, range: string): UnsafeUrlError {
  const article = /^[aeiou]/.test(range) ? 'an' : 'a';
  return new UnsafeUrlError('blocked', `url resolves to ${article} ${range} address (${ip})`);
}

/**
 * Names that mean this machine whatever DNS says (RFC 6761 §6.3 for `localhost` and its subdomains; the
 * rest are what /etc/hosts files ship). Refused by name, because whether they resolve, and to what, depends
 * on the instance that happens to judge them.
 */
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6', 'ip6-localhost', 'ip6-loopback']);

/** WHATWG parsing has already lower-cased the host; trailing dots only make a name fully qualified. */
function isLoopbackName(host: string): boolean {
  const name = host.replace(/\.+$/, '');
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost');
}

/** The URL's host without the brackets WHATWG keeps around IPv6 literals. */
function bareHost(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/**
 * Parses and checks everything about `raw` that needs no DNS: scheme, credentials, a host reserved for
 * loopback, and the host when it is an IP literal. WHATWG parsing has already turned `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1`
 * into `127.0.0.1`, so odd IPv4 spellings are judged by the address they really mean.
 */
export function parseOutboundUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('invalid_url', 'url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError('invalid_url', 'url must use http or https');
  }
  // Credentials in a URL end up in logs and delivery records; Basic auth has its own field.
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeUrlError('invalid_url', 'url must not contain credentials');
  }
  if (!policy.allowPrivate) {
    const host = bareHost(url);
    if (isIP(host) !== 0) {
      const range = disallowedRange(host);
      if (range !== null) throw blockedError(host, range);
    } else if (isLoopbackName(host)) {
      throw new UnsafeUrlError('blocked', `url names a host reserved for a loopback address (${host})`);
    }
  }
  return url;
}

function firstDisallowed(addresses: readonly LookupAddress[]): UnsafeUrlError | null {
  for (const { address } of addresses) {
    const range = disallowedRange(address);
    if (range !== null) return blockedError(address, range);
  }
  return null;
}

/**
 * The save-time check: refuses a URL whose host is, or resolves to, a non-public address. A name that
 * does not resolve (yet) is accepted: DNS may be set up after the connection is, and every actual call
 * is checked again at connect time by {@link guardedLookup}.
 */
export async function assertPublicUrl(raw: string, policy: UrlPolicy): Promise<void> {
  const url = parseOutboundUrl(raw, policy);
  const host = bareHost(url);
  if (policy.allowPrivate || isIP(host) !== 0) return;

  let addresses: LookupAddress[];
  try {
    addresses = await dnsPromises.lookup(host, { all: true });
  } catch {
    return;
  }
  const blocked = firstDisallowed(addresses);
  if (blocked) throw blocked;
}

/**
 * A `lookup` for sockets that refuses to connect when any address a name resolves to is non-public.
 * Checking here, on the addresses the socket is about to use, closes the DNS-rebinding gap between a
 * save-time check and the call. IP literals never reach a lookup, which is why
 * {@link parseOutboundUrl} judges them before a request is made.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, []);
      return;
    }
    const blocked = firstDisallowed(addresses);
    if (blocked) {
      callback(blocked, []);
      return;
    }
    if (options.all) {
      callback(null, addresses);
    } else {
      callback(null, addresses[0].address, addresses[0].family);
    }
  });
};
