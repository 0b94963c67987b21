import { CircuitBreakers } from './circuit-breaker';

describe('CircuitBreakers (an instance view of the shared circuits)', () => {
  const now = 1_000_000;
  let view: CircuitBreakers;

  beforeEach(() => {
    view = new CircuitBreakers();
  });

  it('lets every call to a connection it knows nothing of through, with no trial', () => {
    expect(view.admit('a', now, now + 100)).toEqual({ allowed: true, trial: false });
    expect(view.has('a')).toBe(false);
  });

  it('lets calls through while failures are below the threshold (not open)', () => {
    view.set('a', { failures: 4, openUntil: null });
    expect([view.admit('a', now, 0), view.admit('a', now, 0)]).toEqual([{ allowed: true, trial: false }, { allowed: true, trial: false }]);
  });

  it('refuses calls until the circuit opens no more, saying for how long', () => {
    view.set('a', { failures: 5, openUntil: now + 1000 });
    expect(view.admit('a', now, now + 50)).toEqual({ allowed: false, retryAfterMs: 1000, failures: 5 });
    expect(view.admit('a', now + 999, now + 50)).toEqual({ allowed: false, retryAfterMs: 1, failures: 5 });
    expect(view.admit('b', now, now + 50)).toEqual({ allowed: true, trial: false });
  });

  it('after the cooldown offers one trial, and holds off everyone else here until its lease ends', () => {
    view.set('a', { failures: 5, openUntil: now });
    expect(view.admit('a', now, now + 500)).toEqual({ allowed: true, trial: true });
    expect(view.admit('a', now + 499, now + 999)).toMatchObject({ allowed: false, failures: 5 });
    // The trial's instance died without a verdict: once its lease is over, another trial may go.
    expect(view.admit('a', now + 500, now + 1000)).toEqual({ allowed: true, trial: true });
  });

  it('waits for a trial out on another instance', () => {
    view.trialElsewhere('a', { failures: 5, openUntil: now - 1 }, now + 300);
    expect(view.admit('a', now, now + 500)).toMatchObject({ allowed: false });
    expect(view.admit('a', now + 300, now + 800)).toEqual({ allowed: true, trial: true });
  });

  it('closes on a state with no failures, and on none', () => {
    view.set('a', { failures: 5, openUntil: now + 1000 });
    view.set('a', { failures: 0, openUntil: null });
    expect(view.admit('a', now, 0)).toEqual({ allowed: true, trial: false });
    view.set('b', { failures: 5, openUntil: now + 1000 });
    view.set('b', null);
    expect(view.has('b')).toBe(false);
  });

  it('is bounded: the least recently used circuit goes first', () => {
    const small = new CircuitBreakers(3);
    small.set('hot', { failures: 2, openUntil: now + 1000 });
    for (let i = 0; i < 10; i++) {
      small.set(`cold-${i}`, { failures: 2, openUntil: now + 1000 });
      expect(small.admit('hot', now, 0)).toMatchObject({ allowed: false });
    }
    expect(small.size).toBe(3);
    expect(small.admit('cold-0', now, 0)).toEqual({ allowed: true, trial: false });
    expect(small.admit('cold-9', now, 0)).toMatchObject({ allowed: false });
  });
});
