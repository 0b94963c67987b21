import { LRUCache } from 'lru-cache';
import { CACHE_BOUNDS } from '../common/cache-bounds';

/** A connection's shared circuit: consecutive failures, and while open, until when calls are refused. */
export interface CircuitState {
  failures: number;
  /** Epoch milliseconds; null while the failures are below the threshold. */
  openUntil: number | null;
}

interface Circuit extends CircuitState {
  /** A trial call is out (here or on another instance) until then; 0 when none is known of. */
  trialUntil: number;
}

export type Admission =
  | { allowed: true; trial: false }
  /** The cooldown is over and no trial is known to be out: this caller may be the one trial. */
  | { allowed: true; trial: true }
  | { allowed: false; retryAfterMs: number; failures: number };

/**
 * This instance's view of the shared circuits (kept current by the store's answers and the other
 * instances' notices), so that admitting a call to a healthy connection, which has no entry, costs
 * nothing but a map lookup. Bounded: a connection that nobody calls is evicted first.
 */
export class CircuitBreakers {
  private readonly circuits: LRUCache<string, Circuit>;

  constructor(max: number = CACHE_BOUNDS.circuits) {
    this.circuits = new LRUCache({ max });
  }

  get size(): number {
    return this.circuits.size;
  }

  has(id: string): boolean {
    return this.circuits.has(id);
  }

  /** Whether a call may go out at `now`. A trial admission holds off the others here until `trialUntil`. */
  admit(id: string, now: number, trialUntil: number): Admission {
    const circuit = this.circuits.get(id);
    if (!circuit || circuit.openUntil === null) return { allowed: true, trial: false };
    if (now < circuit.openUntil || now < circuit.trialUntil) {
      return { allowed: false, retryAfterMs: Math.max(circuit.openUntil - now, 0), failures: circuit.failures };
    }
    circuit.trialUntil = trialUntil;
    return { allowed: true, trial: true };
  }

  /** The circuit as the store or another instance says it now is; none or 0 failures: closed. */
  set(id: string, state: CircuitState | null): void {
    if (!state || state.failures === 0) {
      this.circuits.delete(id);
      return;
    }
    this.circuits.set(id, { failures: state.failures, openUntil: state.openUntil, trialUntil: 0 });
  }

  /** Another instance's trial is out until then: calls here wait for its verdict. */
  trialElsewhere(id: string, state: CircuitState, trialUntil: number): void {
    this.circuits.set(id, { ...state, trialUntil });
  }

  clear(): void {
    this.circuits.clear();
  }
}
