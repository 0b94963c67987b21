import { BIN_RATIO, latencyPercentiles, LOWEST_MS, type LatencyBins } from './latency-bins';

/** The bins of these latencies, as the SQL of stats-queries.ts makes them. */
const binsOf = (latencies: number[]): LatencyBins => {
  const counts = new Map<number, number>();
  for (const ms of latencies) {
    const bin = Math.floor(Math.log(Math.max(ms, LOWEST_MS)) / Math.log(BIN_RATIO));
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  const bins = [...counts.keys()].sort((a, b) => a - b);
  return [bins, bins.map((bin) => counts.get(bin)!)];
};
const nearestRank = (latencies: number[], q: number) => [...latencies].sort((a, b) => a - b)[Math.ceil(q * latencies.length) - 1];

describe('latencyPercentiles', () => {
  it('is within 5 % of the nearest-rank percentile, however the latencies spread', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let round = 0; round < 200; round++) {
      const latencies = Array.from({ length: 1 + Math.floor(random() * 500) }, () => LOWEST_MS + random() ** 3 * 60_000);
      for (const q of [0.5, 0.99]) {
        const [got] = latencyPercentiles([binsOf(latencies)], [q]);
        const want = nearestRank(latencies, q);
        expect(Math.abs(got! - want) / want).toBeLessThan(0.049);
      }
    }
  });

  it('adds up the minutes of a bucket before ranking', () => {
    const early = [1, 2, 3, 4, 5];
    const late = [100, 200, 300, 400, 500];
    const [p50, p99] = latencyPercentiles([binsOf(early), binsOf(late)], [0.5, 0.99]);
    expect(p50! / 5).toBeCloseTo(1, 1);
    expect(p99! / 500).toBeCloseTo(1, 1);
  });

  it('has no percentile without a latency', () => {
    expect(latencyPercentiles([[[], []]], [0.5])).toEqual([null]);
    expect(latencyPercentiles([], [0.99])).toEqual([null]);
  });
});
