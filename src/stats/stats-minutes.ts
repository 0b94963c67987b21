import { Injectable } from '@nestjs/common';
import { NO_JIT, Sql } from '../database/sql';
import { HOURS_TO_KEEP, KEEP_HOURS, StatsParams } from './stats-queries';

/**
 * An hour's figures are kept once it ended this long ago: a change of status of a row received more than
 * an hour before is noted by a trigger (see the stats_minutes migration), and the hour between leaves any
 * change still in flight time to commit.
 */
export const KEEP_AFTER_MS = 2 * 3_600_000;

/**
 * Fills stats_minutes for the hours of a read, or of a StatsKeeper run, that may be kept and are missing or
 * stale. Most reads find nothing to do and write nothing; the others take the bot's lock first, so that two
 * fillings of the same hours happen one after the other.
 */
@Injectable()
export class StatsMinutes {
  constructor(private readonly sql: Sql) {}

  async keep(params: StatsParams): Promise<void> {
    const [{ hours }] = await this.sql.query<{ hours: number }>(HOURS_TO_KEEP.text, HOURS_TO_KEEP.values(params), 'stats_hours_to_keep');
    if (hours === 0) return;
    await this.sql.transaction(NO_JIT, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('bothooks:stats:' || $1))`, [params.bot]);
      await client.query(KEEP_HOURS.text, KEEP_HOURS.values(params));
    });
  }
}
