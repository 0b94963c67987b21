import { Injectable } from '@nestjs/common';
import { botIdFor, canSeeBot, Principal } from '../../auth/principal';
import { ChangeNotices } from '../../common/change-notices';
import { AppError } from '../../common/errors';
import { SecretBox } from '../../common/secret-box';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import { DEFAULT_PAGE_SIZE } from '../../common/page-query';
import { isUuid } from '../../common/ids';
import { Sql } from '../../database/sql';
import { PushQueue } from '../delivery/push-queue';
import type { InvocationDetail, InvocationPage, InvocationsQuery, InvocationStatus, InvocationView } from './invocations.dto';
import { readStoredMessage, StoredRow } from '../shared/runtime-message';
import type { RuntimeMessage } from '../shared/runtime-message.dto';
import { UpdateSignal } from '../updates/update-signal';

const COLUMNS = 'id, webhook_id, bot_id, command, user_id, chat_id, method, status, http_status, answer, error, attempts, received_at, finished_at';

interface InvocationRow {
  id: string;
  webhook_id: string;
  bot_id: string;
  command: string;
  user_id: string | null;
  chat_id: string | null;
  method: string;
  status: InvocationStatus;
  http_status: number | null;
  answer: string | null;
  error: string | null;
  attempts: number;
  received_at: Date;
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
    // A deleted bot's invocations are gone to every reader at once, though the purge takes its time.
    const where: string[] = ['EXISTS (SELECT 1 FROM bots b WHERE b.id = invocations.bot_id)'];
    const values: unknown[] = [];
    const add = (condition: string, value: unknown) => {
      values.push(value);
      where.push(condition.replace('?', `$${values.length}`));
    };
    if (botId !== undefined) add('bot_id = ?', botId);
    if (query.status !== undefined) add('status = ?', query.status);
    if (query.command !== undefined) add('command = ?', query.command);
    if (query.cursor !== undefined) add('id < ?::uuid', decodeCursor(query.cursor, [isUuid])[0]);
    values.push(limit + 1);
    const rows = await this.sql.query<InvocationRow>(
      `SELECT ${COLUMNS} FROM invocations WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${values.length}`,
      values,
    );
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
      `SELECT ${COLUMNS}, payload, body, sealed FROM invocations WHERE id = $1 AND EXISTS (SELECT 1 FROM bots b WHERE b.id = invocations.bot_id)`,
      [id],
      'invocations_get',
    );
    if (!row || !canSeeBot(principal, row.bot_id)) throw notFound(id);
    return { ...view(row), message: JSON.parse(readStoredMessage(row, this.secrets)) as RuntimeMessage };
  }

  /**
   * Delivers the stored message again, in the background: pushed to the bot's runtime with a fresh retry
   * schedule, or, when the bot has no runtime now, put back at the end of its update queue.
   */
  async redeliver(principal: Principal, id: string): Promise<void> {
    const [row] = await this.sql.query<{ bot_id: string; status: string }>(`SELECT bot_id, status FROM invocations WHERE id = $1`, [id]);
    if (!row || !canSeeBot(principal, row.bot_id)) throw notFound(id);
    if (row.status === 'received') throw new AppError('conflict', `invocation ${id} is still being answered`);
    const [requeued] = await this.sql.query<{ route: 'push' | 'pull'; attempts: number }>(
      `UPDATE invocations i
          SET route = CASE WHEN b.runtime_url IS NULL THEN 'pull' ELSE 'push' END,
              status = 'queued', retry_step = 0, next_attempt_at = now(), update_id = NULL, error = NULL, finished_at = NULL
         FROM bots b
        WHERE i.id = $1 AND b.id = i.bot_id
        RETURNING i.route, i.attempts`,
      [id],
    );
    if (!requeued) throw notFound(id);
    this.notices.publish('invocation_changed', { botId: row.bot_id, id });
    if (requeued.route === 'push') await this.queue.schedule([{ invocationId: id, attempt: requeued.attempts + 1 }]);
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
    status: row.status,
    httpStatus: row.http_status,
    answer: row.answer,
    error: row.error,
    attempts: row.attempts,
    receivedAt: row.received_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
