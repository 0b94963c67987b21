import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Ids: how they are made and recognised. Plain functions only; the path-parameter pipes and their OpenAPI
 * entries are in id-params.ts, so that what needs an id check does not load Nest and Swagger for it.
 */

export const OBJECT_ID = /^[0-9a-f]{24}$/;
/** The contract's form of a UUID: lowercase, as every id is written out. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A Mongo-ObjectId-like id: 4 bytes of seconds then 8 random bytes, so ids sort by creation. */
export function newObjectId(now = Date.now()): string {
  const time = Buffer.alloc(4);
  time.writeUInt32BE(Math.floor(now / 1000));
  return time.toString('hex') + randomBytes(8).toString('hex');
}

/**
 * A UUIDv7: 48 bits of milliseconds, then randomness. Invocation and delivery ids sort by arrival, so the
 * primary key doubles as the newest-first order and new rows land at the end of the index. Built on randomUUID(),
 * whose entropy is pooled, because this runs once per webhook call.
 */
export function uuidv7(now: number): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/**
 * Where a row with this UUIDv7 id can be, as a range of its time column, so that a lookup by id reads only
 * the day partitions the range falls in. The margin covers a row whose time was taken a little before or
 * after its id (a delivery is recorded after the backend answered) and hosts' clocks that disagree.
 * Ids of any other version (rows written before ids were UUIDv7) give the whole of time. Both ends are
 * query parameters: `AND received_at BETWEEN $2 AND $3`.
 */
export function idTimeRange(id: string): [Date, Date] | ['-infinity', 'infinity'] {
  if (id[14] !== '7') return ['-infinity', 'infinity'];
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return [new Date(ms - ID_TIME_MARGIN_MS), new Date(ms + ID_TIME_MARGIN_MS)];
}

/** The range that holds every one of these ids' rows (see idTimeRange). */
export function idsTimeRange(ids: string[]): [Date, Date] | ['-infinity', 'infinity'] {
  let low = Infinity;
  let high = -Infinity;
  for (const id of ids) {
    const range = idTimeRange(id);
    if (typeof range[0] === 'string') return ['-infinity', 'infinity'];
    low = Math.min(low, range[0].getTime());
    high = Math.max(high, (range[1] as Date).getTime());
  }
  return ids.length === 0 ? ['-infinity', 'infinity'] : [new Date(low), new Date(high)];
}

const ID_TIME_MARGIN_MS = 60 * 60 * 1000;

export const isObjectId = (value: string): boolean => OBJECT_ID.test(value);
export const isUuid = (value: string): boolean => UUID.test(value);
