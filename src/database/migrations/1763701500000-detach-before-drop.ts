import { MigrationInterface, QueryRunner } from 'typeorm';
import { DROP_DAY_PARTITIONS, PARTITION_KEY } from './1763700600000-partitions';
import { DROP_EXPIRED_DAYS } from './1763701300000-drop-days-one-by-one';

/** The day partitions of `parent` (attached or not) older than `before`, by the date in their names. */
const EXPIRED_DAYS = `to_date(right(c.relname, 8), 'YYYYMMDD') < before AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
  AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = parent::regclass)`;

export class DetachBeforeDrop1763701500000 implements MigrationInterface {
  name = 'DetachBeforeDrop1763701500000';

  // Dropping a partition holds the parent's exclusive lock until its commit, and the commit is where the
  // day's files are removed: for a day of 300k rows (298 MB with its eight indexes) 406 ms, during which no
  // call could be recorded. Detaching it first takes the same lock for the catalog change alone (2 ms) and
  // commits; dropping the table it has become then locks that table only, which no call writes to. A run
  // stopped between the two leaves a detached day, which the next run drops with the others. Removing the
  // files still costs the disk what it costs (see the README's retention figures), but no call waits on a lock
  // meanwhile.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION detach_day_partition(parent text, part text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        -- The detach waits for the calls running on the parent and every new one waits behind it: a
        -- short lock timeout keeps that wait short, and a day it could not detach is left to the next run.
        PERFORM set_config('lock_timeout', '200ms', true);
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, part);
        RETURN true;
      EXCEPTION WHEN lock_not_available THEN
        RAISE WARNING 'partition % is busy, dropped on a later run', part;
        RETURN false;
      END $$`);
    await q.query(`
      CREATE OR REPLACE PROCEDURE drop_expired_days(parent text, before date, INOUT dropped integer DEFAULT 0) LANGUAGE plpgsql AS $$
      DECLARE
        part text;
        key text := ${PARTITION_KEY};
      BEGIN
        FOR part IN SELECT c.relname FROM pg_class c WHERE c.relispartition AND ${EXPIRED_DAYS} ORDER BY 1 LOOP
          PERFORM detach_day_partition(parent, part);
          COMMIT;
        END LOOP;
        FOR part IN SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND NOT c.relispartition AND ${EXPIRED_DAYS} ORDER BY 1 LOOP
          EXECUTE format('DROP TABLE %I', part);
          dropped := dropped + 1;
          COMMIT;
        END LOOP;
        -- What the default partition holds from before then.
        EXECUTE format('DELETE FROM %I WHERE %I < $1', parent || '_default', key) USING before::timestamp AT TIME ZONE 'UTC';
      END $$`);
    await q.query(`DROP FUNCTION drop_day_partitions(text, date)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(DROP_DAY_PARTITIONS);
    await q.query(DROP_EXPIRED_DAYS.replace('CREATE PROCEDURE', 'CREATE OR REPLACE PROCEDURE'));
    await q.query(`DROP FUNCTION detach_day_partition(text, text)`);
  }
}
