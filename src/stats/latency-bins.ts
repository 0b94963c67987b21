/**
 * Latencies are counted in bins that grow by 10 % each, so that minutes add up into hours and days: a
 * bin's geometric middle is within 4.9 % of every latency in it (under LOWEST_MS everything shares the
 * lowest bin). A percentile is the middle of the bin that holds the nearest-rank value.
 */
export const BIN_RATIO = 1.1;
export const LOWEST_MS = 0.1;

/** Bin numbers and their counts, in ascending bin order. */
export type LatencyBins = [bins: number[], counts: number[]];

export function latencyPercentiles(minutes: LatencyBins[], quantiles: number[]): (number | null)[] {
  const counts = new Map<number, number>();
  for (const [bins, ns] of minutes) bins.forEach((bin, i) => counts.set(bin, (counts.get(bin) ?? 0) + ns[i]));
  const bins = [...counts.keys()].sort((a, b) => a - b);
  const total = bins.reduce((sum, bin) => sum + counts.get(bin)!, 0);
  return quantiles.map((q) => {
    let upTo = 0;
    for (const bin of bins) {
      upTo += counts.get(bin)!;
      if (upTo >= Math.ceil(q * total)) return BIN_RATIO ** (bin + 0.5);
    }
    return null;
  });
}
