import { MigrationInterface, QueryRunner } from 'typeorm';

export class InvocationBody1763700300000 implements MigrationInterface {
  name = 'InvocationBody1763700300000';

  async up(q: QueryRunner): Promise<void> {
    // A call's body is stored once, as the bytes it came as, instead of twice and escaped inside the
    // message; `payload` keeps the rest of the message with holes for it and for the credentials, which
    // `sealed` holds (SecretBox, one sealed JSON array per call). Rows written before keep their whole
    // message in `payload` with both columns NULL, and read back as they are.
    await q.query(`ALTER TABLE invocations ADD COLUMN body bytea, ADD COLUMN sealed text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invocations DROP COLUMN body, DROP COLUMN sealed`);
  }
}
