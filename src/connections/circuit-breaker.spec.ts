import { CircuitBreakers } from './circuit-breaker';

describe('CircuitBreakers', () => {
  let now: number;
  let breakers: CircuitBreakers;
  const fail = (id: string, times: number) => {
    for (let i = 0; i < times; i++) {
      expect(breakers.admit(id).allowed).toBe(true);
      breakers.failed(id);
    }
  };

  beforeEach(() => {
    now = 1_000_000;
    breakers = new CircuitBreakers({ failures: 3, cooldownMs: 1000, now: () => now });
  });

  it('stays closed below the failure threshold and forgets failures after a success', () => {
    fail('a', 2);
    breakers.succeeded('a');
    fail('a', 2);
    expect(breakers.admit('a')).toEqual({ allowed: true });
  });

  it('lets every call through below the threshold, however many are in flight at once', () => {
    fail('a', 2);
    expect([breakers.admit('a'), breakers.admit('a'), breakers.admit('a')]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
  });

  it('opens after consecutive failures and refuses calls for the cooldown', () => {
    fail('a', 3);
    expect(breakers.admit('a')).toEqual({ allowed: false, retryAfterMs: 1000, failures: 3 });
    now += 999;
    expect(breakers.admit('a')).toEqual({ allowed: false, retryAfterMs: 1, failures: 3 });
    expect(breakers.admit('b')).toEqual({ allowed: true });
  });

  it('lets exactly one trial through after the cooldown; its success closes the circuit', () => {
    fail('a', 3);
    now += 1000;
    expect(breakers.admit('a')).toEqual({ allowed: true });
    expect(breakers.admit('a')).toMatchObject({ allowed: false });
    breakers.succeeded('a');
    expect(breakers.admit('a')).toEqual({ allowed: true });
    expect(breakers.admit('a')).toEqual({ allowed: true });
  });

  it('opens for another cooldown when the trial fails', () => {
    fail('a', 3);
    now += 1000;
    expect(breakers.admit('a').allowed).toBe(true);
    breakers.failed('a');
    expect(breakers.admit('a')).toEqual({ allowed: false, retryAfterMs: 1000, failures: 4 });
    now += 1000;
    expect(breakers.admit('a').allowed).toBe(true);
  });

  it('forgets a connection on reset', () => {
    fail('a', 3);
    breakers.reset('a');
    expect(breakers.admit('a')).toEqual({ allowed: true });
  });
});

describe('CircuitBreakers, bounded', () => {
  let now = 1_000_000;
  const breakers = new CircuitBreakers({ failures: 2, cooldownMs: 1000, now: () => now, max: 3 });
  const open = (id: string) => {
    breakers.failed(id);
    breakers.failed(id);
  };

  it('keeps the open circuit of a hot connection while cold ones are evicted', () => {
    open('hot');
    for (let i = 0; i < 10; i++) {
      open(`cold-${i}`);
      expect(breakers.admit('hot')).toMatchObject({ allowed: false });
    }
    expect(breakers.size).toBe(3);
    expect(breakers.admit('cold-0')).toEqual({ allowed: true });
    expect(breakers.admit('cold-9')).toMatchObject({ allowed: false });
    now += 1000;
    expect(breakers.admit('hot')).toEqual({ allowed: true });
  });
});
