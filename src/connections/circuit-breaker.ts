import { LRUCache } from 'lru-cache';
import { CACHE_BOUNDS } from '../common/cache-bounds';

export interface CircuitOptions {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long an open circuit refuses calls before letting one trial through. */
  cooldownMs: number;
  now?: () => number;
  /** How many failing connections are remembered; the least recently used goes first. */
  max?: number;
}

interface Circuit {
  failures: number;
  /** Set while open: until when calls are refused. */
  openUntil: number;
  /** A half-open trial call is out; everyone else waits for its verdict. */
  trial: boolean;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number; failures: number };

/**
 * One breaker per connection, in this process's memory. After `failures` consecutive failed dispatches the
 * connection fails fast for `cooldownMs`; then exactly one trial call goes through, and its outcome closes
 * the circuit or opens it for another cooldown. State is per instance on purpose: it protects this
 * instance's pool and answers in microseconds, and with several instances each one opens on its own
 * evidence (at most `failures` calls per instance reach a dead backend per cooldown).
 */
export class CircuitBreakers {
  // Every admit of a connection marks it used, so the circuits evicted first are those nobody calls.
  private readonly circuits: LRUCache<string, Circuit>;
  private readonly now: () => number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
    this.circuits = new LRUCache({ max: options.max ?? CACHE_BOUNDS.circuits });
  }

  get size(): number {
    return this.circuits.size;
  }

  /** Whether a call may go out now. When it may and the circuit is half-open, the caller is the trial. */
  admit(id: string): Admission {
    const circuit = this.circuits.get(id);
    if (!circuit || circuit.failures < this.options.failures) return { allowed: true };
    const now = this.now();
    if (circuit.trial || now < circuit.openUntil) {
      return { allowed: false, retryAfterMs: Math.max(circuit.openUntil - now, 0), failures: circuit.failures };
    }
    circuit.trial = true;
    return { allowed: true };
  }

  succeeded(id: string): void {
    // Healthy connections keep no entry, so the map only holds connections that are failing.
    this.circuits.delete(id);
  }

  failed(id: string): void {
    const circuit = this.circuits.get(id) ?? { failures: 0, openUntil: 0, trial: false };
    circuit.failures += 1;
    circuit.trial = false;
    if (circuit.failures >= this.options.failures) circuit.openUntil = this.now() + this.options.cooldownMs;
    this.circuits.set(id, circuit);
  }

  /** Forgets a connection's history, for when its configuration changed or it is gone. */
  reset(id: string): void {
    this.circuits.delete(id);
  }
}
