import { Injectable } from '@nestjs/common';
import { ChangeNotices } from '../../common/change-notices';
import { SecretBox } from '../../common/secret-box';
import { Sql } from '../../database/sql';
import { readStoredMessage, storedRowColumns, StoredRow } from '../shared/runtime-message';
import { UpdateSignal } from './update-signal';

const RECHECK_MS = 1000;

export interface UpdatesRequest {
  offset: number | undefined;
  limit: number;
  timeoutSeconds: number;
}

/**
 * Stamps update ids on the bot's waiting invocations the first time they are handed out, never when they
 * arrive: a call committed late gets an id after everything already handed out, so confirming an offset
 * can never confirm an update the bot has not seen. Returns, oldest first, those still unconfirmed.
 *
 * Oldest is by (received_at, id), the order of invocations_pull_fresh, so a take reads one index range
 * of `limit` rows however long the backlog is (run with Sql.queryInIndexOrder, so never a sort of the
 * backlog). The primary key cannot give that order, so the planner cannot walk it from the oldest row of
 * the whole table hoping to meet the bot's rows soon. The updates handed out before and not yet confirmed
 * are likewise a range of invocations_pull_queue, read in its order and limited: to a generic plan
 * `update_id >= $2` matches a third of the rows, and without the limit of its own that looked like a third
 * of the backlog, which the planner read by a sequential scan of the day partition (180 ms a take with a
 * backlog of 500,000).
 */
export const TAKE = `
  WITH fresh AS (
    SELECT id, received_at FROM invocations
     WHERE bot_id = $1::varchar AND route = 'pull' AND status = 'queued' AND update_id IS NULL
     ORDER BY received_at, id
     LIMIT $3
     FOR UPDATE SKIP LOCKED
  ), numbered AS (
    SELECT id, received_at, nextval('invocation_update_ids') AS update_id FROM (SELECT id, received_at FROM fresh ORDER BY received_at, id) ordered
  ), stamped AS (
    UPDATE invocations i SET update_id = n.update_id FROM numbered n WHERE i.id = n.id AND i.received_at = n.received_at RETURNING i.update_id, ${storedRowColumns('i.')}
  )
  SELECT update_id, ${storedRowColumns()} FROM (
    (SELECT update_id, ${storedRowColumns()} FROM invocations
      WHERE bot_id = $1::varchar AND route = 'pull' AND status = 'queued' AND update_id >= $2::bigint
      ORDER BY update_id
      LIMIT $3)
    UNION ALL
    SELECT update_id, ${storedRowColumns()} FROM stamped
  ) waiting
  ORDER BY update_id
  LIMIT $3`;

/** An offset confirms every update of the bot's before it: they are delivered, and leave its queue. */
export const CONFIRM = `
  UPDATE invocations SET status = 'delivered', attempts = attempts + 1, finished_at = now()
   WHERE bot_id = $1 AND route = 'pull' AND status = 'queued' AND update_id < $2::bigint RETURNING id`;

/** Pull mode (contract §3.5): Telegram getUpdates over the bot's queue of invocations. */
@Injectable()
export class UpdatesService {
  constructor(
    private readonly sql: Sql,
    private readonly signal: UpdateSignal,
    private readonly secrets: SecretBox,
    private readonly notices: ChangeNotices,
  ) {}

  /** The JSON answer, built around the messages' text rather than parsing and re-serializing them. */
  async poll(botId: string, request: UpdatesRequest, abort: AbortSignal): Promise<string> {
    if (request.offset !== undefined) {
      const confirmed = await this.sql.query<{ id: string }>(CONFIRM, [botId, request.offset], 'updates_confirm');
      for (const { id } of confirmed) void this.notices.publish('invocation_changed', { botId, id });
    }
    const deadline = Date.now() + request.timeoutSeconds * 1000;
    const listener = request.timeoutSeconds > 0 ? this.signal.listen(botId, abort) : undefined;
    try {
      for (;;) {
        const rows = await this.sql.queryInIndexOrder<StoredRow & { update_id: string }>(TAKE, [botId, request.offset ?? 0, request.limit], 'updates_take');
        const left = deadline - Date.now();
        if (rows.length > 0 || left <= 0 || abort.aborted || this.signal.stopped || !listener) {
          return `[${rows.map((row) => `{"updateId":${row.update_id},"invocation":${readStoredMessage(row, this.secrets)}}`).join(',')}]`;
        }
        await listener.wait(Math.min(RECHECK_MS, left));
      }
    } finally {
      listener?.close();
    }
  }

  /**
   * Everything of the bot's still waiting, in its update queue or for a background attempt, is dropped
   * and never handed out again: the push worker and the pull queue take only what is `queued`.
   */
  async drop(botId: string): Promise<{ dropped: number }> {
    const dropped = await this.sql.query<{ id: string }>(
      `UPDATE invocations SET status = 'dropped', next_attempt_at = NULL, finished_at = now()
        WHERE bot_id = $1 AND status = 'queued' AND route IN ('push', 'pull')
        RETURNING id`,
      [botId],
      'updates_drop',
    );
    for (const { id } of dropped) void this.notices.publish('invocation_changed', { botId, id });
    return { dropped: dropped.length };
  }
}
