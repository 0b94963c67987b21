import { MigrationInterface, QueryRunner } from 'typeorm';

export class CompactedPartitions1763701200000 implements MigrationInterface {
  name = 'CompactedPartitions1763701200000';

  // The day partitions whose indexes the retention job has rebuilt packed, once their day was over
  // (src/database/retention.ts). A row goes when its partition is dropped.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE compacted_partitions (name text PRIMARY KEY, compacted_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE compacted_partitions`);
  }
}
