import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../setup/test-database';
import { bearer, startApp, TestApp } from '../utils/test-app';

describe('internal errors', () => {
  let database: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    // A database of this test's own, so that breaking it touches no other test.
    database = await createTestDatabase(process.env.DATABASE_URL);
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      // Postgres refuses every new bot with an error that names the table, the constraint and the row.
      await pool.query(`ALTER TABLE bots ADD CONSTRAINT refuse_every_bot CHECK (false) NOT VALID`);
    } finally {
      await pool.end();
    }
    t = await startApp({ DATABASE_URL: database.url });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await database.drop();
  });

  it('answers a database refusal with a bare 500: no stack, no SQL, no database message', async () => {
    const res = await t.http.post('/v1/bots').set(...bearer(t.adminKey)).send({ name: 'refused' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ status: { code: 500, type: 'internal_error', message: 'internal error' }, timestamp: expect.any(String) });
    for (const leak of ['INSERT', 'bots', 'refuse_every_bot', 'constraint', 'QueryFailedError', '    at ']) expect(res.text).not.toContain(leak);
  });
});
