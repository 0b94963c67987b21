import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { CACHE_BOUNDS } from '../common/cache-bounds';
import { ChangeNotices } from '../common/change-notices';
import { Clock } from '../common/clock';
import { connectionsConfig } from '../config/connections.config';
import type { ConfigType } from '../config/section';
import { webhooksConfig } from '../config/webhooks.config';
import { Sql } from '../database/sql';
import { Admission, CircuitBreakers, CircuitState } from './circuit-breaker';
import { CircuitRules, CircuitStore, PostgresCircuitStore, RedisCircuitStore, TrialClaim } from './circuit-store';

/** How long past its own timeout a trial call may take before another instance may try instead. */
const TRIAL_MARGIN_MS = 5000;

/**
 * One circuit per connection for the whole cluster (§4.3): after CIRCUIT_FAILURES consecutive failed
 * dispatches, on whichever instances, the connection fails fast everywhere for CIRCUIT_COOLDOWN_MS; then
 * exactly one trial call, on one instance, closes it or opens it for another cooldown. The state is kept
 * in Postgres (or Redis with REDIS_URL); every change is announced, so each instance judges from its own
 * view and a healthy connection's dispatch costs no round trip. Only failures, trials and the first
 * success after failures go to the store.
 */
@Injectable()
export class Circuits implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Circuits');
  private readonly view = new CircuitBreakers();
  private readonly store: CircuitStore;
  private readonly rules: CircuitRules;
  private readonly redis: Redis | null;

  constructor(
    sql: Sql,
    private readonly notices: ChangeNotices,
    private readonly clock: Clock,
    @Inject(connectionsConfig.KEY) config: ConfigType<typeof connectionsConfig>,
    @Inject(webhooksConfig.KEY) webhooks: ConfigType<typeof webhooksConfig>,
  ) {
    this.rules = { failures: config.circuitFailures, cooldownMs: config.circuitCooldownMs };
    this.redis = webhooks.redisUrl ? this.connect(webhooks.redisUrl) : null;
    this.store = this.redis ? new RedisCircuitStore(this.redis) : new PostgresCircuitStore(sql);
    notices.subscribe('circuit_changed', ({ connectionId, failures, openUntil }) => this.view.set(connectionId, { failures, openUntil }));
    notices.subscribe('connection_changed', ({ connectionId }) => this.view.set(connectionId, null));
    notices.onResync(() => void this.load());
  }

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() would wait for a Redis that is away; then there is nothing to say goodbye to.
    if (this.redis?.status === 'ready') await this.redis.quit().catch(() => this.redis?.disconnect());
    else this.redis?.disconnect();
  }

  /** Whether a call may go out now; `timeoutMs` is the call's own, for how long a trial may hold the others off. */
  async admit(id: string, timeoutMs: number): Promise<Admission> {
    const now = this.clock.now();
    const trialUntil = now + timeoutMs + TRIAL_MARGIN_MS;
    const local = this.view.admit(id, now, trialUntil);
    if (!local.allowed || !local.trial) return local;
    let claim: TrialClaim;
    try {
      claim = await this.store.claimTrial(id, now, trialUntil);
    } catch (error) {
      // Without the store the trial is this instance's alone; the others hold off until the outcome.
      this.logger.warn(`trial of connection ${id} not claimed cluster-wide: ${(error as Error).message}`);
      return local;
    }
    if (claim.claimed) return local;
    if (!claim.state) {
      // Closed meanwhile by another instance, whose notice is on its way.
      this.view.set(id, null);
      return { allowed: true, trial: false };
    }
    // The other trial's lease may not be visible to the refused claim (it raced ours); ours bounds the wait.
    this.view.trialElsewhere(id, claim.state, claim.trialUntil > now ? claim.trialUntil : trialUntil);
    return { allowed: false, retryAfterMs: Math.max((claim.state.openUntil ?? now) - now, 0), failures: claim.state.failures };
  }

  /** A success closes a circuit that had failures; a healthy connection's costs nothing. */
  async succeeded(id: string): Promise<void> {
    if (!this.view.has(id)) return;
    this.view.set(id, null);
    await this.write(id, async () => {
      await this.store.clear(id);
      return null;
    });
  }

  async failed(id: string): Promise<void> {
    await this.write(id, () => this.store.recordFailure(id, this.clock.now(), this.rules));
  }

  /** Forgets the connection's failures, for when its configuration changed or it is gone. */
  async reset(id: string): Promise<void> {
    this.view.set(id, null);
    await this.store.clear(id);
  }

  private async write(id: string, change: () => Promise<CircuitState | null>): Promise<void> {
    let state: CircuitState | null;
    try {
      state = await change();
    } catch (error) {
      // The dispatch's own answer stands; the circuit catches up on the next failure.
      this.logger.warn(`circuit of connection ${id} not updated: ${(error as Error).message}`);
      return;
    }
    this.view.set(id, state);
    await this.notices.publish('circuit_changed', { connectionId: id, failures: state?.failures ?? 0, openUntil: state?.openUntil ?? null });
  }

  private async load(): Promise<void> {
    try {
      const failing = await this.store.failing(CACHE_BOUNDS.circuits);
      this.view.clear();
      for (const circuit of failing) this.view.set(circuit.id, circuit);
    } catch (error) {
      this.logger.warn(`circuits not loaded: ${(error as Error).message}`);
    }
  }

  private connect(url: string): Redis {
    const { default: RedisClient } = require('ioredis') as typeof import('ioredis');
    // Unlike the rate limits there is no memory to fall back on: a circuit write waits briefly, then gives up.
    const redis = new RedisClient(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    let lastWarning = 0;
    redis.on('error', (error: Error) => {
      if (Date.now() - lastWarning < 60_000) return;
      lastWarning = Date.now();
      this.logger.warn(`Redis for circuits is unavailable: ${error.message}`);
    });
    return redis;
  }
}
