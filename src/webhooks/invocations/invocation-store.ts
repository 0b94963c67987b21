import { Injectable } from '@nestjs/common';
import { ChangeNotices } from '../../common/change-notices';
import { isDatabaseUnavailable } from '../../common/database-errors';
import { SecretBox } from '../../common/secret-box';
import { Sql } from '../../database/sql';
import { Batcher } from '../../common/batcher';
import { storableText } from '../../common/storable-text';
import { storableMessage, storedFrame, StoredMessage } from '../shared/runtime-message';

/** One call of an issued URL, verified and ready to be written. */
export interface NewInvocation {
  id: string;
  webhookId: string;
  botId: string;
  keyVersion: number;
  command: string;
  userId: string | null;
  chatId: string | null;
  method: 'GET' | 'POST';
  mode: 'sync' | 'async' | 'auto';
  /** The §3.4 message, as it is stored. */
  message: StoredMessage;
  singleUse: boolean;
  idempotencyKey: string | null;
  receivedAt: Date;
  /** When the URL stops working (null: never), and so how long its single use must be remembered. */
  urlExpiresAt: Date | null;
}

export type Route = 'sync' | 'push' | 'pull';

/** The first call made with an idempotency key, as far as it has got. */
export interface EarlierCall {
  id: string;
  route: Route;
  status: string;
  replyStatus: number | null;
  replyHeaders: Record<string, string> | null;
  replyBody: string | null;
}

export type Recorded =
  | { verdict: 'new'; route: Route; runtimeUrl: string | null; signingSecretSealed: string | null }
  | { verdict: 'bot_gone' | 'key_retired' | 'revoked' | 'used' | 'busy' }
  | { verdict: 'replay'; earlier: EarlierCall };

/** How a sync call ended, and (when it carried an idempotency key) the answer to replay. */
export interface SyncSettlement {
  id: string;
  receivedAt: Date;
  webhookId: string;
  idempotencyKey: string | null;
  botId: string;
  status: 'answered' | 'failed';
  httpStatus: number | null;
  answer: string | null;
  error: string | null;
  finishedAt: Date;
  reply: { status: number; headers: Record<string, string>; body: string } | null;
  /** Only a call that never reached the runtime frees its single use: the runtime cannot have run it. */
  givesBackUse: boolean;
}

interface RecordRow {
  verdict: 'new' | 'bot_gone' | 'key_retired' | 'revoked' | 'replay' | 'conflict';
  route: Route;
  runtime_url: string | null;
  signing_secret: string | null;
  /** For a replay: the primary key of the call that holds the idempotency key. */
  earlier_id: string | null;
  earlier_received_at: Date | null;
}

interface EarlierRow {
  id: string;
  route: Route;
  status: string;
  reply_status: number | null;
  reply_headers: Record<string, string> | null;
  reply_body: string | null;
}

/**
 * One statement per batch of calls, and so one round trip and one commit: it checks that the bot still
 * exists, that the URL key has not been rotated out and the URL not revoked, looks the idempotency key
 * up, and writes the calls that pass. A call takes its URL's single use first, then its idempotency key,
 * and is inserted only when it got both, so that nothing is half-written: both are primary keys of small
 * tables of their own (a partitioned table cannot have a unique index without its partition key), and
 * their ON CONFLICT settles races, including between calls in the same batch. A key past its 24 h is
 * taken over in place; its time is the call's, like everything else the call is judged by.
 *
 * The statement reads no invocation: a replay is known by its idempotency key alone, and the earlier call
 * is read afterwards by its primary key, for replays only. Reading invocations here would make every batch
 * plan, and lock, each day partition and its indexes, for a join that almost never finds a row.
 *
 * The message frames travel as one JSON array, not a text[]: pg builds an array parameter by escaping
 * every element into new strings, which for the frames was a large share of what the receive path
 * allocated. The bodies go as a bytea[], which pg writes out in hex without escaping anything, so a body
 * is never escaped into JSON on its way to the table. The other columns stay arrays, whose lengths the
 * planner sees.
 */
const RECORD = `
  WITH input AS (
    SELECT t.*, p.payload
    FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[],
                $8::varchar[], $9::varchar[], $11::bool[], $12::varchar[], $13::timestamptz[], $14::bytea[], $15::text[], $16::timestamptz[])
      WITH ORDINALITY AS t(id, webhook_id, bot_id, key_version, command, user_id, chat_id, method, mode, single_use, idempotency_key, received_at, body, sealed, url_expires_at, ord)
    JOIN json_array_elements_text($10::json) WITH ORDINALITY AS p(payload, ord) ON p.ord = t.ord
  ),
  checked AS (
    SELECT i.*, b.runtime_url, b.signing_secret,
      CASE
        WHEN b.id IS NULL THEN 'bot_gone'
        WHEN k.version IS NULL OR k.retires_at <= now() THEN 'key_retired'
        WHEN EXISTS (SELECT 1 FROM revoked_webhooks r WHERE r.webhook_id = i.webhook_id AND (r.bot_id IS NULL OR r.bot_id = i.bot_id)) THEN 'revoked'
        WHEN ik.invocation_id IS NOT NULL THEN 'replay'
        ELSE 'new'
      END AS verdict,
      CASE WHEN b.runtime_url IS NULL THEN 'pull' WHEN i.mode IN ('sync', 'auto') THEN 'sync' ELSE 'push' END AS route,
      ik.invocation_id AS earlier_id, ik.received_at AS earlier_received_at
    FROM input i
    LEFT JOIN bots b ON b.id = i.bot_id
    LEFT JOIN url_keys k ON k.bot_id = i.bot_id AND k.version = i.key_version
    LEFT JOIN idempotency_keys ik ON ik.webhook_id = i.webhook_id AND ik.key = i.idempotency_key AND ik.expires_at > i.received_at
  ),
  claimed AS (
    INSERT INTO single_use_claims (webhook_id, invocation_id, bot_id, expires_at)
    SELECT webhook_id, id, bot_id, url_expires_at FROM checked WHERE verdict = 'new' AND single_use
    ON CONFLICT DO NOTHING
    RETURNING invocation_id
  ),
  keyed AS (
    INSERT INTO idempotency_keys AS k (webhook_id, key, invocation_id, received_at, expires_at)
    SELECT DISTINCT ON (webhook_id, idempotency_key) webhook_id, idempotency_key, id, received_at, received_at + interval '24 hours'
      FROM checked
     WHERE verdict = 'new' AND idempotency_key IS NOT NULL AND (NOT single_use OR id IN (SELECT invocation_id FROM claimed))
     ORDER BY webhook_id, idempotency_key, ord
    ON CONFLICT (webhook_id, key) DO UPDATE SET invocation_id = excluded.invocation_id, received_at = excluded.received_at, expires_at = excluded.expires_at
      WHERE k.expires_at <= excluded.received_at
    RETURNING invocation_id
  ),
  inserted AS (
    INSERT INTO invocations (id, webhook_id, bot_id, command, user_id, chat_id, method, mode, route, status, payload, body, sealed, received_at, next_attempt_at)
    SELECT id, webhook_id, bot_id, command, user_id, chat_id, method, mode, route,
           CASE route WHEN 'sync' THEN 'received' ELSE 'queued' END,
           payload, body, sealed, received_at,
           CASE route WHEN 'push' THEN received_at END
    FROM checked
    WHERE verdict = 'new'
      AND (NOT single_use OR id IN (SELECT invocation_id FROM claimed))
      AND (idempotency_key IS NULL OR id IN (SELECT invocation_id FROM keyed))
    RETURNING id
  )
  SELECT CASE WHEN c.verdict = 'new' AND n.id IS NULL THEN 'conflict' ELSE c.verdict END AS verdict,
    c.route, c.runtime_url, CASE WHEN c.route = 'sync' THEN c.signing_secret END AS signing_secret,
    c.earlier_id, c.earlier_received_at
  FROM checked c LEFT JOIN inserted n ON n.id = c.id
  ORDER BY c.ord`;

/**
 * A failed sync call gives back its idempotency key, so that the caller may retry; its single use only
 * when the request never reached the runtime (§3.2: single use means the runtime saw it once). Each
 * settlement names its row by (id, received_at), the invocation's primary key, so it reads one partition.
 */
const SETTLE_SYNC = `
  WITH u AS (
    SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::jsonb[], $9::text[], $10::bool[],
                         $11::timestamptz[], $12::uuid[], $13::varchar[])
      AS u(id, status, http_status, answer, error, finished_at, reply_status, reply_headers, reply_body, gives_back_use, received_at, webhook_id, idempotency_key)
  ),
  released_keys AS (
    DELETE FROM idempotency_keys k USING u
     WHERE u.status = 'failed' AND k.webhook_id = u.webhook_id AND k.key = u.idempotency_key AND k.invocation_id = u.id
  ),
  released_uses AS (
    DELETE FROM single_use_claims c USING u WHERE u.gives_back_use AND c.webhook_id = u.webhook_id AND c.invocation_id = u.id
  )
  UPDATE invocations AS i SET
    status = u.status, http_status = u.http_status, answer = u.answer, error = u.error,
    attempts = i.attempts + 1, finished_at = u.finished_at,
    reply_status = u.reply_status, reply_headers = u.reply_headers, reply_body = u.reply_body
  FROM u
  WHERE i.id = u.id AND i.received_at = u.received_at`;

// A few statements in flight: under load each carries many calls (fewer commits and round trips), while
// Postgres still overlaps their work. Fewer held throughput back, more gained nothing, and this many leaves
// most of the pool to everything else. An unreachable database fails every row alike; anything else may be one bad
// row, to be found alone.
const BATCHING = { concurrency: 4, maxBatch: 256, retryAlone: (error: unknown) => !isDatabaseUnavailable(error) };

@Injectable()
export class InvocationStore {
  private readonly recorder = new Batcher<NewInvocation, RecordRow>((calls) => this.recordBatch(calls), BATCHING);
  private readonly settler = new Batcher<SyncSettlement, void>((settlements) => this.settleBatch(settlements), BATCHING);

  constructor(
    private readonly sql: Sql,
    private readonly secrets: SecretBox,
    private readonly notices: ChangeNotices,
  ) {}

  /** Resolves once the invocation is committed, or says why it was not written. */
  async record(call: NewInvocation, retried = false): Promise<Recorded> {
    const row = await this.recorder.submit(call);
    if (row.verdict === 'conflict') return this.resolveConflict(call, retried);
    if (row.verdict === 'replay') return this.replay(call, row.earlier_id!, row.earlier_received_at!);
    if (row.verdict === 'new') {
      void this.notices.publish('invocation_changed', { botId: call.botId, id: call.id });
      return { verdict: 'new', route: row.route, runtimeUrl: row.runtime_url, signingSecretSealed: row.signing_secret };
    }
    return { verdict: row.verdict };
  }

  async settleSync(settlement: SyncSettlement): Promise<void> {
    await this.settler.submit(settlement);
    void this.notices.publish('invocation_changed', { botId: settlement.botId, id: settlement.id });
  }

  /**
   * The call lost a race for its URL's single use, or for its idempotency key to another call that came
   * first; that call's outcome is replayed once it is committed.
   */
  private async resolveConflict(call: NewInvocation, retried: boolean): Promise<Recorded> {
    if (call.idempotencyKey !== null && !retried) {
      const [earlier] = await this.sql.query<EarlierRow>(
        `SELECT e.id, e.route, e.status, e.reply_status, e.reply_headers, e.reply_body
           FROM idempotency_keys k JOIN invocations e ON e.id = k.invocation_id AND e.received_at = k.received_at
          WHERE k.webhook_id = $1 AND k.key = $2 AND k.expires_at > $3`,
        [call.webhookId, call.idempotencyKey, call.receivedAt],
      );
      if (earlier) return { verdict: 'replay', earlier: earlierCall(earlier) };
      if (!call.singleUse) return this.record(call, true);
    }
    return { verdict: call.singleUse ? 'used' : 'busy' };
  }

  /**
   * The call's idempotency key is held by an earlier call: its outcome is replayed. Should that call be
   * gone while its key lasts (its day dropped by a retention shorter than the key's 24 h), the key is
   * still taken, as the recording of a new call would find it.
   */
  private async replay(call: NewInvocation, id: string, receivedAt: Date): Promise<Recorded> {
    const [earlier] = await this.sql.query<EarlierRow>(
      `SELECT id, route, status, reply_status, reply_headers, reply_body FROM invocations WHERE id = $1 AND received_at = $2`,
      [id, receivedAt],
      'invocations_earlier',
    );
    if (earlier) return { verdict: 'replay', earlier: earlierCall(earlier) };
    return { verdict: call.singleUse ? 'used' : 'busy' };
  }

  /** A revoked URL's tombstone learns from a call of it how long it must stay: as long as the URL lives. */
  async noteRevokedUrl(webhookId: string, botId: string, urlExpiresAt: Date | null): Promise<void> {
    await this.sql.query(
      `UPDATE revoked_webhooks SET expires_at = $3 WHERE webhook_id = $1 AND (bot_id IS NULL OR bot_id = $2) AND expires_at IS NULL`,
      [webhookId, botId, urlExpiresAt ?? 'infinity'],
    );
  }

  private async recordBatch(calls: NewInvocation[]): Promise<RecordRow[]> {
    const columns: unknown[][] = Array.from({ length: 15 }, () => new Array(calls.length));
    const frames = new Array<string>(calls.length);
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i];
      columns[0][i] = c.id;
      columns[1][i] = c.webhookId;
      columns[2][i] = c.botId;
      columns[3][i] = c.keyVersion;
      columns[4][i] = c.command;
      columns[5][i] = c.userId;
      columns[6][i] = c.chatId;
      columns[7][i] = c.method;
      columns[8][i] = c.mode;
      frames[i] = storedFrame(c.message);
      columns[9][i] = c.singleUse;
      columns[10][i] = c.idempotencyKey;
      columns[11][i] = c.receivedAt;
      const stored = storableMessage(c.message, this.secrets);
      columns[12][i] = stored.body;
      columns[13][i] = stored.sealed;
      columns[14][i] = c.urlExpiresAt;
    }
    return this.sql.query<RecordRow>(RECORD, [...columns.slice(0, 9), JSON.stringify(frames), ...columns.slice(9)], 'invocations_record');
  }

  private async settleBatch(settlements: SyncSettlement[]): Promise<void[]> {
    await this.sql.query(
      SETTLE_SYNC,
      [
        settlements.map((s) => s.id),
        settlements.map((s) => s.status),
        settlements.map((s) => s.httpStatus),
        settlements.map((s) => storableText(s.answer)),
        settlements.map((s) => storableText(s.error)),
        settlements.map((s) => s.finishedAt),
        settlements.map((s) => s.reply?.status ?? null),
        settlements.map((s) => (s.reply ? JSON.stringify(s.reply.headers) : null)),
        settlements.map((s) => storableText(s.reply?.body ?? null)),
        settlements.map((s) => s.givesBackUse),
        settlements.map((s) => s.receivedAt),
        settlements.map((s) => s.webhookId),
        settlements.map((s) => s.idempotencyKey),
      ],
      'invocations_settle_sync',
    );
    return new Array<void>(settlements.length);
  }
}

function earlierCall(row: EarlierRow): EarlierCall {
  return {
    id: row.id,
    route: row.route,
    status: row.status,
    replyStatus: row.reply_status,
    replyHeaders: row.reply_headers,
    replyBody: row.reply_body,
  };
}
