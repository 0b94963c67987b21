import { MigrationInterface, QueryRunner } from 'typeorm';

export class BackgroundPurge1763700500000 implements MigrationInterface {
  name = 'BackgroundPurge1763700500000';

  async up(q: QueryRunner): Promise<void> {
    // A bot's invocations and a connection's deliveries can run to millions of rows: cascading them in the
    // statement that deletes the bot held the answer for as long as that took. The bot and its few rows
    // (keys, URL keys, connections) still go at once; the big tables lose their foreign keys and are
    // purged in steps in the background, from a queue the deletion itself fills (by trigger, so the CLI
    // and psql fill it too) and which survives a restart.
    await q.query(`ALTER TABLE invocations DROP CONSTRAINT invocations_bot_id_fkey`);
    await q.query(`ALTER TABLE revoked_webhooks DROP CONSTRAINT revoked_webhooks_bot_id_fkey`);
    await q.query(`ALTER TABLE connection_deliveries DROP CONSTRAINT connection_deliveries_bot_id_fkey`);
    await q.query(`ALTER TABLE connection_deliveries DROP CONSTRAINT connection_deliveries_connection_id_fkey`);
    await q.query(`
      CREATE TABLE purges (
        kind varchar(10) NOT NULL CHECK (kind IN ('bot', 'connection')),
        target_id varchar(24) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (kind, target_id)
      )`);
    await q.query(`CREATE INDEX purges_pending ON purges (created_at) WHERE finished_at IS NULL`);
    await q.query(`
      CREATE FUNCTION queue_purge() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO purges (kind, target_id) VALUES (TG_ARGV[0], OLD.id) ON CONFLICT DO NOTHING;
        RETURN OLD;
      END $$`);
    await q.query(`CREATE TRIGGER bots_queue_purge AFTER DELETE ON bots FOR EACH ROW EXECUTE FUNCTION queue_purge('bot')`);
    await q.query(`CREATE TRIGGER connections_queue_purge AFTER DELETE ON connections FOR EACH ROW EXECUTE FUNCTION queue_purge('connection')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER connections_queue_purge ON connections`);
    await q.query(`DROP TRIGGER bots_queue_purge ON bots`);
    await q.query(`DROP FUNCTION queue_purge()`);
    await q.query(`DROP TABLE purges`);
    await q.query(`DELETE FROM connection_deliveries d WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = d.connection_id)`);
    await q.query(`DELETE FROM invocations i WHERE NOT EXISTS (SELECT 1 FROM bots b WHERE b.id = i.bot_id)`);
    await q.query(`DELETE FROM revoked_webhooks r WHERE r.bot_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.id = r.bot_id)`);
    await q.query(`ALTER TABLE connection_deliveries ADD CONSTRAINT connection_deliveries_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE connection_deliveries ADD CONSTRAINT connection_deliveries_bot_id_fkey FOREIGN KEY (bot_id) REFERENCES bots(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE revoked_webhooks ADD CONSTRAINT revoked_webhooks_bot_id_fkey FOREIGN KEY (bot_id) REFERENCES bots(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE invocations ADD CONSTRAINT invocations_bot_id_fkey FOREIGN KEY (bot_id) REFERENCES bots(id) ON DELETE CASCADE`);
  }
}
