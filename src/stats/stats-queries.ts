import { BIN_RATIO, LOWEST_MS } from './latency-bins';

/**
 * The statements of GET /v1/stats. Figures are kept per bot and minute (stats_minutes) for hours that
 * ended long enough ago (see the migration of stats_minutes for why two hours), by StatsKeeper ahead of
 * the reads or by the first read of a bot's hour the job has not reached; every other part of the
 * range, and a kept hour a later change made stale, is computed from the rows themselves. Either way a
 * minute's figures are the same: counts by status, and the latencies as a histogram, so that minutes add
 * up into hours and days.
 *
 * Parameters are named ($from, $to, $bucket as '1 minute'…, $bot, $sealed: the end of the hours that may be
 * kept) and numbered by `statement`, since each statement uses only some of them.
 */

export interface StatsParams {
  from: Date;
  to: Date;
  bucket: string;
  bot?: string;
  sealed: Date;
}

export interface StatsStatement {
  text: string;
  values(params: StatsParams): unknown[];
}

function statement(text: string): StatsStatement {
  const names: (keyof StatsParams)[] = [];
  const numbered = text.replace(/\$(from|to|bucket|bot|sealed)\b/g, (_, name: keyof StatsParams) => {
    if (!names.includes(name)) names.push(name);
    return `$${names.indexOf(name) + 1}`;
  });
  return { text: numbered, values: (params) => names.map((name) => params[name]) };
}

const bin = (ms: string) => `floor(ln(greatest(${ms}, ${LOWEST_MS})) / ln(${BIN_RATIO}))::smallint`;

/**
 * The hours of the range. One is read from stats_minutes when it is sealed (wholly in the range, and ended
 * long enough ago), covered (kept by an earlier read) and not changed since.
 */
const HOURS = `
  hours AS (
    SELECT h, h >= $from::timestamptz AND h + interval '1 hour' <= least($to::timestamptz, $sealed::timestamptz) AS sealed,
           EXISTS (SELECT 1 FROM stats_hours k WHERE k.bot_id = $bot AND k.hour = h) AS covered,
           EXISTS (SELECT 1 FROM stats_changes c WHERE c.bot_id = $bot AND c.minute >= h AND c.minute < h + interval '1 hour') AS changed
      FROM generate_series(date_bin('1 hour', $from::timestamptz, timestamptz 'epoch'), $to::timestamptz - interval '1 millisecond', interval '1 hour') AS h
  )`;

/**
 * Per minute, from the stored rows received in `ranges(lo, hi)`: each range is its own index range scan
 * (invocations_stats, connection_deliveries_stats). `bots` says whose rows count.
 */
const computedMinutes = (bots: string) => `
  inv AS (
    SELECT date_bin('1 minute', i.received_at, timestamptz 'epoch') AS minute,
           CASE WHEN i.finished_at IS NOT NULL THEN ${bin(`date_part('epoch', i.finished_at - i.received_at) * 1000`)} END AS bin,
           count(*) FILTER (WHERE i.status IN ('answered', 'delivered'))::int AS answered,
           count(*) FILTER (WHERE i.status IN ('received', 'queued'))::int AS accepted,
           count(*) FILTER (WHERE i.status = 'failed')::int AS failed,
           count(*) FILTER (WHERE i.status = 'dropped')::int AS refused,
           count(*)::int AS n
      FROM ranges r CROSS JOIN LATERAL (SELECT received_at, status, finished_at FROM invocations WHERE ${bots} AND received_at >= r.lo AND received_at < r.hi) i
     GROUP BY 1, 2
  ), inv_counts AS (
    SELECT minute, sum(answered)::int AS answered, sum(accepted)::int AS accepted, sum(failed)::int AS failed, sum(refused)::int AS refused,
           coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}') AS bins,
           coalesce(array_agg(n ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}') AS counts
      FROM inv GROUP BY minute
  ), dlv AS (
    SELECT date_bin('1 minute', d.created_at, timestamptz 'epoch') AS minute,
           count(*) FILTER (WHERE d.status = 'succeeded')::int AS delivered,
           count(*) FILTER (WHERE d.status = 'failed')::int AS delivery_failed
      FROM ranges r CROSS JOIN LATERAL (SELECT created_at, status FROM connection_deliveries WHERE ${bots} AND created_at >= r.lo AND created_at < r.hi) d
     GROUP BY 1
  ), computed AS (
    SELECT coalesce(c.minute, d.minute) AS minute, coalesce(c.answered, 0) AS answered, coalesce(c.accepted, 0) AS accepted,
           coalesce(c.failed, 0) AS failed, coalesce(c.refused, 0) AS refused, coalesce(d.delivered, 0) AS delivered,
           coalesce(d.delivery_failed, 0) AS delivery_failed, coalesce(c.bins, '{}') AS latency_bins, coalesce(c.counts, '{}') AS latency_counts
      FROM inv_counts c FULL JOIN dlv d ON d.minute = c.minute
  )`;

const ONE_BOT_ROWS = 'bot_id = $bot';
const EVERY_BOT_ROWS = 'bot_id IN (SELECT id FROM bots)';

/**
 * Minutes (`minutes` CTE) into the answer's buckets. The latency bins go out as JSON text, one [bins,
 * counts] pair per minute, and are added up and ranked by latencyPercentiles: in SQL that took a sort and two
 * window passes over every bin of the range.
 */
const BUCKETS = `
  per_bucket AS (
    SELECT date_bin($bucket::interval, minute, timestamptz 'epoch') AS at, sum(answered)::int AS answered, sum(accepted)::int AS accepted,
           sum(failed)::int AS failed, sum(refused)::int AS refused, sum(delivered)::int AS delivered, sum(delivery_failed)::int AS delivery_failed,
           json_agg(json_build_array(latency_bins, latency_counts))::text AS latencies
      FROM minutes GROUP BY 1
  )
  SELECT b.at, coalesce(s.answered, 0) AS answered, coalesce(s.accepted, 0) AS accepted, coalesce(s.failed, 0) AS failed,
         coalesce(s.refused, 0) AS refused, coalesce(s.delivered, 0) AS delivered, coalesce(s.delivery_failed, 0) AS delivery_failed, s.latencies
    FROM generate_series($from::timestamptz, $to::timestamptz - interval '1 millisecond', $bucket::interval) AS b(at)
    LEFT JOIN per_bucket s ON s.at = b.at
   ORDER BY b.at`;

/** One bot: kept minutes where they are good, the rest computed. */
export const ONE_BOT = statement(`
  WITH ${HOURS},
  ranges AS (SELECT greatest(h, $from::timestamptz) AS lo, least(h + interval '1 hour', $to::timestamptz) AS hi FROM hours WHERE NOT (sealed AND covered AND NOT changed)),
  ${computedMinutes(ONE_BOT_ROWS)},
  minutes AS (
    SELECT m.minute, m.answered, m.accepted, m.failed, m.refused, m.delivered, m.delivery_failed, m.latency_bins, m.latency_counts
      FROM hours JOIN stats_minutes m ON m.bot_id = $bot AND m.minute >= hours.h AND m.minute < hours.h + interval '1 hour'
     WHERE sealed AND covered AND NOT changed
    UNION ALL
    SELECT * FROM computed
  ),
  ${BUCKETS}`);

/**
 * Every bot: an hour is read from stats_minutes when it is sealed and no bot has rows in it that are not
 * kept, or kept figures a change made stale; each bot not kept is probed for rows. Only the minutes of
 * bots whose hour is kept are added up, so that minutes left of an hour no longer kept (retention forgets
 * the hours first) count for nothing. The other hours are computed from every bot's rows.
 */
export const EVERY_BOT = statement(`
  WITH hours AS (
    SELECT h FROM generate_series(date_bin('1 hour', $from::timestamptz, timestamptz 'epoch'), $to::timestamptz - interval '1 millisecond', interval '1 hour') AS h
  ), kept_hours AS (
    SELECT h FROM hours
     WHERE h >= $from::timestamptz AND h + interval '1 hour' <= least($to::timestamptz, $sealed::timestamptz)
       AND NOT EXISTS (
         SELECT 1 FROM bots b
          WHERE EXISTS (SELECT 1 FROM stats_changes c WHERE c.bot_id = b.id AND c.minute >= h AND c.minute < h + interval '1 hour')
             OR (NOT EXISTS (SELECT 1 FROM stats_hours k WHERE k.bot_id = b.id AND k.hour = h)
                 AND (EXISTS (SELECT 1 FROM invocations i WHERE i.bot_id = b.id AND i.received_at >= h AND i.received_at < h + interval '1 hour')
                      OR EXISTS (SELECT 1 FROM connection_deliveries d WHERE d.bot_id = b.id AND d.created_at >= h AND d.created_at < h + interval '1 hour'))))
  ),
  ranges AS (SELECT greatest(h, $from::timestamptz) AS lo, least(h + interval '1 hour', $to::timestamptz) AS hi FROM hours WHERE h NOT IN (SELECT h FROM kept_hours)),
  ${computedMinutes(EVERY_BOT_ROWS)},
  minutes AS (
    SELECT m.minute, m.answered, m.accepted, m.failed, m.refused, m.delivered, m.delivery_failed, m.latency_bins, m.latency_counts
      FROM kept_hours JOIN stats_hours k ON k.hour = kept_hours.h JOIN bots b ON b.id = k.bot_id
      JOIN stats_minutes m ON m.bot_id = k.bot_id AND m.minute >= kept_hours.h AND m.minute < kept_hours.h + interval '1 hour'
    UNION ALL
    SELECT * FROM computed
  ),
  ${BUCKETS}`);

/** How many of the range's hours could be kept and are not, or are stale. */
export const HOURS_TO_KEEP = statement(`WITH ${HOURS} SELECT count(*)::int AS hours FROM hours WHERE sealed AND (NOT covered OR changed)`);

/**
 * Computes and keeps those hours. Run under the bot's lock, in a statement of its own (and so a snapshot
 * taken once the lock is held): two reads filling the same hour one after the other, the later sees all
 * the earlier saw. The change notes it removes are those its own snapshot saw, whose rows it has counted.
 */
export const KEEP_HOURS = statement(`
  WITH ${HOURS},
  ranges AS (SELECT h AS lo, h + interval '1 hour' AS hi FROM hours WHERE sealed AND (NOT covered OR changed)),
  ${computedMinutes(ONE_BOT_ROWS)},
  seen AS (DELETE FROM stats_changes c USING ranges r WHERE c.bot_id = $bot AND c.minute >= r.lo AND c.minute < r.hi),
  emptied AS (
    DELETE FROM stats_minutes m USING ranges r
     WHERE m.bot_id = $bot AND m.minute >= r.lo AND m.minute < r.hi AND m.minute NOT IN (SELECT minute FROM computed)
  ),
  kept AS (
    INSERT INTO stats_minutes (bot_id, minute, answered, accepted, failed, refused, delivered, delivery_failed, latency_bins, latency_counts)
    SELECT $bot, * FROM computed
    ON CONFLICT (bot_id, minute) DO UPDATE SET answered = excluded.answered, accepted = excluded.accepted, failed = excluded.failed,
      refused = excluded.refused, delivered = excluded.delivered, delivery_failed = excluded.delivery_failed,
      latency_bins = excluded.latency_bins, latency_counts = excluded.latency_counts
  ),
  covered AS (INSERT INTO stats_hours (bot_id, hour) SELECT $bot, lo FROM ranges ON CONFLICT DO NOTHING)
  SELECT count(*)::int AS hours FROM ranges`);

/**
 * The hours StatsKeeper fills next ($1 the start of its look-back, $2 the end of the hours that may be
 * kept, $3 how many): each bot's sealed hours with calls or deliveries that no read or run has kept, and
 * kept hours a later change made stale, of any age, newest first. An hour without rows is left out: it
 * costs a read nothing to compute. Each bot and hour is one probe of the stats indexes.
 */
export const HOURS_AHEAD = `
  WITH hours AS (
    SELECT h FROM generate_series(date_bin('1 hour', $1::timestamptz, timestamptz 'epoch'), $2::timestamptz - interval '1 hour', interval '1 hour') AS h
  ), pending AS (
    SELECT b.id AS bot_id, hours.h AS hour
      FROM bots b CROSS JOIN hours
     WHERE NOT EXISTS (SELECT 1 FROM stats_hours k WHERE k.bot_id = b.id AND k.hour = hours.h)
       AND (EXISTS (SELECT 1 FROM invocations i WHERE i.bot_id = b.id AND i.received_at >= hours.h AND i.received_at < hours.h + interval '1 hour')
            OR EXISTS (SELECT 1 FROM connection_deliveries d WHERE d.bot_id = b.id AND d.created_at >= hours.h AND d.created_at < hours.h + interval '1 hour'))
    UNION
    SELECT c.bot_id, date_bin('1 hour', c.minute, timestamptz 'epoch')
      FROM stats_changes c JOIN bots b ON b.id = c.bot_id
     WHERE c.minute < date_bin('1 hour', $2::timestamptz, timestamptz 'epoch')
  )
  SELECT bot_id, hour FROM pending ORDER BY hour DESC, bot_id LIMIT $3`;
