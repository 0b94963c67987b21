import { INVOCATION_STATUSES, InvocationStatus } from './invocations.dto';

export const LIST_COLUMNS = 'id, webhook_id, bot_id, command, user_id, chat_id, method, mode, route, status, http_status, answer, error, attempts, next_attempt_at, received_at, finished_at';

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
 * The primary key gives `ORDER BY id` too, and the planner likes to walk it backwards filtering by bot
 * when the bot has many rows: fast while the newest rows are that bot's, a walk through every other bot's
 * since its last call when they are not. So the first column of the page's index is held to its value by
 * a one-value array (`= ANY(ARRAY[v])`), which the planner does not take for a constant, and the page is
 * ordered by that column and id: equal to id order in rows, but an order only that index gives, so the
 * primary key is no way to it. To the index it is still an equality, so the later columns' equalities
 * bound the scan: behind a range (`>= v AND <= v`, as this was once written) they only filter it, and a
 * page walked the bot's entries of every status that sorts below the one asked for.
 *
 * Without a status filter, a bot's or a command's list reads one range of its index per status and
 * merges them (each arm ordered and limited on its own). The statuses are the ones the API accepts as a
 * filter: a status the table may hold is listed there too.
 *
 * A deleted bot's invocations are gone to every reader at once, though the purge takes its time: the
 * check is inside each arm, before its limit, so rows awaiting purge never cut a page short. Across bots
 * it is a probe per row: OFFSET 0 keeps it a subplan, where as a join the planner may hash the rows and
 * lose the index order.
 */
export function invocationListQuery(filter: InvocationFilter): { text: string; values: unknown[]; name: string } {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const filters: Array<[column: string, value: string | undefined]> = [
    ['bot_id', filter.botId],
    ['command', filter.command],
    ['status', filter.status],
  ];
  const given = filters.filter((f): f is [string, string] => f[1] !== undefined);
  const lead = given[0]?.[0];
  const where = given.map(([column, value], i) => {
    const p = `${param(value)}::varchar`;
    return i === 0 ? `${column} = ANY(ARRAY[${p}])` : `${column} = ${p}`;
  });
  if (filter.before !== undefined) where.push(`id < ${param(filter.before)}::uuid`);
  where.push(
    filter.botId !== undefined
      ? 'EXISTS (SELECT 1 FROM bots b WHERE b.id = $1::varchar)'
      : 'EXISTS (SELECT 1 FROM bots b WHERE b.id = invocations.bot_id OFFSET 0)',
  );
  const limit = param(filter.limit);
  const order = lead === undefined ? 'id DESC' : `${lead} DESC, id DESC`;
  const page = (conditions: string[]) => `SELECT ${LIST_COLUMNS} FROM invocations WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;

  // One statement per mix of filters, its values all parameters: prepared once per connection.
  const name = `invocations_list_${[...given.map(([column]) => column), ...(filter.before === undefined ? [] : ['before'])].join('_') || 'all'}`;
  // With no filter the primary key is the index; with a status, every column of the index is fixed.
  if (lead === undefined || filter.status !== undefined) return { text: page(where), values, name };
  const arms = INVOCATION_STATUSES.map((s) => `(${page([...where, `status = '${s}'`])})`);
  return { text: `SELECT ${LIST_COLUMNS} FROM (${arms.join(' UNION ALL ')}) arms ORDER BY ${order} LIMIT ${limit}`, values, name };
}
