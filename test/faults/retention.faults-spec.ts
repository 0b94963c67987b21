import { Client, Pool } from 'pg';
import { uuidv7 } from '../../src/common/ids';
import { Admin, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';
import { run } from './utils/run';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Retention beside live traffic (contract §6): dropping a day partition needs the parent table's exclusive
 * lock, which every call being written stands in the way of (and every call waits behind). So a day is
 * emptied first, under a lock on that day alone, and a day that cannot be dropped at once is left empty
 * for the next run. Locks only mean something with other sessions, so this runs on the real server.
 */
describe('retention beside calls being written', () => {
  let app: AppProcess;
  let admin: Admin;
  let db: Pool;

  beforeAll(async () => {
    app = await AppProcess.start('retention');
    admin = new Admin(app);
    db = new Pool({ connectionString: run.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await db.end();
    await admin.close();
    await app.stop();
  });

  it('empties an expired day while a call holds the table, and drops it at the next run', async () => {
    const bot = await admin.createBot();
    const issued = await admin.http.post('/v1/webhooks', bot.apiKey, { command: '/order', mode: 'async' });
    expectStatus(issued, 201, 'issuing a URL');
    const today = await admin.http.post(issued.body.url, undefined, '{"n":1}', { headers: { 'content-type': 'application/json' } });
    expectStatus(today, 202, 'a call');
    // A call of 40 days ago: a copy of today's with a time and an id of its own, in that day's partition.
    const at = Math.floor(Date.now() / DAY_MS) * DAY_MS - 40 * DAY_MS + 3_600_000;
    const day = new Date(at).toISOString().slice(0, 10);
    const part = `invocations_p${day.replaceAll('-', '')}`;
    const oldId = uuidv7(at);
    await db.query(`SELECT create_day_partition('invocations', $1::date)`, [day]);
    await db.query(
      `INSERT INTO invocations SELECT (jsonb_populate_record(NULL::invocations, to_jsonb(i) || jsonb_build_object('id', $2::uuid, 'received_at', $3::timestamptz))).*
         FROM invocations i WHERE id = $1`,
      [today.body.invocationId, oldId, new Date(at)],
    );
    expectStatus(await admin.http.get(`/v1/invocations/${oldId}`, bot.apiKey), 200, 'the old call before retention');
    const rowsOf = async (table: string) => Number((await db.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
    const exists = async (table: string) => (await db.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [table])).rows[0].exists as boolean;
    const dropExpired = async () => (await db.query(`CALL drop_expired_days('invocations', (now() AT TIME ZONE 'UTC')::date - 30)`)).rows[0].dropped as number;

    // What a call holds while its statement runs: the parent's row-exclusive lock, and its own day's.
    const writer = new Client({ connectionString: run.databaseUrl });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`LOCK TABLE ONLY invocations IN ROW EXCLUSIVE MODE`);
      expect(await dropExpired()).toBe(0);
      expect(await exists(part)).toBe(true);
      expect(await rowsOf(part)).toBe(0);
      expectStatus(await admin.http.get(`/v1/invocations/${oldId}`, bot.apiKey), 404, 'the old call once its day is emptied');
      await writer.query('COMMIT');
    } finally {
      await writer.end();
    }

    expect(await dropExpired()).toBe(1);
    expect(await exists(part)).toBe(false);
    expectStatus(await admin.http.get(`/v1/invocations/${today.body.invocationId}`, bot.apiKey), 200, "today's call");
  });
});
