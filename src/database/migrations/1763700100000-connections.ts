import { MigrationInterface, QueryRunner } from 'typeorm';

export class Connections1763700100000 implements MigrationInterface {
  name = 'Connections1763700100000';

  async up(q: QueryRunner): Promise<void> {
    // token, headers, auth and signing_secret hold SecretBox-sealed text (headers and auth as sealed JSON).
    await q.query(`
      CREATE TABLE connections (
        id varchar(24) PRIMARY KEY,
        bot_id varchar(24) NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
        name varchar(128) NOT NULL,
        url varchar(1024) NOT NULL,
        token text,
        headers text,
        auth text,
        timeout_ms integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 30000),
        signing_secret text NOT NULL,
        verification varchar(16) NOT NULL CHECK (verification IN ('not_required', 'passed', 'failed')),
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX connections_bot_id ON connections (bot_id)`);
    await q.query(`
      CREATE TABLE connection_deliveries (
        id uuid PRIMARY KEY,
        connection_id varchar(24) NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        bot_id varchar(24) NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
        status varchar(16) NOT NULL CHECK (status IN ('succeeded', 'failed')),
        http_status integer,
        duration_ms integer NOT NULL,
        error text,
        request_url text NOT NULL,
        request_headers jsonb NOT NULL,
        request_body text NOT NULL,
        response_body text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Serves the newest-first, keyset-paginated list of one connection's deliveries.
    await q.query(`CREATE INDEX connection_deliveries_page ON connection_deliveries (connection_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX connection_deliveries_bot_id ON connection_deliveries (bot_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connection_deliveries`);
    await q.query(`DROP TABLE connections`);
  }
}
