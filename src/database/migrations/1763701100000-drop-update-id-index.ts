import { MigrationInterface, QueryRunner } from 'typeorm';

export class DropUpdateIdIndex1763701100000 implements MigrationInterface {
  name = 'DropUpdateIdIndex1763701100000';

  // Update ids are looked up only within a bot's queue (invocations_pull_queue). The index over update_id
  // alone served no statement, and the planner took it for a confirmation, whose every call then read
  // the bot's updates confirmed before: a drain slowed the longer it ran. It also held an entry for each
  // call ever pulled.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS invocations_update_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS invocations_update_id ON invocations (update_id) WHERE update_id IS NOT NULL`);
  }
}
