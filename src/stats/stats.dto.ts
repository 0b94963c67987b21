import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';

export const BUCKETS = ['minute', 'hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const MAX_BUCKETS = 1440;

export class StatsQuery {
  @ApiPropertyOptional({ pattern: '^[0-9a-f]{24}$', description: "One bot's figures; a bot key sees its own bot only, an admin key without it every bot's" })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'botId must be 24 lowercase hex characters' })
  botId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Start, rounded down to its bucket; default 60 buckets before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End (exclusive); default now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 time' })
  to?: string;

  @ApiPropertyOptional({ enum: BUCKETS, default: 'minute' })
  @IsOptional()
  @IsIn(BUCKETS)
  bucket?: Bucket;
}

/**
 * By stored status: `answered` the runtime took it (answered a sync call, or a background delivery or a
 * pull confirmed it); `accepted` taken in and still waiting (received, queued); `failed`; `refused` the
 * bot declined it (dropped from its update queue). Calls refused at the door (403, 410, 429) write no row;
 * /metrics counts them.
 */
export class InvocationCounts {
  @ApiProperty({ type: 'integer', description: 'status answered or delivered' }) answered: number;
  @ApiProperty({ type: 'integer', description: 'status received or queued' }) accepted: number;
  @ApiProperty({ type: 'integer', description: 'status failed' }) failed: number;
  @ApiProperty({ type: 'integer', description: 'status dropped' }) refused: number;
}

/** Calls of the bot's connections (contract §4), by outcome. */
export class DeliveryCounts {
  @ApiProperty({ type: 'integer' }) succeeded: number;
  @ApiProperty({ type: 'integer' }) failed: number;
}

export class StatsBucket {
  @ApiProperty({ format: 'date-time', description: 'Start of the bucket' }) at: string;
  @ApiProperty({ type: InvocationCounts }) invocations: InvocationCounts;
  @ApiProperty({ type: DeliveryCounts }) deliveries: DeliveryCounts;
  @ApiProperty({ type: 'number', nullable: true, description: 'Median time from receipt to the end of the invocation, in ms, over those that ended; within 5 % of the exact nearest-rank median (latencies are counted in bins 10 % wide)' }) p50Ms: number | null;
  @ApiProperty({ type: 'number', nullable: true, description: '99th percentile of the same, within 5 % as well' }) p99Ms: number | null;
}

export class StatsView {
  @ApiProperty({ type: [StatsBucket] }) buckets: StatsBucket[];
}
