import type { RuntimeDelivery } from './runtime';

/** A small seeded generator (mulberry32): the same attempts fail on every run, whatever the timing. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most deliveries that were at the runtime at once; one never answered (cut off by a kill) lasts to the end. */
export function mostAtOnce(deliveries: RuntimeDelivery[]): number {
  const edges = deliveries.flatMap((d) => [
    { at: d.arrivedAt, step: 1 },
    { at: d.answeredAt ?? Infinity, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.step));
  return most;
}
