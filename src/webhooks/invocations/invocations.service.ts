import { Injectable } from '@nestjs/common';
import { botIdFor, canSeeBot, Principal } from '../../auth/principal';
import { ChangeNotices } from '../../common/change-notices';
import { AppError } from '../../common/errors';
import { SecretBox } from '../../common/secret-box';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import { DEFAULT_PAGE_SIZE } from '../../common/page-query';
import { idTimeRange, isUuid } from '../../common/ids';
import { Sql } from '../../database/sql';
import { PushQueue } from '../delivery/push-queue';
import type { InvocationDetail, InvocationPage, InvocationsQuery, InvocationStatus, InvocationView } from './invocations.dto';
import { type MessageColumns, readStoredMessage, StoredRow } from '../shared/runtime-message';
import type { RuntimeMessage } from '../shared/runtime-message.dto';
import { UpdateSignal } from '../updates/update-signal';
import { invocationListQuery, LIST_COLUMNS as COLUMNS } from './invocation-list';

interface InvocationRow extends MessageColumns {
  method: string;
  mode: InvocationView['mode'] | null;
  route: 'sync' | 'push' | 'pull';
  status: InvocationStatus;
  http_status: number | null;
  answer: string | null;
  error: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  finished_at: Date | null;
}

/** Reading invocations back (contract §3.3), and sending one again. */
@Injectable()
export class InvocationsService {
  constructor(
    private readonly sql: Sql,
    private readonly queue: PushQueue,
    private readonly updates: UpdateSignal,
    private readonly secrets: SecretBox,
    private readonly notices: ChangeNotices,
  ) {}

  /** Newest first; the cursor is the last id of the page (ids are UUIDv7, so they sort by arrival). */
  async list(principal: Principal, query: InvocationsQuery): Promise<InvocationPage> {
    const botId = principal.kind === 'bot' ? botIdFor(principal, query.botId) : query.botId;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, [isUuid])[0];
    const { text, values, name } = invocationListQuery({ botId, status: query.status, command: query.command, before, limit: limit + 1 });
    const rows = await this.sql.queryInIndexOrder<InvocationRow>(text, values, name);
    const page = rows.slice(0, limit);
    return { items: page.map(view), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  /** The invocations of these ids that a reader may still see, for the live stream. */
  async views(ids: string[]): Promise<InvocationView[]> {
    const rows = await this.sql.query<InvocationRow>(
      `SELECT ${COLUMNS} FROM invocations WHERE id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM bots b WHERE b.id = invocations.bot_id) ORDER BY id`,
      [ids],
      'invocations_views',
    );
    return rows.map(view);
  }

  /**
   * With the message as the runtime received it, the caller's credentials included: whoever may read the
   * invocation is the bot itself or an admin, and the message is what its runtime was sent anyway.
   */
  async get(principal: Principal, id: string): Promise<InvocationDetail> {
    const [row] = await this.sql.query<InvocationRow & StoredRow>(
      `SELECT ${COLUMNS}, payload, body, sealed FROM invocations
        WHERE id = $1 AND received_at BETWEEN $2 AND $3 AND EXISTS (SELECT 1 FROM bots b WHERE b.id = invocations.bot_id)`,
      [id, ...idTimeRange(id)],
      'invocations_get',
    );
    if (!row || !canSeeBot(principal, row.bot_id)) throw notFound(id);
    return { ...view(row), message: JSON.parse(readStoredMessage(row, this.secrets)) as RuntimeMessage };
  }

  /**
   * Delivers the stored message again, in the background, out of its conversation's order (it no longer
   * holds up what came after it): pushed to the bot's runtime with a fresh retry
   * schedule, or, when the bot has no runtime now, put back at the end of its update queue.
   */
  async redeliver(principal: Principal, id: string): Promise<void> {
    const range = idTimeRange(id);
    const [row] = await this.sql.query<{ bot_id: string; status: string }>(`SELECT bot_id, status FROM invocations WHERE id = $1 AND received_at BETWEEN $2 AND $3`, [id, ...range]);
    if (!row || !canSeeBot(principal, row.bot_id)) throw notFound(id);
    if (row.status === 'received') throw new AppError('conflict', `invocation ${id} is still being answered`);
    const [requeued] = await this.sql.query<{ route: 'push' | 'pull'; attempts: number }>(
      `UPDATE invocations i
          SET route = CASE WHEN b.runtime_url IS NULL THEN 'pull' ELSE 'push' END,
              status = 'queued', retry_step = 0, next_attempt_at = now(), update_id = NULL, error = NULL, finished_at = NULL,
              order_free = true, order_held_since = NULL
         FROM bots b
        WHERE i.id = $1 AND i.received_at BETWEEN $2 AND $3 AND b.id = i.bot_id
        RETURNING i.route, i.attempts`,
      [id, ...range],
    );
    if (!requeued) throw notFound(id);
    void this.notices.publish('invocation_changed', { botId: row.bot_id, id });
    if (requeued.route === 'push') await this.queue.schedule([{ invocationId: id, attempt: requeued.attempts + 1, fresh: true }]);
    else this.updates.notify(row.bot_id);
  }
}

const notFound = (id: string): AppError => new AppError('not_found', `invocation ${id} not found`);

function view(row: InvocationRow): InvocationView {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    botId: row.bot_id,
    command: row.command,
    userId: row.user_id,
    chatId: row.chat_id,
    method: row.method,
    // Calls stored before the mode was: their route tells which it was, but not an auto call's.
    mode: row.mode ?? (row.route === 'sync' ? 'sync' : 'async'),
    status: row.status,
    httpStatus: row.http_status,
    answer: row.answer,
    error: row.error,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'queued' && row.route === 'push' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    receivedAt: row.received_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
