import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { uuidv7 } from '../../src/common/ids';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrations } from '../../src/database/migrations';
import { createTestDatabase, migrate, TestDatabase } from '../setup/test-database';

const BEFORE_PARTITIONS = migrations.findIndex((migration) => migration.name === 'Partitions1763700600000');
const DAY_MS = 24 * 60 * 60 * 1000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

describe('the partitioning migration on an installation that has rows', () => {
  let database: TestDatabase;
  let db: Client;
  const now = Date.now();
  const old = { id: uuidv7(now - 3 * DAY_MS), webhookId: uuidv7(now), at: new Date(now - 3 * DAY_MS) };
  const recent = { id: uuidv7(now - 60_000), webhookId: uuidv7(now), at: new Date(now - 60_000) };
  const delivery = { id: uuidv7(now - 2 * DAY_MS), at: new Date(now - 2 * DAY_MS) };

  beforeAll(async () => {
    database = await createTestDatabase(process.env.DATABASE_URL, migrations.slice(0, BEFORE_PARTITIONS));
    db = new Client({ connectionString: database.url });
    await db.connect();
    const insert = `INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, holds_single_use, idempotency_key, received_at)
                    VALUES ($1, $2, '65a1f0c2e4b0a1b2c3d4e5f6', '/pay', 'POST', 'pull', 'queued', '{}', $3, $4, $5)`;
    await db.query(insert, [old.id, old.webhookId, true, 'order-old', old.at]);
    await db.query(insert, [recent.id, recent.webhookId, false, 'order-new', recent.at]);
    await db.query(
      `INSERT INTO connection_deliveries (id, connection_id, bot_id, status, duration_ms, request_url, request_headers, request_body, created_at)
       VALUES ($1, '65a1f0c2e4b0a1b2c3d4e5f7', '65a1f0c2e4b0a1b2c3d4e5f6', 'succeeded', 1, 'http://127.0.0.1:9/', '{}', '{}', $2)`,
      [delivery.id, delivery.at],
    );
    // Up to this migration only: what later ones do to the indexes is theirs to test.
    await migrate(database.url, migrations.slice(0, BEFORE_PARTITIONS + 1));
  }, 60_000);
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  const partitionOf = async (table: string, id: string) => (await db.query(`SELECT tableoid::regclass::text AS part FROM ${table} WHERE id = $1`, [id])).rows[0]?.part;

  it('moves every row into the day partition of its time', async () => {
    expect(await partitionOf('invocations', old.id)).toBe(`invocations_p${day(old.at.getTime())}`);
    expect(await partitionOf('invocations', recent.id)).toBe(`invocations_p${day(recent.at.getTime())}`);
    expect(await partitionOf('connection_deliveries', delivery.id)).toBe(`connection_deliveries_p${day(delivery.at.getTime())}`);
    const { rows } = await db.query(`SELECT relkind FROM pg_class WHERE relname IN ('invocations', 'connection_deliveries')`);
    expect(rows).toEqual([{ relkind: 'p' }, { relkind: 'p' }]);
  });

  it('keeps the single use and the idempotency keys still in force in their own tables', async () => {
    expect((await db.query(`SELECT webhook_id, invocation_id, expires_at FROM single_use_claims`)).rows).toEqual([{ webhook_id: old.webhookId, invocation_id: old.id, expires_at: null }]);
    // The old call's key is past its 24 h: it replays nothing any more.
    expect((await db.query(`SELECT webhook_id, key, invocation_id FROM idempotency_keys`)).rows).toEqual([{ webhook_id: recent.webhookId, key: 'order-new', invocation_id: recent.id }]);
  });

  it('has partitions for today and the week ahead, and the indexes under their names of before', async () => {
    for (let n = 0; n <= 7; n++) expect((await db.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`invocations_p${day(now + n * DAY_MS)}`])).rows[0].ok).toBe(true);
    const { rows } = await db.query(`SELECT indexname FROM pg_indexes WHERE tablename IN ('invocations', 'connection_deliveries') ORDER BY indexname`);
    expect(rows.map((row) => row.indexname)).toEqual([
      'connection_deliveries_bot_id',
      'connection_deliveries_page',
      'connection_deliveries_pkey',
      'invocations_bot_page',
      'invocations_pkey',
      'invocations_pull_queue',
      'invocations_push_due',
      'invocations_update_id',
    ]);
  });

  it('undoes itself into the shape of before, rows included', async () => {
    const dataSource = new DataSource(dataSourceOptions(database.url, 1));
    await dataSource.initialize();
    try {
      await dataSource.undoLastMigration({ transaction: 'each' });
      const { rows } = await db.query(`SELECT id, holds_single_use, idempotency_key FROM invocations ORDER BY id`);
      expect(rows).toEqual([
        { id: old.id, holds_single_use: true, idempotency_key: null },
        { id: recent.id, holds_single_use: false, idempotency_key: 'order-new' },
      ]);
      expect((await db.query(`SELECT relkind FROM pg_class WHERE relname = 'invocations'`)).rows).toEqual([{ relkind: 'r' }]);
      expect((await db.query(`SELECT id FROM connection_deliveries`)).rows).toEqual([{ id: delivery.id }]);
      // And up again, as a later start would.
      await dataSource.runMigrations({ transaction: 'each' });
      expect(await partitionOf('invocations', old.id)).toBe(`invocations_p${day(old.at.getTime())}`);
    } finally {
      await dataSource.destroy();
    }
  });
});
