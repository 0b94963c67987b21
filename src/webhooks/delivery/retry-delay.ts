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

/**
 * A Retry-After header (delay-seconds or an HTTP date) as milliseconds from `now`, or null when it says
 * nothing usable. A date in the past asks for no wait.
 */
export function retryAfterMs(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
  return Math.max(0, at - now);
}

/**
 * The wait before the next attempt: the schedule's, or longer when the runtime asked for longer, but never
 * past the schedule's largest step, so that a runtime cannot park a call for ever.
 */
export function nextDelayMs(scheduled: number, askedMs: number | null | undefined, scheduleSeconds: readonly number[]): number {
  if (askedMs === null || askedMs === undefined) return scheduled;
  const cap = Math.max(0, ...scheduleSeconds) * 1000;
  return Math.max(scheduled, Math.min(askedMs, cap));
}
