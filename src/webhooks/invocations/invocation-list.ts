import { INVOCATION_STATUSES, InvocationStatus } from './invocations.dto';

export const LIST_COLUMNS = 'id, webhook_id, bot_id, command, user_id, chat_id, method, status, http_status, answer, error, attempts, received_at, finished_at';

/** What `GET /v1/invocations` narrows a page to; `before` is the cursor's id. */
export interface InvocationFilter {
  botId?: string;
  status?: InvocationStatus;
  command?: string;
  before?: string;
  limit: number;
}

/**
 * One page of invocations, newest first, as statements whose every filter is an equality prefix of an
 * index ending in id (migration ListIndexes), so that a page is a backward range scan that stops after
 * `limit` rows however many rows the table holds or the filter matches; the order comes from the index,
 * never from a sort (read it with Sql.queryInIndexOrder).
 *
 * Without a status filter, a bot's or a command's list reads one range of its index per status and
 * merges them (each arm ordered and limited on its own, so the planner keeps the index order). The
 * statuses are the ones the API accepts as a filter: a status the table may hold is listed there too.
 *
 * A deleted bot's invocations are gone to every reader at once, though the purge takes its time: the
 * check is inside each arm, before its limit, so rows awaiting purge never cut a page short. Across bots
 * it is a probe per row: OFFSET 0 keeps it a subplan, where as a join the planner may hash the rows and
 * lose the index order.
 */
export function invocationListQuery(filter: InvocationFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (filter.botId !== undefined) where.push(`bot_id = ${param(filter.botId)}::varchar`);
  if (filter.command !== undefined) where.push(`command = ${param(filter.command)}::varchar`);
  if (filter.before !== undefined) where.push(`id < ${param(filter.before)}::uuid`);
  where.push(
    filter.botId !== undefined
      ? 'EXISTS (SELECT 1 FROM bots b WHERE b.id = $1::varchar)'
      : 'EXISTS (SELECT 1 FROM bots b WHERE b.id = invocations.bot_id OFFSET 0)',
  );
  const status = filter.status === undefined ? null : param(filter.status);
  const limit = param(filter.limit);
  const page = (conditions: string[]) => `SELECT ${LIST_COLUMNS} FROM invocations WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ${limit}`;

  if (status !== null) return { text: page([...where, `status = ${status}::varchar`]), values };
  // With neither bot nor command, the primary key is the index.
  if (filter.botId === undefined && filter.command === undefined) return { text: page(where), values };
  const arms = INVOCATION_STATUSES.map((s) => `(${page([...where, `status = '${s}'`])})`);
  return { text: `SELECT ${LIST_COLUMNS} FROM (${arms.join(' UNION ALL ')}) arms ORDER BY id DESC LIMIT ${limit}`, values };
}
