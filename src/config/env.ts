import { BlockList, isIP } from 'node:net';

/** Thrown when the environment holds a value bothooks cannot start with; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads variables one by one, collecting every problem instead of stopping at the first, so a
 * misconfigured deployment is fixed in one round.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return value;
    } catch {
      this.problems.push(`${name} must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL, got "${value}"`);
      return fallback;
    }
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }

  /** A 32-byte key given as base64. */
  key32(name: string): Buffer | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (decoded.length !== 32) {
      this.problems.push(`${name} must be 32 bytes encoded as base64 (for example: openssl rand -base64 32)`);
      return undefined;
    }
    return decoded;
  }

  intList(name: string, fallback: number[], min: number, max: number): number[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parts = value.split(',').map((part) => part.trim());
    if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < min || Number(p) > max)) {
      this.problems.push(`${name} must be a comma-separated list of integers from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return parts.map(Number);
  }

  /** Comma-separated IPs and CIDRs, as a BlockList ready for lookups. */
  ipList(name: string): { entries: string[]; list: BlockList } {
    const list = new BlockList();
    const entries: string[] = [];
    const value = this.raw(name);
    for (const entry of value ? value.split(',').map((e) => e.trim()).filter(Boolean) : []) {
      const subnet = parseSubnet(entry);
      if (!subnet) {
        this.problems.push(`${name} entry "${entry}" is not an IP address or CIDR`);
        continue;
      }
      list.addSubnet(subnet.address, subnet.bits, subnet.family);
      entries.push(entry);
    }
    return { entries, list };
  }

  /**
   * Which X-Forwarded-For entries to believe: none (unset, false), the last N hops (a number; true is 1,
   * the address the nearest proxy appended), or those appended by the listed proxy addresses. Trusting
   * every hop would let a caller name any client IP it likes.
   */
  trustProxy(name: string): false | number | string[] {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined || value === 'false' || value === 'no' || value === '0') return false;
    if (value === 'true' || value === 'yes') return 1;
    if (/^\d+$/.test(value)) {
      if (Number(value) <= 100) return Number(value);
    } else {
      const entries = value.split(',').map((e) => e.trim());
      if (entries.every((entry) => parseSubnet(entry) !== null)) return entries;
    }
    this.problems.push(`${name} must be a number of proxy hops (true means 1) or a comma-separated list of proxy IPs/CIDRs, got "${value}"`);
    return false;
  }
}

function parseSubnet(entry: string): { address: string; bits: number; family: 'ipv4' | 'ipv6' } | null {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  const maxBits = family === 6 ? 128 : 32;
  const bits = prefix === undefined ? maxBits : Number(prefix);
  if (family === 0 || extra !== undefined || (prefix !== undefined && !/^\d+$/.test(prefix)) || bits > maxBits) return null;
  return { address, bits, family: family === 6 ? 'ipv6' : 'ipv4' };
}
