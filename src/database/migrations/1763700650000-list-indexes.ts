import { MigrationInterface, QueryRunner } from 'typeorm';

export class ListIndexes1763700650000 implements MigrationInterface {
  name = 'ListIndexes1763700650000';

  // Plain CREATE/DROP INDEX, not CONCURRENTLY: the tables may be partitioned, and an index on a
  // partitioned table cannot be built concurrently.
  async up(q: QueryRunner): Promise<void> {
    // Each list filter is an equality prefix followed by id, so a page is a backward range scan that stops
    // after a page, whatever the table holds. Status is the last equality column because it has only a
    // handful of values: a list without a status filter reads one range per status and merges them, which
    // spares an index for each of "bot" and "command" alone. Replaces (bot_id, id), which this one covers.
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_status_page ON invocations (status, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_bot_status_page ON invocations (bot_id, status, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_command_page ON invocations (command, status, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_bot_command_page ON invocations (bot_id, command, status, id)`);
    await q.query(`DROP INDEX IF EXISTS invocations_bot_page`);
    // The pull queue hands out a bot's oldest waiting calls that have no update id yet; (bot_id, update_id)
    // cannot give them oldest first, so every take sorted the whole backlog.
    await q.query(
      `CREATE INDEX IF NOT EXISTS invocations_pull_fresh ON invocations (bot_id, received_at, id) WHERE route = 'pull' AND status = 'queued' AND update_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS invocations_pull_fresh`);
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_bot_page ON invocations (bot_id, id DESC)`);
    await q.query(`DROP INDEX IF EXISTS invocations_bot_command_page`);
    await q.query(`DROP INDEX IF EXISTS invocations_command_page`);
    await q.query(`DROP INDEX IF EXISTS invocations_bot_status_page`);
    await q.query(`DROP INDEX IF EXISTS invocations_status_page`);
  }
}
