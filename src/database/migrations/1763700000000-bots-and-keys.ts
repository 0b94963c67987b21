import { MigrationInterface, QueryRunner } from 'typeorm';

export class BotsAndKeys1763700000000 implements MigrationInterface {
  name = 'BotsAndKeys1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bots (
        id varchar(24) PRIMARY KEY,
        name varchar(128) NOT NULL,
        runtime_url varchar(1024),
        signing_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(8) NOT NULL CHECK (kind IN ('admin', 'bot')),
        bot_id varchar(24) REFERENCES bots(id) ON DELETE CASCADE,
        key_hash varchar(64) NOT NULL UNIQUE,
        prefix varchar(20) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK ((kind = 'admin') = (bot_id IS NULL))
      )`);
    await q.query(`CREATE INDEX api_keys_bot_id ON api_keys (bot_id)`);
    await q.query(`
      CREATE TABLE url_keys (
        bot_id varchar(24) NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
        version integer NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retires_at timestamptz,
        PRIMARY KEY (bot_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE url_keys`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE bots`);
  }
}
