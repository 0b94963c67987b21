import { Clock } from '../../src/common/clock';
import { Retention } from '../../src/database/retention';
import { eventually } from '../utils/eventually';
import { bearer, startApp, startAppAlone, TestApp, TestBot } from '../utils/test-app';

const DAY_MS = 24 * 60 * 60 * 1000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

describe('retention', () => {
  let t: TestApp;
  let bot: TestBot;
  let clock: Clock;
  let retention: Retention;
  const realNow = Date.now();
  let now = realNow;

  beforeAll(async () => {
    t = await startApp({ INVOCATION_RETENTION_DAYS: '3', DELIVERY_RETENTION_DAYS: '3', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    // No runtime: every call waits in the bot's update queue, answered 202 at once.
    bot = await t.createBot();
    clock = t.app.get(Clock);
    clock.now = () => now;
    retention = t.app.get(Retention);
  });
  afterAll(async () => {
    clock.now = () => Date.now();
    await t.close();
  });
  afterEach(() => {
    now = realNow;
  });

  async function issue(fields: Record<string, unknown> = {}): Promise<{ path: string; webhookId: string }> {
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/order', ...fields });
    expect(res.status).toBe(201);
    return { path: (res.body.url as string).slice((res.body.url as string).indexOf('/w/')), webhookId: res.body.webhookId };
  }

  const call = (path: string, key?: string) => {
    const req = t.http.post(path);
    if (key !== undefined) req.set('idempotency-key', key);
    return req.send('{"n":1}');
  };

  const invocation = (id: string) => t.http.get(`/v1/invocations/${id}`).set(...bearer(bot.apiKey));
  const tableExists = async (name: string) => (await t.db.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name])).rows[0].exists as boolean;

  it('drops the days older than the retention, keeps the recent ones, and has partitions ready for the days ahead', async () => {
    const { path } = await issue();
    const connection = await t.http.post('/v2/integrations/webhook').set(...bearer(t.adminKey)).send({ storyId: bot.id, name: 'Orders', url: 'http://127.0.0.1:9/' });
    expect(connection.status).toBe(201);
    // A run five days ago made that day's partition, and those of the week after, ready.
    now = realNow - 5 * DAY_MS;
    await retention.run({ wait: true });
    const ids: Record<string, string> = {};
    for (const [name, ageDays] of [['old', 5], ['recent', 2], ['today', 0]] as const) {
      now = realNow - ageDays * DAY_MS;
      const res = await call(path);
      expect(res.status).toBe(202);
      ids[name] = res.body.invocationId;
      await t.db.query(
        `INSERT INTO connection_deliveries (id, connection_id, bot_id, status, duration_ms, request_url, request_headers, request_body, created_at)
         VALUES (gen_random_uuid(), $1, $2, 'succeeded', 1, 'http://127.0.0.1:9/', '{}', $3, $4)`,
        // The app's clock, as for the call: the database's would put the two in different minutes of the stats.
        [connection.body.id, bot.id, JSON.stringify({ name }), new Date(now)],
      );
    }
    now = realNow;
    expect(await tableExists(`invocations_p${day(realNow - 5 * DAY_MS)}`)).toBe(true);
    // Stats read of the old day keep its hours, which the run below must forget with the day.
    const oldDay = Math.floor((realNow - 5 * DAY_MS) / DAY_MS) * DAY_MS;
    const statsOfOldDay = async () => {
      const res = await t.http.get(`/v1/stats?from=${new Date(oldDay).toISOString()}&to=${new Date(oldDay + DAY_MS).toISOString()}&bucket=hour`).set(...bearer(bot.apiKey));
      expect(res.status).toBe(200);
      return res.body.buckets.reduce((n: number, b: { invocations: { accepted: number } }) => n + b.invocations.accepted, 0);
    };
    const keptOfOldDay = async () => Number((await t.db.query(`SELECT count(*) FROM stats_minutes WHERE bot_id = $1 AND minute < $2`, [bot.id, new Date(oldDay + DAY_MS)])).rows[0].count);
    expect(await statsOfOldDay()).toBe(1);
    expect(await keptOfOldDay()).toBe(1);
    for (const id of Object.values(ids)) expect((await invocation(id)).status).toBe(200);

    await retention.run({ wait: true });

    expect((await invocation(ids.old)).status).toBe(404);
    expect((await invocation(ids.recent)).status).toBe(200);
    expect((await invocation(ids.today)).status).toBe(200);
    expect((await t.db.query('SELECT id FROM invocations WHERE id = $1', [ids.old])).rows).toEqual([]);
    expect(await tableExists(`invocations_p${day(realNow - 5 * DAY_MS)}`)).toBe(false);
    expect(await statsOfOldDay()).toBe(0);
    expect(await keptOfOldDay()).toBe(0);
    expect(await tableExists(`connection_deliveries_p${day(realNow - 5 * DAY_MS)}`)).toBe(false);
    const deliveries = await t.db.query(`SELECT request_body FROM connection_deliveries WHERE connection_id = $1 ORDER BY created_at`, [connection.body.id]);
    expect(deliveries.rows.map((row) => JSON.parse(row.request_body).name)).toEqual(['recent', 'today']);
    for (let n = 0; n <= 7; n++) {
      expect(await tableExists(`invocations_p${day(realNow + n * DAY_MS)}`)).toBe(true);
      expect(await tableExists(`connection_deliveries_p${day(realNow + n * DAY_MS)}`)).toBe(true);
    }
  });

  it('drops a day that a run stopped after detaching it, and nothing else', async () => {
    const { path } = await issue();
    now = realNow - 4 * DAY_MS;
    await retention.run({ wait: true });
    const old = await call(path);
    expect(old.status).toBe(202);
    now = realNow;
    const recent = await call(path);
    expect(recent.status).toBe(202);
    // What a run leaves when it stops between a day's detach and its drop: a table of its own, no partition.
    const part = `invocations_p${day(realNow - 4 * DAY_MS)}`;
    await t.db.query(`ALTER TABLE invocations DETACH PARTITION ${part}`);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM ${part}`)).rows[0].n).toBe(1);

    await retention.run({ wait: true });

    expect(await tableExists(part)).toBe(false);
    expect((await invocation(old.body.invocationId)).status).toBe(404);
    expect((await invocation(recent.body.invocationId)).status).toBe(200);
  });

  it('gives a call whose day had no partition one of its own at the next run', async () => {
    const { path } = await issue();
    now = realNow - 2 * DAY_MS + 60_000;
    await t.db.query(`CALL drop_expired_days('invocations', '${new Date(realNow - DAY_MS).toISOString().slice(0, 10)}'::date)`);
    expect(await tableExists(`invocations_p${day(now)}`)).toBe(false);
    const res = await call(path);
    expect(res.status).toBe(202);
    const id = res.body.invocationId;
    const where = async () => (await t.db.query(`SELECT tableoid::regclass::text AS part FROM invocations WHERE id = $1`, [id])).rows[0]?.part;
    expect(await where()).toBe('invocations_default');
    now = realNow;

    await retention.run({ wait: true });

    expect(await where()).toBe(`invocations_p${day(realNow - 2 * DAY_MS + 60_000)}`);
    expect((await invocation(id)).status).toBe(200);
    // The new partition's planner estimates are told what the parent's are (the lists' plans rest on them).
    const options = async (table: string) =>
      (
        await t.db.query(`SELECT array_agg(o ORDER BY o) AS options FROM pg_attribute, unnest(attoptions) o WHERE attrelid = $1::regclass AND attname = 'command' AND o LIKE 'n\\_distinct%'`, [
          table,
        ])
      ).rows[0].options;
    expect(await options('invocations')).toEqual([expect.stringMatching(/^n_distinct=\d+$/)]);
    expect(await options(`invocations_p${day(realNow - 2 * DAY_MS + 60_000)}`)).toEqual(await options('invocations'));
  });

  it("keeps yesterday's partition ready from the first day, for a call stamped by a clock a little behind midnight", async () => {
    // A database of its own: on the shared one, an earlier run may have made yesterday's partition already.
    const alone = await startAppAlone({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    try {
      const aloneClock = alone.app.get(Clock);
      await alone.app.get(Retention).run({ wait: true });
      const yesterday = day(realNow - DAY_MS);
      const exists = async (name: string) => (await alone.db.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name])).rows[0].exists as boolean;
      expect(await exists(`invocations_p${yesterday}`)).toBe(true);
      expect(await exists(`connection_deliveries_p${yesterday}`)).toBe(true);
      const owner = await alone.createBot();
      const issued = await alone.http.post('/v1/webhooks').set(...bearer(owner.apiKey)).send({ command: '/late' });
      aloneClock.now = () => Math.floor(realNow / DAY_MS) * DAY_MS - 1000;
      const res = await alone.http.post(issued.body.url.slice(issued.body.url.indexOf('/w/'))).send('{}');
      aloneClock.now = () => Date.now();
      expect(res.status).toBe(202);
      const [row] = (await alone.db.query(`SELECT tableoid::regclass::text AS part FROM invocations WHERE id = $1`, [res.body.invocationId])).rows;
      expect(row).toEqual({ part: `invocations_p${yesterday}` });
    } finally {
      await alone.close();
    }
  });

  it("rebuilds a closed day's indexes packed, once, and every row reads as before", async () => {
    const alone = await startAppAlone();
    try {
      const owner = await alone.createBot();
      const job = alone.app.get(Retention);
      await job.run({ wait: true });
      const dayStart = Math.floor(realNow / DAY_MS) * DAY_MS - 3 * DAY_MS;
      const partition = `invocations_p${day(dayStart)}`;
      await alone.db.query(`SELECT create_day_partition('invocations', $1::date)`, [new Date(dayStart).toISOString().slice(0, 10)]);
      // A day of calls in arrival order, a quarter of them the owner's, the rest other bots', of every status.
      await alone.db.query(
        `WITH g AS (SELECT g, $2::bigint + g * 1000 AS ms, lpad(to_hex($2::bigint + g * 1000), 12, '0') || lpad(to_hex(g), 18, '0') AS h FROM generate_series(1, 20000) g)
         INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, received_at)
         SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 13, 3) || '-8' || substr(h, 16, 3) || '-' || substr(h, 19, 12))::uuid,
                gen_random_uuid(), CASE WHEN g % 4 = 0 THEN $1 ELSE 'other' || g % 7 END, '/c' || g % 3, 'POST', 'sync',
                (ARRAY['received', 'queued', 'delivered', 'answered', 'failed', 'dropped'])[1 + g % 6], '{}', to_timestamp(ms / 1000.0)
           FROM g`,
        [owner.id, dayStart],
      );
      // What a rebuild cut short leaves: an index that never became valid.
      await alone.db.query(`CREATE UNIQUE INDEX CONCURRENTLY ${partition}_unfinished ON ${partition} (bot_id)`).catch(() => undefined);
      const indexes = async () =>
        (await alone.db.query(`SELECT c.relname AS name, pg_relation_size(c.oid)::int AS bytes, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY c.relname`, [partition])).rows;
      const before = await indexes();
      expect(before.filter((index) => !index.valid).map((index) => index.name)).toEqual([`${partition}_unfinished`]);
      const page = async () => (await alone.http.get('/v1/invocations?limit=100').set(...bearer(owner.apiKey))).body.items.map((item: { id: string }) => item.id);
      const listed = await page();
      expect(listed).toHaveLength(100);

      await job.run({ wait: true });

      const after = await indexes();
      expect(after.map((index) => index.name)).toEqual(before.filter((index) => index.valid).map((index) => index.name));
      const total = (list: Array<{ bytes: number }>) => list.reduce((sum, index) => sum + index.bytes, 0);
      expect(total(after)).toBeLessThan(0.8 * total(before.filter((index) => index.valid)));
      expect(await page()).toEqual(listed);
      const compacted = async () => (await alone.db.query(`SELECT name, compacted_at FROM compacted_partitions ORDER BY name`)).rows;
      const once = await compacted();
      expect(once.map((row) => row.name)).toEqual([partition]);

      await job.run({ wait: true });
      expect(await compacted()).toEqual(once);
      expect(await indexes()).toEqual(after);
    } finally {
      await alone.close();
    }
  });

  it("waits out another instance's run that rebuilds an index concurrently, then runs", async () => {
    // A database of its own: the runs of the shared one's apps would take the lock as well.
    const alone = await startAppAlone();
    const other = await alone.db.connect();
    try {
      // Another instance's run: it holds the lock and, like a compaction, builds an index concurrently.
      const lock = `hashtext('bothooks:retention')`;
      const [held] = (await other.query(`SELECT pg_advisory_lock(${lock}), pg_backend_pid() AS pid, clock_timestamp() AS at`)).rows;
      const run = alone.app.get(Retention).run({ wait: true });
      // The embedded database serves every connection from one session, whose locks never wait for each other.
      if (process.env.DATABASE_URL) await eventually(async () => {
        const asked = await alone.db.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1) AND query_start > $2 AND query LIKE '%advisory_lock(${lock.replaceAll("'", "''")})%'`,
          [held.pid, held.at],
        );
        return asked.rowCount ? true : undefined;
      }, 20_000, 'the run to ask for the lock');
      await other.query(`CREATE INDEX CONCURRENTLY bots_name_rebuilt ON bots (name)`);
      await other.query(`SELECT pg_advisory_unlock(${lock})`);
      expect(await run).toBe(true);
    } finally {
      other.release();
      await alone.close();
    }
  });

  it('removes idempotency records past 24 h, and a repeat after them is a fresh call', async () => {
    const { path, webhookId } = await issue();
    const first = await call(path, 'order-1');
    expect(first.status).toBe(202);
    const replay = await call(path, 'order-1');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.invocationId).toBe(first.body.invocationId);
    const keys = async () => (await t.db.query(`SELECT key FROM idempotency_keys WHERE webhook_id = $1 ORDER BY key`, [webhookId])).rows.map((row) => row.key);

    now = realNow + 23 * 60 * 60 * 1000;
    await retention.run({ wait: true });
    expect(await keys()).toEqual(['order-1']);
    expect((await call(path, 'order-1')).headers['idempotent-replayed']).toBe('true');

    now = realNow + 25 * 60 * 60 * 1000;
    await retention.run({ wait: true });
    expect(await keys()).toEqual([]);
    const fresh = await call(path, 'order-1');
    expect(fresh.status).toBe(202);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.body.invocationId).not.toBe(first.body.invocationId);
  });

  it('a repeat past 24 h is a fresh call even before the job has removed the record', async () => {
    const { path } = await issue();
    const first = await call(path, 'order-2');
    now = realNow + 25 * 60 * 60 * 1000;
    const fresh = await call(path, 'order-2');
    expect(fresh.status).toBe(202);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.body.invocationId).not.toBe(first.body.invocationId);
    const replay = await call(path, 'order-2');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.invocationId).toBe(fresh.body.invocationId);
  });

  it('removes the single-use claims of expired URLs and keeps those of URLs that never expire', async () => {
    const expiring = await issue({ singleUse: true, expiresIn: 60 });
    const forever = await issue({ singleUse: true });
    for (const url of [expiring, forever]) {
      expect((await call(url.path)).status).toBe(202);
      const again = await call(url.path);
      expect(again.status).toBe(410);
      expect(again.body.status.reason).toBe('url_used');
    }
    const claimed = async () =>
      (await t.db.query(`SELECT webhook_id FROM single_use_claims WHERE webhook_id = ANY($1::uuid[])`, [[expiring.webhookId, forever.webhookId]])).rows.map((row) => row.webhook_id);

    // Expired, but not for longer than clocks may disagree.
    now = realNow + 3 * 60_000;
    await retention.run({ wait: true });
    expect((await claimed()).sort()).toEqual([expiring.webhookId, forever.webhookId].sort());

    now = realNow + 10 * 60_000;
    await retention.run({ wait: true });
    expect(await claimed()).toEqual([forever.webhookId]);
    expect((await call(forever.path)).body.status.reason).toBe('url_used');
    expect((await call(expiring.path)).body.status.reason).toBe('url_expired');
  });

  it('removes the tombstones of revoked URLs that can no longer be called, and keeps one whose URL still could', async () => {
    const expiring = await issue({ expiresIn: 60 });
    const forever = await issue();
    for (const url of [expiring, forever]) {
      expect((await t.http.post(`/v1/webhooks/${url.webhookId}/revoke`).set(...bearer(bot.apiKey))).status).toBe(200);
      expect((await call(url.path)).body.status.reason).toBe('url_revoked');
    }
    const tombstones = async () =>
      (await t.db.query(`SELECT webhook_id FROM revoked_webhooks WHERE webhook_id = ANY($1::uuid[])`, [[expiring.webhookId, forever.webhookId]])).rows.map((row) => row.webhook_id);

    now = realNow + 10 * 60_000;
    await retention.run({ wait: true });
    expect(await tombstones()).toEqual([forever.webhookId]);
    expect((await call(forever.path)).body.status.reason).toBe('url_revoked');
  });

  it('removes a tombstone once every URL key that can have signed its URL is rotated out', async () => {
    const other = await t.createBot();
    const res = await t.http.post('/v1/webhooks').set(...bearer(other.apiKey)).send({ command: '/never-called' });
    expect((await t.http.post(`/v1/webhooks/${res.body.webhookId}/revoke`).set(...bearer(other.apiKey))).status).toBe(200);
    const tombstone = async () => (await t.db.query(`SELECT 1 FROM revoked_webhooks WHERE webhook_id = $1`, [res.body.webhookId])).rows.length;

    await retention.run({ wait: true });
    expect(await tombstone()).toBe(1);
    expect((await t.http.post(`/v1/bots/${other.id}/rotate-url-key`).set(...bearer(t.adminKey)).send({ graceSeconds: 60 })).status).toBe(200);
    await retention.run({ wait: true });
    expect(await tombstone()).toBe(1);

    now = realNow + 10 * 60_000;
    await retention.run({ wait: true });
    expect(await tombstone()).toBe(0);
  });
});
