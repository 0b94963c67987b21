import { Injectable } from '@nestjs/common';
import { botIdFor, Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppError } from '../common/errors';
import { Sql } from '../database/sql';
import { Bucket, MAX_BUCKETS, StatsQuery, StatsView } from './stats.dto';

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Without `from`, this many buckets up to `to`. */
const DEFAULT_BUCKETS = 60;

const INVOCATION_FIGURES = `
  count(*) FILTER (WHERE status IN ('answered', 'delivered'))::int AS answered,
  count(*) FILTER (WHERE status IN ('received', 'queued'))::int AS accepted,
  count(*) FILTER (WHERE status = 'failed')::int AS failed,
  count(*) FILTER (WHERE status = 'dropped')::int AS refused,
  percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY date_part('epoch', finished_at - received_at) * 1000) FILTER (WHERE finished_at IS NOT NULL) AS percentiles`;
const DELIVERY_FIGURES = `
  count(*) FILTER (WHERE status = 'succeeded')::int AS delivered,
  count(*) FILTER (WHERE status = 'failed')::int AS delivery_failed`;

/**
 * One bot: each bucket is its own index-only range scan of the bot's rows (invocations_stats), so the
 * work grows with the rows in range and no sort of them all is needed; the percentiles sort one bucket
 * at a time. Buckets start on whole UTC minutes, hours and days.
 */
const ONE_BOT = `
  SELECT b.at, i.*, d.*
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 millisecond', $3::interval) AS b(at)
    CROSS JOIN LATERAL (SELECT ${INVOCATION_FIGURES} FROM invocations
                         WHERE bot_id = $4 AND received_at >= b.at AND received_at < least(b.at + $3::interval, $2::timestamptz)) i
    CROSS JOIN LATERAL (SELECT ${DELIVERY_FIGURES} FROM connection_deliveries
                         WHERE bot_id = $4 AND created_at >= b.at AND created_at < least(b.at + $3::interval, $2::timestamptz)) d
   ORDER BY b.at`;

/** Every bot: one pass over the range, grouped by bucket (date_bin from the Unix epoch, so UTC-aligned). */
const ALL_BOTS = `
  WITH i AS (
    SELECT date_bin($3::interval, received_at, timestamptz 'epoch') AS at, ${INVOCATION_FIGURES}
      FROM invocations WHERE received_at >= $1 AND received_at < $2 AND bot_id IN (SELECT id FROM bots) GROUP BY 1
  ), d AS (
    SELECT date_bin($3::interval, created_at, timestamptz 'epoch') AS at, ${DELIVERY_FIGURES}
      FROM connection_deliveries WHERE created_at >= $1 AND created_at < $2 AND bot_id IN (SELECT id FROM bots) GROUP BY 1
  )
  SELECT b.at, coalesce(i.answered, 0) AS answered, coalesce(i.accepted, 0) AS accepted, coalesce(i.failed, 0) AS failed,
         coalesce(i.refused, 0) AS refused, i.percentiles, coalesce(d.delivered, 0) AS delivered, coalesce(d.delivery_failed, 0) AS delivery_failed
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 millisecond', $3::interval) AS b(at)
    LEFT JOIN i ON i.at = b.at LEFT JOIN d ON d.at = b.at
   ORDER BY b.at`;

interface StatsRow {
  at: Date;
  answered: number;
  accepted: number;
  failed: number;
  refused: number;
  delivered: number;
  delivery_failed: number;
  percentiles: number[] | null;
}

/** Calls and deliveries per time bucket (contract §3.3 `GET /v1/stats`), computed from the stored rows. */
@Injectable()
export class StatsService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  async stats(principal: Principal, query: StatsQuery): Promise<StatsView> {
    const botId = principal.kind === 'bot' ? botIdFor(principal, query.botId) : query.botId;
    const bucket = query.bucket ?? 'minute';
    const step = BUCKET_MS[bucket];
    const to = query.to === undefined ? this.clock.now() : Date.parse(query.to);
    const requestedFrom = query.from === undefined ? to - DEFAULT_BUCKETS * step : Date.parse(query.from);
    const from = Math.floor(requestedFrom / step) * step;
    if (from >= to) throw badRange('from', 'from must be before to');
    const count = Math.ceil((to - from) / step);
    if (count > MAX_BUCKETS) throw badRange('from', `from..to spans ${count} ${bucket} buckets; at most ${MAX_BUCKETS} are allowed`);

    const values: unknown[] = [new Date(from), new Date(to), `1 ${bucket}`];
    if (botId !== undefined) {
      const [bot] = await this.sql.query(`SELECT 1 FROM bots WHERE id = $1`, [botId]);
      if (!bot) throw new AppError('not_found', `bot ${botId} not found`);
      values.push(botId);
    }
    const rows = await this.sql.query<StatsRow>(botId === undefined ? ALL_BOTS : ONE_BOT, values, botId === undefined ? 'stats_all_bots' : 'stats_one_bot');
    return {
      buckets: rows.map((row) => ({
        at: row.at.toISOString(),
        invocations: { answered: row.answered, accepted: row.accepted, failed: row.failed, refused: row.refused },
        deliveries: { succeeded: row.delivered, failed: row.delivery_failed },
        p50Ms: row.percentiles === null ? null : tenths(row.percentiles[0]),
        p99Ms: row.percentiles === null ? null : tenths(row.percentiles[1]),
      })),
    };
  }
}

const tenths = (ms: number): number => Math.round(ms * 10) / 10;
const badRange = (path: string, message: string): AppError => new AppError('bad_request', 'request validation failed', { errors: [{ path, message }] });
