import { MigrationInterface, QueryRunner } from 'typeorm';

/** drop_expired_days as this migration made it (a later one replaced it; its down() makes it again). */
export const DROP_EXPIRED_DAYS = `
  CREATE PROCEDURE drop_expired_days(parent text, before date, INOUT dropped integer DEFAULT 0) LANGUAGE plpgsql AS $$
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
  END $$`;

export class DropDaysOneByOne1763701300000 implements MigrationInterface {
  name = 'DropDaysOneByOne1763701300000';

  // drop_day_partitions drops every expired day in one transaction, which holds the parent's exclusive lock
  // from the first drop to the commit: calls waited the whole run (five days of a million rows: 0.6 s). The
  // procedure commits after each day, so a call waits for one drop at most. CALL it outside a transaction.
  async up(q: QueryRunner): Promise<void> {
    await q.query(DROP_EXPIRED_DAYS);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP PROCEDURE drop_expired_days(text, date, integer)`);
  }
}
