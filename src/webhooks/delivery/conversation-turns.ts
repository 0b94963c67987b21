import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import { webhooksConfig } from '../../config/webhooks.config';
import { Sql } from '../../database/sql';
import { idsTimeRange } from '../../common/ids';

/** A conversation's key (its chat, else its user) in SQL, for the invocations row aliased `alias`. */
export const conversationOf = (alias: string): string =>
  `CASE WHEN ${alias}.chat_id IS NOT NULL THEN 'c:' || ${alias}.chat_id WHEN ${alias}.user_id IS NOT NULL THEN 'u:' || ${alias}.user_id END`;

/**
 * An earlier call of the same conversation that still holds it: waiting or being retried, not freed by a
 * redeliver, and not failing for longer than the hold ($hold seconds). Written so that the partial index
 * invocations_conversation_queue answers it.
 */
const holdsBefore = (hold: string) => `
  EXISTS (SELECT 1 FROM invocations p
           WHERE p.route = 'push' AND p.status = 'queued' AND p.bot_id = c.bot_id AND (${conversationOf('p')}) = c.conversation
             AND p.id < c.id AND NOT p.order_free
             AND (p.order_held_since IS NULL OR p.order_held_since > now() - ${hold} * interval '1 second'))`;

/**
 * Takes the turn for at most one call per conversation: the first of those given that no earlier call
 * holds up, and only while no other call of the conversation has a live lease. A lease rather than a row
 * lock held through the attempt, so that no connection waits on the runtime and a killed instance's turn
 * passes on once its lease runs out.
 *
 * The call must still be waiting when its turn is taken, read under a row lock: the caller read it before,
 * and in between another worker may have attempted it and passed the turn on (the turn row is gone then, so
 * nothing else stops a second, late attempt after the conversation moved on). Locking re-reads a row that
 * changed since the statement began; a row being settled right now is skipped, since whoever settles it
 * holds its turn. The counters come back fresh for the same reason.
 */
const CLAIM = `
  WITH live AS (
    SELECT i.id, i.attempts, i.retry_step, i.order_free, i.order_held_since
      FROM invocations i
     WHERE i.id = ANY($1::uuid[]) AND i.received_at BETWEEN $6 AND $7 AND i.status = 'queued' AND i.route = 'push'
       FOR SHARE OF i SKIP LOCKED
  ), c AS (
    SELECT DISTINCT ON (c.bot_id, c.conversation) c.id, c.bot_id, c.conversation
      FROM unnest($1::uuid[], $2::varchar[], $3::varchar[]) AS c(id, bot_id, conversation)
     WHERE c.id IN (SELECT id FROM live) AND NOT ${holdsBefore('$4::int')}
     ORDER BY c.bot_id, c.conversation, c.id
  ), taken AS (
    INSERT INTO conversation_turns AS t (bot_id, conversation, invocation_id, lease_until)
    SELECT bot_id, conversation, id, now() + $5::int * interval '1 millisecond' FROM c
    ON CONFLICT (bot_id, conversation) DO UPDATE SET invocation_id = EXCLUDED.invocation_id, lease_until = EXCLUDED.lease_until
     WHERE t.lease_until < now()
    RETURNING t.invocation_id
  )
  SELECT live.* FROM taken JOIN live ON live.id = taken.invocation_id`;

/**
 * Gives the turns of these calls back and names, per conversation, the call whose turn it is now: the
 * first one due that nothing earlier holds up.
 */
const PASS = `
  WITH released AS (
    DELETE FROM conversation_turns WHERE invocation_id = ANY($1::uuid[]) RETURNING bot_id, conversation
  ), conversations AS (
    SELECT DISTINCT bot_id, conversation FROM (
      SELECT bot_id, conversation FROM released
      UNION ALL SELECT * FROM unnest($2::varchar[], $3::varchar[])
    ) AS all_of(bot_id, conversation)
  )
  SELECT DISTINCT ON (q.bot_id, (${conversationOf('q')})) q.id
    FROM conversations k
    JOIN invocations q ON q.route = 'push' AND q.status = 'queued' AND q.bot_id = k.bot_id AND (${conversationOf('q')}) = k.conversation
   CROSS JOIN LATERAL (SELECT q.id, q.bot_id, k.conversation) AS c
   WHERE q.next_attempt_at <= now() AND NOT ${holdsBefore('$4::int')}
   ORDER BY q.bot_id, (${conversationOf('q')}), q.id`;

/** A call whose turn it is, with the counters its attempt goes on from. */
export interface ClaimedCall {
  id: string;
  attempts: number;
  retry_step: number;
  order_free: boolean;
  order_held_since: Date | null;
}

/** One call of an ordered conversation. */
export interface ConversationCall {
  id: string;
  botId: string;
  conversation: string;
}

/**
 * Per-conversation order for background deliveries (§3.2, Order), kept in Postgres so that it holds across
 * instances and crashes: a call is attempted only with its conversation's turn, and the turn goes to the
 * first call that no earlier one holds up. A job for a call whose turn it is not does nothing; whoever
 * holds the turn passes it on when done.
 */
@Injectable()
export class ConversationTurns {
  constructor(
    private readonly sql: Sql,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  /** The calls that took their conversation's turn, by id, as they stand now that the turn is theirs. */
  async claim(calls: ConversationCall[]): Promise<Map<string, ClaimedCall>> {
    if (calls.length === 0) return new Map();
    const ids = calls.map((c) => c.id);
    const rows = await this.sql.query<ClaimedCall>(
      CLAIM,
      [ids, calls.map((c) => c.botId), calls.map((c) => c.conversation), this.config.orderHoldSeconds, this.leaseMs(), ...idsTimeRange(ids)],
      'turns_claim',
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * Releases the turns `heldBy` took and returns the calls whose turn it now is, in those conversations
   * and in `alsoIn` (whose hold has just run out).
   */
  async pass(heldBy: string[], alsoIn: Omit<ConversationCall, 'id'>[] = []): Promise<string[]> {
    if (heldBy.length === 0 && alsoIn.length === 0) return [];
    const rows = await this.sql.query<{ id: string }>(
      PASS,
      [heldBy, alsoIn.map((c) => c.botId), alsoIn.map((c) => c.conversation), this.config.orderHoldSeconds],
      'turns_pass',
    );
    return rows.map((row) => row.id);
  }

  /**
   * Long enough for the runtime's whole answer; past it the runtime is no longer being called for this
   * turn, so the next call may go even if the instance that held it died before saying so.
   */
  private leaseMs(): number {
    return this.config.runtimeTimeoutMs + LEASE_MARGIN_MS;
  }
}

const LEASE_MARGIN_MS = 5000;
