import { MigrationInterface, QueryRunner } from 'typeorm';

export class Stats1763700900000 implements MigrationInterface {
  name = 'Stats1763700900000';

  async up(q: QueryRunner): Promise<void> {
    // GET /v1/stats reads one bot's rows of a time range and only these columns: an index-only range scan.
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_stats ON invocations (bot_id, received_at) INCLUDE (status, finished_at)`);
    await q.query(`CREATE INDEX IF NOT EXISTS connection_deliveries_stats ON connection_deliveries (bot_id, created_at) INCLUDE (status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS connection_deliveries_stats`);
    await q.query(`DROP INDEX IF EXISTS invocations_stats`);
  }
}
