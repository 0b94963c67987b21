import { LRUCache } from 'lru-cache';

/**
 * Remembers, for a short while, keys that were looked up and not found, so a flood of the same unknown
 * key costs one query. Bounded: past `max` entries the least recently seen goes first.
 */
export class NegativeCache {
  private readonly entries: LRUCache<string, true>;

  constructor(ttlMs: number, max: number, now: () => number = Date.now) {
    // ttlResolution 0: read the clock on every check, so an injected clock is obeyed to the millisecond.
    this.entries = new LRUCache({ max, ttl: ttlMs, ttlResolution: 0, perf: { now } });
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  add(key: string): void {
    this.entries.set(key, true);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    this.entries.purgeStale();
    return this.entries.size;
  }
}
