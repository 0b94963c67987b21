import { MigrationInterface, QueryRunner } from 'typeorm';

export class InvocationRoute1763700400000 implements MigrationInterface {
  name = 'InvocationRoute1763700400000';

  async up(q: QueryRunner): Promise<void> {
    // How a call was routed (sync, push, pull) is its route: "delivery" is a connection's outbound call.
    // The CHECK and the partial indexes on the column follow the rename.
    await q.query(`ALTER TABLE invocations RENAME COLUMN delivery TO route`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invocations RENAME COLUMN route TO delivery`);
  }
}
