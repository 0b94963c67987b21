/** Retries of a burst spread over ±20% of their step, so that they do not reach the runtime together. */
const JITTER = 0.2;

/**
 * How long to wait before the retry that follows attempt `step` (counted from 0), in whole milliseconds, or null once the
 * schedule has run out and the invocation is `failed`. `random` is in [0, 1), as Math.random.
 */
export function retryDelayMs(scheduleSeconds: readonly number[], step: number, random: () => number = Math.random): number | null {
  if (step >= scheduleSeconds.length) return null;
  return Math.round(scheduleSeconds[step] * 1000 * (1 - JITTER + 2 * JITTER * random()));
}
