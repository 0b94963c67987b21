import { Injectable } from '@nestjs/common';
import { botIdFor, Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppError } from '../common/errors';
import { Sql } from '../database/sql';
import { Bucket, MAX_BUCKETS, StatsQuery, StatsView } from './stats.dto';
import { latencyPercentiles, LatencyBins } from './latency-bins';
import { KEEP_AFTER_MS, StatsMinutes } from './stats-minutes';
import { EVERY_BOT, ONE_BOT, StatsParams } from './stats-queries';

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Without `from`, this many buckets up to `to`. */
const DEFAULT_BUCKETS = 60;

interface StatsRow {
  at: Date;
  answered: number;
  accepted: number;
  failed: number;
  refused: number;
  delivered: number;
  delivery_failed: number;
  /** JSON of the bucket's minutes' [bins, counts]; null when no call was stored in it. */
  latencies: string | null;
}

/**
 * Calls and deliveries per time bucket (contract §3.3 `GET /v1/stats`), computed from the stored rows, or
 * for hours long past from what StatsKeeper or an earlier read of the bot computed of them while they have
 * not changed. Without a bot, an hour is read from what was kept only when every bot's is kept.
 * Percentiles come from latency bins 10 % wide: p50Ms and p99Ms are within 5 % (and 0.1 ms) of the
 * nearest-rank percentile of the latencies stored.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly minutes: StatsMinutes,
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

    const params: StatsParams = { from: new Date(from), to: new Date(to), bucket: `1 ${bucket}`, bot: botId, sealed: new Date(this.clock.now() - KEEP_AFTER_MS) };
    if (botId !== undefined) {
      const [bot] = await this.sql.query(`SELECT 1 FROM bots WHERE id = $1`, [botId]);
      if (!bot) throw new AppError('not_found', `bot ${botId} not found`);
      await this.minutes.keep(params);
    }
    const statement = botId === undefined ? EVERY_BOT : ONE_BOT;
    const rows = await this.sql.queryWithoutJit<StatsRow>(statement.text, statement.values(params), botId === undefined ? 'stats_every_bot' : 'stats_one_bot');
    return {
      buckets: rows.map((row) => {
        const [p50, p99] = row.latencies === null ? [null, null] : latencyPercentiles(JSON.parse(row.latencies) as LatencyBins[], [0.5, 0.99]);
        return {
          at: row.at.toISOString(),
          invocations: { answered: row.answered, accepted: row.accepted, failed: row.failed, refused: row.refused },
          deliveries: { succeeded: row.delivered, failed: row.delivery_failed },
          p50Ms: p50 === null ? null : tenths(p50),
          p99Ms: p99 === null ? null : tenths(p99),
        };
      }),
    };
  }
}

const tenths = (ms: number): number => Math.round(ms * 10) / 10;
const badRange = (path: string, message: string): AppError => new AppError('bad_request', 'request validation failed', { errors: [{ path, message }] });
