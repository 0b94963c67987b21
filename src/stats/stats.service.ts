import { Injectable } from '@nestjs/common';
import { botIdFor, Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppError } from '../common/errors';
import { Sql } from '../database/sql';
import { Bucket, MAX_BUCKETS, StatsQuery, StatsView } from './stats.dto';

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Without `from`, this many buckets up to `to`. */
const DEFAULT_BUCKETS = 60;

/**
 * One statement: every bucket of the range (empty ones too) joined to the counts of invocations by
 * received_at and of connection deliveries by created_at. The filters are range conditions on the
 * indexed times (not expressions of them), so each table is read by an index range of the bot's rows.
 * Buckets start on whole UTC minutes, hours and days (date_bin from the Unix epoch).
 */
const STATS = (scope: string, deliveryScope: string) => `
  WITH invocation_buckets AS (
    SELECT date_bin($3::interval, received_at, timestamptz 'epoch') AS at,
      count(*) FILTER (WHERE status IN ('answered', 'delivered'))::int AS answered,
      count(*) FILTER (WHERE status IN ('received', 'queued'))::int AS accepted,
      count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*) FILTER (WHERE status = 'dropped')::int AS refused,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - received_at) * 1000) FILTER (WHERE finished_at IS NOT NULL) AS p50,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - received_at) * 1000) FILTER (WHERE finished_at IS NOT NULL) AS p99
    FROM invocations
    WHERE received_at >= $1 AND received_at < $2 ${scope}
    GROUP BY 1
  ),
  delivery_buckets AS (
    SELECT date_bin($3::interval, created_at, timestamptz 'epoch') AS at,
      count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
      count(*) FILTER (WHERE status = 'failed')::int AS failed
    FROM connection_deliveries
    WHERE created_at >= $1 AND created_at < $2 ${deliveryScope}
    GROUP BY 1
  )
  SELECT b.at, coalesce(i.answered, 0) AS answered, coalesce(i.accepted, 0) AS accepted, coalesce(i.failed, 0) AS failed,
         coalesce(i.refused, 0) AS refused, coalesce(d.succeeded, 0) AS delivered, coalesce(d.failed, 0) AS delivery_failed,
         i.p50, i.p99
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 millisecond', $3::interval) AS b(at)
    LEFT JOIN invocation_buckets i ON i.at = b.at
    LEFT JOIN delivery_buckets d ON d.at = b.at
   ORDER BY b.at`;

interface StatsRow {
  at: Date;
  answered: number;
  accepted: number;
  failed: number;
  refused: number;
  delivered: number;
  delivery_failed: number;
  p50: number | null;
  p99: number | null;
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
    let scope = 'AND bot_id IN (SELECT id FROM bots)';
    if (botId !== undefined) {
      const [bot] = await this.sql.query(`SELECT 1 FROM bots WHERE id = $1`, [botId]);
      if (!bot) throw new AppError('not_found', `bot ${botId} not found`);
      values.push(botId);
      scope = 'AND bot_id = $4';
    }
    const rows = await this.sql.query<StatsRow>(STATS(scope, scope), values);
    return {
      buckets: rows.map((row) => ({
        at: row.at.toISOString(),
        invocations: { answered: row.answered, accepted: row.accepted, failed: row.failed, refused: row.refused },
        deliveries: { succeeded: row.delivered, failed: row.delivery_failed },
        p50Ms: row.p50 === null ? null : Math.round(Number(row.p50) * 10) / 10,
        p99Ms: row.p99 === null ? null : Math.round(Number(row.p99) * 10) / 10,
      })),
    };
  }
}

const badRange = (path: string, message: string): AppError => new AppError('bad_request', 'request validation failed', { errors: [{ path, message }] });
