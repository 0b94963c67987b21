import { nestedDeeperThan } from './json-depth';

const nested = (levels: number, inner = '1') => Buffer.from('{"a":'.repeat(levels - 1) + `[${inner}]` + '}'.repeat(levels - 1));

describe('nestedDeeperThan', () => {
  it('accepts exactly the limit and refuses one level more', () => {
    expect(nestedDeeperThan(nested(64), 64)).toBe(false);
    expect(nestedDeeperThan(nested(65), 64)).toBe(true);
  });

  it('scans 100,000 levels without overflowing', () => {
    expect(nestedDeeperThan(Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), 64)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[{{{{"\\"[[[[', b: ['ü[', '\\'] });
    expect(nestedDeeperThan(Buffer.from(text), 2)).toBe(false);
    expect(nestedDeeperThan(Buffer.from(JSON.stringify({ a: '"' + '['.repeat(10), b: [[[1]]] })), 3)).toBe(true);
  });

  it('counts depth, not the number of brackets', () => {
    expect(nestedDeeperThan(Buffer.from(JSON.stringify(Array.from({ length: 1000 }, () => [[1]]))), 3)).toBe(false);
  });
});
