import { MigrationInterface, QueryRunner } from 'typeorm';

export class TruncateBeforeDrop1763701500000 implements MigrationInterface {
  name = 'TruncateBeforeDrop1763701500000';

  // Dropping a day partition takes its parent's exclusive lock, and holds it until the commit has removed
  // the partition's files: for a day of 200k calls, 0.2 s in which no call could be written. A day is now
  // emptied first, in a transaction of its own that locks only that partition (which no call writes to:
  // calls go to today's), and the drop that follows removes an empty table. TRUNCATE waits for readers of
  // the day (a list, a queue count) at most as long as the drop does; a day busy past that stays for the
  // next run, as before.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE PROCEDURE drop_expired_days(parent text, before date, INOUT dropped integer DEFAULT 0) LANGUAGE plpgsql AS $$
      DECLARE
        part record;
        emptied boolean;
      BEGIN
        FOR part IN
          SELECT c.relname, to_date(right(c.relname, 8), 'YYYYMMDD') AS day FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = parent::regclass AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
             AND to_date(right(c.relname, 8), 'YYYYMMDD') < before
           ORDER BY 2
        LOOP
          emptied := true;
          BEGIN
            PERFORM set_config('lock_timeout', '200ms', true);
            EXECUTE format('TRUNCATE %I', part.relname);
          EXCEPTION WHEN lock_not_available THEN
            RAISE WARNING 'partition % is busy, dropped on a later run', part.relname;
            emptied := false;
          END;
          COMMIT;
          IF emptied THEN
            dropped := dropped + drop_day_partitions(parent, part.day + 1);
            COMMIT;
          END IF;
        END LOOP;
        -- What the default partition holds from before then.
        dropped := dropped + drop_day_partitions(parent, before);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE PROCEDURE drop_expired_days(parent text, before date, INOUT dropped integer DEFAULT 0) LANGUAGE plpgsql AS $$
      DECLARE
        day date;
      BEGIN
        FOR day IN
          SELECT to_date(right(c.relname, 8), 'YYYYMMDD') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = parent::regclass AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
             AND to_date(right(c.relname, 8), 'YYYYMMDD') < before
           ORDER BY 1
        LOOP
          dropped := dropped + drop_day_partitions(parent, day + 1);
          COMMIT;
        END LOOP;
        -- What the default partition holds from before then.
        dropped := dropped + drop_day_partitions(parent, before);
      END $$`);
  }
}
