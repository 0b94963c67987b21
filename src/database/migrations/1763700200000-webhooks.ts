import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1763700200000 implements MigrationInterface {
  name = 'Webhooks1763700200000';

  async up(q: QueryRunner): Promise<void> {
    // Ids are UUIDv7, so the primary key is also the newest-first order and inserts append to the index.
    // `delivery` is how the call was routed when it arrived: answered by the runtime (sync), pushed to it
    // in the background (push), or left in the bot's update queue (pull).
    await q.query(`
      CREATE TABLE invocations (
        id uuid PRIMARY KEY,
        webhook_id uuid NOT NULL,
        bot_id varchar(24) NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
        command varchar(256) NOT NULL,
        user_id varchar(64),
        chat_id varchar(64),
        method varchar(4) NOT NULL,
        delivery varchar(4) NOT NULL CHECK (delivery IN ('sync', 'push', 'pull')),
        status varchar(9) NOT NULL CHECK (status IN ('received', 'queued', 'delivered', 'answered', 'failed')),
        payload text NOT NULL,
        holds_single_use boolean NOT NULL DEFAULT false,
        idempotency_key varchar(255),
        http_status integer,
        answer text,
        error text,
        reply_status integer,
        reply_headers jsonb,
        reply_body text,
        attempts integer NOT NULL DEFAULT 0,
        retry_step integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        update_id bigint,
        received_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    // The single use of a URL is claimed by inserting the invocation that holds it: concurrent calls race
    // on this index and exactly one wins. A sync call that fails gives the claim back.
    await q.query(`CREATE UNIQUE INDEX invocations_single_use ON invocations (webhook_id) WHERE holds_single_use`);
    await q.query(`CREATE UNIQUE INDEX invocations_idempotency ON invocations (webhook_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`CREATE INDEX invocations_bot_page ON invocations (bot_id, id DESC)`);
    await q.query(`CREATE INDEX invocations_push_due ON invocations (next_attempt_at) WHERE delivery = 'push' AND status = 'queued'`);
    await q.query(`CREATE INDEX invocations_pull_queue ON invocations (bot_id, update_id) WHERE delivery = 'pull' AND status = 'queued'`);
    // Partial, so that a call costs no entry here until the pull queue hands it out.
    await q.query(`CREATE UNIQUE INDEX invocations_update_id ON invocations (update_id) WHERE update_id IS NOT NULL`);
    await q.query(`CREATE SEQUENCE invocation_update_ids`);

    // Issued URLs are not stored, so a revocation is a tombstone. An admin's (bot_id NULL) stops the URL
    // whichever bot issued it; a bot key's stops only its own bot's URL of that id.
    await q.query(`
      CREATE TABLE revoked_webhooks (
        webhook_id uuid NOT NULL,
        bot_id varchar(24) REFERENCES bots(id) ON DELETE CASCADE,
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX revoked_webhooks_key ON revoked_webhooks (webhook_id, COALESCE(bot_id, ''))`);

    // A deleted bot's URL keys go with it, so its URLs can no longer be verified; remembering the id lets
    // them answer 404 (the bot is gone) rather than 403 (a forged URL). A trigger catches every way a bot
    // is deleted, the CLI and psql included.
    await q.query(`CREATE TABLE deleted_bots (id varchar(24) PRIMARY KEY, deleted_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`
      CREATE FUNCTION remember_deleted_bot() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO deleted_bots (id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
        RETURN OLD;
      END $$`);
    await q.query(`CREATE TRIGGER bots_remember_deleted AFTER DELETE ON bots FOR EACH ROW EXECUTE FUNCTION remember_deleted_bot()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER bots_remember_deleted ON bots`);
    await q.query(`DROP FUNCTION remember_deleted_bot()`);
    await q.query(`DROP TABLE deleted_bots`);
    await q.query(`DROP TABLE revoked_webhooks`);
    await q.query(`DROP SEQUENCE invocation_update_ids`);
    await q.query(`DROP TABLE invocations`);
  }
}
