import type Redis from 'ioredis';
import { Sql } from '../database/sql';
import type { CircuitState } from './circuit-breaker';

export interface CircuitRules {
  /** Consecutive failures that open the circuit. */
  failures: number;
  cooldownMs: number;
}

export type TrialClaim = { claimed: true } | { claimed: false; state: CircuitState | null; trialUntil: number };

/**
 * Where the circuits of all instances live. Times are epoch milliseconds from the callers' clocks. Only
 * failures, trials and their outcomes come here: a healthy connection's dispatch never does.
 */
export interface CircuitStore {
  /** Counts one more consecutive failure (ending any trial) and says how the circuit now stands. */
  recordFailure(id: string, now: number, rules: CircuitRules): Promise<CircuitState | null>;
  /** Makes the caller the one trial, cluster-wide, when the cooldown is over and no other trial is out. */
  claimTrial(id: string, now: number, trialUntil: number): Promise<TrialClaim>;
  clear(id: string): Promise<void>;
  /** Every circuit that is failing, for an instance that starts or may have missed notices. */
  failing(limit: number): Promise<Array<CircuitState & { id: string }>>;
}

interface CircuitRow {
  connection_id: string;
  failures: number;
  open_until: string | null;
  trial_until: string | null;
}

const stateOf = (row: CircuitRow): CircuitState => ({ failures: row.failures, openUntil: row.open_until === null ? null : Number(row.open_until) });

/** In the connections' own database: a row per failing connection, gone with the connection. */
export class PostgresCircuitStore implements CircuitStore {
  constructor(private readonly sql: Sql) {}

  async recordFailure(id: string, now: number, rules: CircuitRules): Promise<CircuitState | null> {
    // Selected from connections so that a connection deleted meanwhile records nothing.
    const [row] = await this.sql.query<CircuitRow>(
      `INSERT INTO connection_circuits AS c (connection_id, failures, open_until)
       SELECT id, 1, CASE WHEN $3::int <= 1 THEN $2::bigint + $4::bigint END FROM connections WHERE id = $1
       ON CONFLICT (connection_id) DO UPDATE SET
         failures = c.failures + 1,
         open_until = CASE WHEN c.failures + 1 >= $3::int THEN $2::bigint + $4::bigint ELSE c.open_until END,
         trial_until = NULL
       RETURNING connection_id, failures, open_until, trial_until`,
      [id, now, rules.failures, rules.cooldownMs],
      'circuits_record_failure',
    );
    return row ? stateOf(row) : null;
  }

  async claimTrial(id: string, now: number, trialUntil: number): Promise<TrialClaim> {
    // The outer SELECT sees the row as it was before the claim, which is what a refused caller needs.
    const [row] = await this.sql.query<CircuitRow & { claimed: boolean }>(
      `WITH claimed AS (
         UPDATE connection_circuits SET trial_until = $3::bigint
          WHERE connection_id = $1 AND open_until <= $2::bigint AND (trial_until IS NULL OR trial_until <= $2::bigint)
          RETURNING connection_id
       )
       SELECT c.connection_id, c.failures, c.open_until, c.trial_until, EXISTS (SELECT 1 FROM claimed) AS claimed
         FROM connection_circuits c WHERE c.connection_id = $1`,
      [id, now, trialUntil],
      'circuits_claim_trial',
    );
    if (row?.claimed) return { claimed: true };
    return { claimed: false, state: row ? stateOf(row) : null, trialUntil: row?.trial_until ? Number(row.trial_until) : 0 };
  }

  async clear(id: string): Promise<void> {
    await this.sql.query(`DELETE FROM connection_circuits WHERE connection_id = $1`, [id], 'circuits_clear');
  }

  async failing(limit: number): Promise<Array<CircuitState & { id: string }>> {
    const rows = await this.sql.query<CircuitRow>(`SELECT connection_id, failures, open_until, trial_until FROM connection_circuits LIMIT $1`, [limit]);
    return rows.map((row) => ({ id: row.connection_id, ...stateOf(row) }));
  }
}

const PREFIX = 'bothooks:circuit:';
const FAILING = 'bothooks:circuits';

const RECORD_FAILURE = `
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('HDEL', KEYS[1], 'trialUntil')
  if failures >= tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'openUntil', ARGV[1]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[4])
  return {failures, redis.call('HGET', KEYS[1], 'openUntil') or ''}`;

const CLAIM_TRIAL = `
  local failures = redis.call('HGET', KEYS[1], 'failures')
  if not failures then return {0} end
  local openUntil = redis.call('HGET', KEYS[1], 'openUntil')
  local trialUntil = redis.call('HGET', KEYS[1], 'trialUntil')
  local now = tonumber(ARGV[1])
  if openUntil and tonumber(openUntil) <= now and (not trialUntil or tonumber(trialUntil) <= now) then
    redis.call('HSET', KEYS[1], 'trialUntil', ARGV[2])
    return {1}
  end
  return {2, tonumber(failures), openUntil or '', trialUntil or ''}`;

/**
 * In Redis (REDIS_URL), beside the rate limits: a hash per failing connection, changed by scripts so that
 * counting and claiming are atomic. A hash expires well after its cooldown, so a deleted connection's
 * leaves nothing behind for long.
 */
export class RedisCircuitStore implements CircuitStore {
  constructor(private readonly redis: Redis) {}

  async recordFailure(id: string, now: number, rules: CircuitRules): Promise<CircuitState | null> {
    const keepMs = Math.max(rules.cooldownMs * 10, 3_600_000);
    const [failures, openUntil] = (await this.redis.eval(RECORD_FAILURE, 2, PREFIX + id, FAILING, now + rules.cooldownMs, rules.failures, keepMs, id)) as [number, string];
    return { failures, openUntil: openUntil === '' ? null : Number(openUntil) };
  }

  async claimTrial(id: string, now: number, trialUntil: number): Promise<TrialClaim> {
    const [verdict, failures, openUntil, otherTrial] = (await this.redis.eval(CLAIM_TRIAL, 1, PREFIX + id, now, trialUntil)) as [number, number?, string?, string?];
    if (verdict === 1) return { claimed: true };
    if (verdict === 0) return { claimed: false, state: null, trialUntil: 0 };
    return { claimed: false, state: { failures: failures!, openUntil: openUntil ? Number(openUntil) : null }, trialUntil: otherTrial ? Number(otherTrial) : 0 };
  }

  async clear(id: string): Promise<void> {
    await this.redis.multi().del(PREFIX + id).srem(FAILING, id).exec();
  }

  async failing(limit: number): Promise<Array<CircuitState & { id: string }>> {
    const ids = (await this.redis.srandmember(FAILING, limit)) as string[];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(PREFIX + id, 'failures', 'openUntil');
    const replies = (await pipeline.exec()) ?? [];
    const found: Array<CircuitState & { id: string }> = [];
    ids.forEach((id, i) => {
      const [failures, openUntil] = (replies[i]?.[1] ?? [null, null]) as [string | null, string | null];
      if (failures === null) void this.redis.srem(FAILING, id);
      else found.push({ id, failures: Number(failures), openUntil: openUntil === null ? null : Number(openUntil) });
    });
    return found;
  }
}
