import { Injectable } from '@nestjs/common';
import { ChangeNotices } from '../../common/change-notices';
import { isDatabaseUnavailable } from '../../common/database-errors';
import { SecretBox } from '../../common/secret-box';
import { Sql } from '../../database/sql';
import { Batcher } from '../../common/batcher';
import { storableText } from '../../common/storable-text';
import { storableMessage, storedFrame, StoredMessage } from '../shared/runtime-message';
import { RECORD, SETTLE_SYNC } from './invocation-statements';

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

/** What a replay answers with, of the call that holds the idempotency key (read as EarlierRow). */
const EARLIER_COLUMNS = 'e.id, e.route, e.status, e.reply_status, e.reply_headers, e.reply_body';

interface EarlierRow {
  id: string;
  route: Route;
  status: string;
  reply_status: number | null;
  reply_headers: Record<string, string> | null;
  reply_body: string | null;
}

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
        `SELECT ${EARLIER_COLUMNS}
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
   * The call's idempotency key is held by an earlier call: its outcome is replayed. That call outlives
   * its key (a day is kept at least as long as a key's 24 h, and a deleted bot's calls are refused before
   * this); should it be gone all the same, the key is still taken, as recording the call found it.
   */
  private async replay(call: NewInvocation, id: string, receivedAt: Date): Promise<Recorded> {
    const [earlier] = await this.sql.query<EarlierRow>(
      `SELECT ${EARLIER_COLUMNS} FROM invocations e WHERE e.id = $1 AND e.received_at = $2`,
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
