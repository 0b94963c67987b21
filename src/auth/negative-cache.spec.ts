import { NegativeCache } from './negative-cache';

describe('NegativeCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('remembers a key until its time is up, then forgets it', () => {
    const cache = new NegativeCache(5000, 10, clock);
    cache.add('k');
    now += 4999;
    expect(cache.has('k')).toBe(true);
    now += 2;
    expect(cache.has('k')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('forgets a key at once when told (a key just created)', () => {
    const cache = new NegativeCache(5000, 10, clock);
    cache.add('k');
    cache.delete('k');
    expect(cache.has('k')).toBe(false);
  });

  it('holds at most max keys, dropping the oldest first', () => {
    const cache = new NegativeCache(5000, 3, clock);
    for (const key of ['a', 'b', 'c', 'd']) cache.add(key);
    expect(cache.size).toBe(3);
    expect(cache.has('a')).toBe(false);
    expect(['b', 'c', 'd'].every((key) => cache.has(key))).toBe(true);
  });
});
