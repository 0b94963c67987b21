/** Deterministic random numbers (mulberry32), so a failing input can be found again from the seed. */
export class Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  string(maxLength: number): string {
    const alphabet = 'aZ09 _-./:%?&=#\\"\'<>{}[]\u0000\u00e9\u200b\u202e\ud83d\ude00';
    return Array.from({ length: this.int(maxLength + 1) }, () => this.pick([...alphabet])).join('');
  }

  /** A random JSON value, nested at most `depth` levels. */
  json(depth = 3): unknown {
    const kind = this.int(depth > 0 ? 9 : 6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.next() < 0.5;
      case 2:
        return this.pick([0, -1, 1.5, 2 ** 53 + 1, -1e308, 1e308]);
      case 3:
      case 4:
        return this.string(40);
      case 5:
        return this.int(1000);
      case 6:
        return Array.from({ length: this.int(4) }, () => this.json(depth - 1));
      default: {
        const value: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i--) value[this.pick(['__proto__', 'constructor', 'prototype', 'name', 'id', this.string(8)])] = this.json(depth - 1);
        return value;
      }
    }
  }
}

export const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
export const nestedObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Values that are wrong for almost any field: wrong types, edge numbers, huge or hostile strings. */
export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  '',
  ' ',
  'x'.repeat(70_000),
  '\u0000',
  '\ud800',
  '\ud83d\ude00'.repeat(300),
  [],
  [1, 'two', null],
  {},
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  JSON.parse(nestedArrays(3000)),
  '__proto__',
  '../../etc/passwd',
  'http://169.254.169.254/latest/meta-data',
  'javascript:alert(1)',
  "1' OR '1'='1",
];

/** Whole bodies that are not what any route wants. */
export const HOSTILE_BODIES: Array<[string, string | Buffer]> = [
  ['unterminated object', '{'],
  ['truncated', '{"name": "a'],
  ['array', '[]'],
  ['null', 'null'],
  ['number', '1'],
  ['string', '"x"'],
  ['byte order mark', '\ufeff{}'],
  ['__proto__ key', '{"__proto__": {"isAdmin": true}, "name": "proto"}'],
  ['constructor key', '{"constructor": {"prototype": {"isAdmin": true}}}'],
  ['duplicate keys', '{"name": "a", "name": 1}'],
  ['200k nested arrays', nestedArrays(200_000)],
  ['50k nested objects', nestedObjects(50_000)],
  ['3k nested objects', nestedObjects(3_000)],
  ['invalid UTF-8 in a string', Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')])],
  ['overlong UTF-8 slash', Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
  ['lone surrogate escape', '{"name": "\\ud800"}'],
  ['NUL escape', '{"name": "a\\u0000b"}'],
  ['2 MiB', `{"name": "${'x'.repeat(2 * 1024 * 1024)}"}`],
  ['huge number', `{"name": ${'9'.repeat(5000)}}`],
];

export const HOSTILE_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=nonsense',
  'application/xml',
  'APPLICATION/JSON',
  'application/json, text/plain',
  '*/*',
  'application/',
];

/** Path ids of every wrong shape, and a few right-shaped ones that exist nowhere. */
export const ODD_IDS = [
  '0',
  '-1',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  'a'.repeat(3000),
  '65A1F0C2E4B0A1B2C3D4E5F6',
  '65a1f0c2e4b0a1b2c3d4e5f',
  '65a1f0c2e4b0a1b2c3d4e5f6a',
  'zzzzzzzzzzzzzzzzzzzzzzzz',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '0000000-00000-0000-0000-000000000000',
  '%00',
  '%ff%fe',
  '%E2%80%AE',
  '%F0%9F%98%80',
  '..%2F..%2Fetc',
  '%2e%2e',
  '%20',
  '%',
  "1'%20OR%20'1'='1",
  '1e309',
  'NaN',
  '%5B%5D',
];

export const ODD_QUERY_VALUES = ['', '-1', '0', '101', '1e309', 'NaN', 'abc', '1.5', '9'.repeat(400), '%00', '%ff', 'a'.repeat(5000), '__proto__', 'constructor', '%7B%7D', 'null', 'true'];
