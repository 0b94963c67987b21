const POSITION = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position`;
export const LIST_COLUMNS = `id, status, http_status, duration_ms, error, created_at, ${POSITION}`;

/**
 * One page of a connection's deliveries, newest first: an equality on connection_id and a row comparison
 * on (created_at, id), in the order of connection_deliveries_page, so a page is a range of that index
 * and never a sort, however many deliveries the connection has (read it with Sql.queryInIndexOrder).
 */
export function deliveryListQuery(connectionId: string, limit: number, after: [string, string] | null): { text: string; values: unknown[] } {
  return after
    ? {
        text: `SELECT ${LIST_COLUMNS} FROM connection_deliveries
                WHERE connection_id = $1::varchar AND (created_at, id) < ($2::timestamptz, $3::uuid)
                ORDER BY created_at DESC, id DESC LIMIT $4`,
        values: [connectionId, after[0], after[1], limit],
      }
    : {
        text: `SELECT ${LIST_COLUMNS} FROM connection_deliveries WHERE connection_id = $1::varchar ORDER BY created_at DESC, id DESC LIMIT $2`,
        values: [connectionId, limit],
      };
}
