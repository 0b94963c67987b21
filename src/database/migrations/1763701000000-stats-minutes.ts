import { MigrationInterface, QueryRunner } from 'typeorm';

export class StatsMinutes1763701000000 implements MigrationInterface {
  name = 'StatsMinutes1763701000000';

  async up(q: QueryRunner): Promise<void> {
    // GET /v1/stats keeps what it computed of an hour long past, per bot and minute, so that a day of
    // minutes is not a scan of every row of the day on each read. Nothing on the receive path writes here:
    // the first read of an hour fills it (src/stats/stats-minutes.ts).
    await q.query(`
      CREATE TABLE stats_minutes (
        bot_id varchar(24) NOT NULL,
        minute timestamptz NOT NULL,
        answered int NOT NULL,
        accepted int NOT NULL,
        failed int NOT NULL,
        refused int NOT NULL,
        delivered int NOT NULL,
        delivery_failed int NOT NULL,
        latency_bins smallint[] NOT NULL,
        latency_counts int[] NOT NULL,
        PRIMARY KEY (bot_id, minute)
      )`);
    // Retention forgets what it kept of the days it drops, oldest first.
    await q.query(`CREATE INDEX stats_minutes_age ON stats_minutes (minute)`);
    // An hour whose minutes are all in stats_minutes (minutes without rows have none).
    await q.query(`CREATE TABLE stats_hours (bot_id varchar(24) NOT NULL, hour timestamptz NOT NULL, PRIMARY KEY (bot_id, hour))`);
    await q.query(`CREATE INDEX stats_hours_age ON stats_hours (hour)`);
    // Minutes whose kept figures a later change of status made stale. Only a change of a row received more
    // than an hour before is written here, and only by its own statement's trigger, so that the calls and
    // deliveries of the last hour (the hot path) write nothing more; hours are kept only once they ended two
    // hours ago, which leaves an hour for a change in flight to commit. Rows are only ever added, and removed
    // by the read that saw them and refilled their hour, so a change committed meanwhile is never lost.
    await q.query(`CREATE TABLE stats_changes (id bigserial PRIMARY KEY, bot_id varchar(24) NOT NULL, minute timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX stats_changes_minute ON stats_changes (bot_id, minute)`);
    await q.query(`
      CREATE FUNCTION note_stats_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stats_changes (bot_id, minute) VALUES (OLD.bot_id, date_bin('1 minute', OLD.received_at, timestamptz 'epoch'));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER invocations_stats_change AFTER UPDATE ON invocations FOR EACH ROW
        WHEN ((OLD.status IS DISTINCT FROM NEW.status OR OLD.finished_at IS DISTINCT FROM NEW.finished_at)
              AND OLD.received_at < clock_timestamp() - interval '1 hour')
        EXECUTE FUNCTION note_stats_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER invocations_stats_change ON invocations`);
    await q.query(`DROP FUNCTION note_stats_change()`);
    await q.query(`DROP TABLE stats_changes`);
    await q.query(`DROP TABLE stats_hours`);
    await q.query(`DROP TABLE stats_minutes`);
  }
}
