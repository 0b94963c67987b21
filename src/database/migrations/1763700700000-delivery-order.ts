import { MigrationInterface, QueryRunner } from 'typeorm';

/** A conversation's key: its chat, else its user; a bot-wide call has none and is never ordered. */
export const CONVERSATION_SQL = `CASE WHEN chat_id IS NOT NULL THEN 'c:' || chat_id WHEN user_id IS NOT NULL THEN 'u:' || user_id END`;

export class DeliveryOrder1763700700000 implements MigrationInterface {
  name = 'DeliveryOrder1763700700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bots ADD COLUMN ordering varchar(12) NOT NULL DEFAULT 'conversation' CHECK (ordering IN ('conversation', 'none'))`);
    // Columns only, so that this works on the invocations table however it is laid out. `mode` is as the URL
    // was issued (rows from before have none and show their route's); `order_free` marks a call that no
    // longer holds its conversation (redelivered, or held past ORDER_HOLD_SECONDS); `order_held_since` is
    // when its first attempt failed.
    await q.query(`ALTER TABLE invocations ADD COLUMN mode varchar(5)`);
    await q.query(`ALTER TABLE invocations ADD COLUMN order_free boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE invocations ADD COLUMN order_held_since timestamptz`);
    await q.query(`ALTER TABLE invocations DROP CONSTRAINT IF EXISTS invocations_status_check`);
    await q.query(`ALTER TABLE invocations ADD CONSTRAINT invocations_status_check CHECK (status IN ('received', 'queued', 'delivered', 'answered', 'failed', 'dropped'))`);
    // What the ordering asks on every attempt: is an earlier call of this conversation still waiting?
    await q.query(`CREATE INDEX invocations_conversation_queue ON invocations (bot_id, (${CONVERSATION_SQL}), id) WHERE route = 'push' AND status = 'queued'`);
    // Whose turn it is in each conversation. A lease rather than a held row lock, so that no connection is
    // held while the runtime answers, and a killed instance's turn passes on once the lease runs out.
    await q.query(`
      CREATE TABLE conversation_turns (
        bot_id varchar(24) NOT NULL,
        conversation varchar(66) NOT NULL,
        invocation_id uuid NOT NULL,
        lease_until timestamptz NOT NULL,
        PRIMARY KEY (bot_id, conversation)
      )`);
    await q.query(`CREATE INDEX conversation_turns_holder ON conversation_turns (invocation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE conversation_turns`);
    await q.query(`DROP INDEX invocations_conversation_queue`);
    await q.query(`UPDATE invocations SET status = 'failed' WHERE status = 'dropped'`);
    await q.query(`ALTER TABLE invocations DROP CONSTRAINT invocations_status_check`);
    await q.query(`ALTER TABLE invocations ADD CONSTRAINT invocations_status_check CHECK (status IN ('received', 'queued', 'delivered', 'answered', 'failed'))`);
    await q.query(`ALTER TABLE invocations DROP COLUMN order_held_since`);
    await q.query(`ALTER TABLE invocations DROP COLUMN order_free`);
    await q.query(`ALTER TABLE invocations DROP COLUMN mode`);
    await q.query(`ALTER TABLE bots DROP COLUMN ordering`);
  }
}
