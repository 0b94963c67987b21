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
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
      const maxBits = family === 6 ? 128 : 32;
      if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > maxBits || (prefix !== undefined && !/^\d+$/.test(prefix))) {
        this.problems.push(`${name} entry "${entry}" is not an IP address or CIDR`);
        continue;
      }
      list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
      entries.push(entry);
    }
    return { entries, list };
  }
}
