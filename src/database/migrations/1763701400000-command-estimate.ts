import { MigrationInterface, QueryRunner } from 'typeorm';
import { PARTITION_KEY } from './1763700600000-partitions';

/** What the planner is told to take the number of distinct commands in a day partition for. */
const COMMANDS = 1000;

export class CommandEstimate1763701400000 implements MigrationInterface {
  name = 'CommandEstimate1763701400000';

  // A list filtered by command reads a range of (bot_id, command, status, id), or of (command, status, id)
  // across bots. Its plan is generic, so the planner weighs `command = $n` by the number of distinct
  // commands in each day partition's statistics. On a day when every row has one command (a single bot
  // that called one command, say), that number is 1: the filter seems to let every row through, and the
  // planner may walk (bot_id, status, id) instead and filter by command, which for a command with no rows
  // that day reads all of the bot's rows of the day. The column is told to count as having many distinct
  // values in every day partition, so that a range bounded by the command is always the cheaper way.
  // Column options are per table, and a partition does not take its parent's: create_day_partition now
  // copies them to each partition it makes.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION create_day_partition(parent text, day date) RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE
        part text := parent || '_p' || to_char(day, 'YYYYMMDD');
        low timestamptz := day::timestamp AT TIME ZONE 'UTC';
        high timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
        key text := ${PARTITION_KEY};
        option record;
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;
        PERFORM set_config('lock_timeout', '1s', true);
        -- ATTACH, unlike CREATE TABLE ... PARTITION OF, leaves the parent open to inserts meanwhile.
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
        FOR option IN
          SELECT a.attname, o.option_name, o.option_value FROM pg_attribute a, pg_options_to_table(a.attoptions) o
           WHERE a.attrelid = parent::regclass AND a.attnum > 0 AND NOT a.attisdropped AND o.option_name IN ('n_distinct', 'n_distinct_inherited')
        LOOP
          EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET (%s = %s)', part, option.attname, option.option_name, option.option_value);
        END LOOP;
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       parent || '_default', key, key, part) USING low, high;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, low, high);
        RETURN true;
      END $$`);
    for (const table of await this.invocationTables(q)) await q.query(`ALTER TABLE ${table} ALTER COLUMN command SET (n_distinct = ${COMMANDS})`);
    // The statistics each partition has were taken without it.
    await q.query(`ANALYZE invocations`);
  }

  async down(q: QueryRunner): Promise<void> {
    // create_day_partition stays as it is: without options on the parent it copies none.
    for (const table of await this.invocationTables(q)) await q.query(`ALTER TABLE ${table} ALTER COLUMN command RESET (n_distinct)`);
    await q.query(`ANALYZE invocations`);
  }

  /** invocations and each of its partitions, quoted. */
  private async invocationTables(q: QueryRunner): Promise<string[]> {
    const partitions: Array<{ name: string }> = await q.query(`SELECT quote_ident(c.relname) AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'invocations'::regclass`);
    return ['invocations', ...partitions.map((p) => p.name)];
  }
}
