import { MigrationInterface, QueryRunner } from 'typeorm';

export class Cluster1763700800000 implements MigrationInterface {
  name = 'Cluster1763700800000';

  async up(q: QueryRunner): Promise<void> {
    // A connection's circuit, one for every instance: a row only while it is failing. Times are epoch
    // milliseconds of the instances' clocks, the same clock every instance judges them by.
    await q.query(`
      CREATE TABLE connection_circuits (
        connection_id varchar(24) PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        failures int NOT NULL,
        open_until bigint,
        trial_until bigint
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connection_circuits`);
  }
}
