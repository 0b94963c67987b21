import { readConfiguration } from '../../config/configuration';
import { nextDelayMs, retryAfterMs, retryDelayMs } from './retry-delay';

/** §3.3: the default RETRY_SCHEDULE, in seconds. */
const CONTRACT_DEFAULT = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe('retryDelayMs', () => {
  it('is the contract default schedule when RETRY_SCHEDULE is unset', () => {
    expect(readConfiguration({}).webhooks.retryScheduleSeconds).toEqual(CONTRACT_DEFAULT);
  });

  it('waits 20% less than the step at random 0 and 20% more as random nears 1', () => {
    const schedule = CONTRACT_DEFAULT;
    expect(retryDelayMs(schedule, 0, () => 0)).toBe(4000);
    expect(retryDelayMs(schedule, 0, () => 1)).toBe(6000);
    expect(retryDelayMs(schedule, 1, () => 0)).toBe(240_000);
    expect(retryDelayMs(schedule, 1, () => 1)).toBe(360_000);
    expect(retryDelayMs(schedule, 6, () => 0)).toBe(28_800_000);
    expect(retryDelayMs(schedule, 6, () => 1)).toBe(43_200_000);
  });

  it('is the scheduled step itself at random 0.5, and moves linearly between the bounds', () => {
    expect(retryDelayMs([10], 0, () => 0.5)).toBe(10_000);
    expect(retryDelayMs([10], 0, () => 0.25)).toBe(9000);
  });

  it('takes the step the invocation has reached', () => {
    expect(retryDelayMs([1, 2, 3], 2, () => 0.5)).toBe(3000);
  });

  it('is null once the schedule has run out, so the invocation fails', () => {
    expect(retryDelayMs([5, 300], 2, () => 0.5)).toBeNull();
    expect(retryDelayMs([], 0, () => 0.5)).toBeNull();
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });
  it('asks for no wait for a date gone by, and nothing for what it cannot read', () => {
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect(retryAfterMs('-5', now)).toBeNull();
    expect(retryAfterMs('1.5', now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });
});

describe('nextDelayMs', () => {
  it('waits at least what the runtime asked, at most the largest step', () => {
    expect(nextDelayMs(5000, null, [5, 300])).toBe(5000);
    expect(nextDelayMs(5000, 60_000, [5, 300])).toBe(60_000);
    expect(nextDelayMs(5000, 1000, [5, 300])).toBe(5000);
    expect(nextDelayMs(5000, 10_000_000, [5, 300])).toBe(300_000);
  });
});
