/*
 * How long GET /v1/stats takes for a day of minute buckets over a million invocations of one bot: a scratch
 * `bothooks_stats_bench_test_…` database on DATABASE_URL (dropped afterwards), filled by INSERT…SELECT
 * generate_series, then the route timed over HTTP through the real app. Fails (exit 1) past 200 ms median.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/run-ts.js bench/stats.bench.ts [rows]
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { createTestDatabase } from '../test/setup/test-database';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = 7;
const LIMIT_MS = 200;
const DAY = '2026-01-05T00:00:00.000Z';

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('set DATABASE_URL to a Postgres server; a scratch database is made on it');
  const database = await createTestDatabase(server);
  const adminKey = `bh_admin_${randomBytes(32).toString('base64url')}`;
  const { app } = await createApp({ DATABASE_URL: database.url, ENCRYPTION_KEY: randomBytes(32).toString('base64'), ADMIN_API_KEY: adminKey, LOG_LEVEL: 'silent', PORT: '0' });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = new Client({ connectionString: database.url });
  await db.connect();
  try {
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const bot = (await fetch(`${url}/v1/bots`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'busy' }) }).then((r) => r.json())) as { id: string };
    const other = (await fetch(`${url}/v1/bots`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'quiet' }) }).then((r) => r.json())) as { id: string };
    const filled = performance.now();
    // Spread over the day, most answered within a second, some failed, some still queued; a tenth belongs to another bot.
    await db.query(
      `INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, received_at, finished_at, attempts)
       SELECT gen_random_uuid(), gen_random_uuid(), CASE WHEN n % 10 = 0 THEN $2 ELSE $1 END, '/bench', 'POST', 'sync',
              CASE WHEN n % 50 = 0 THEN 'failed' WHEN n % 23 = 0 THEN 'queued' ELSE 'answered' END, '{}',
              at, CASE WHEN n % 23 = 0 THEN NULL ELSE at + (random() * 900 + 20) * interval '1 millisecond' END, 1
         FROM generate_series(1, $3::int) AS n, LATERAL (SELECT $4::timestamptz + (n::float8 / $3) * interval '1 day' AS at) t`,
      [bot.id, other.id, ROWS, DAY],
    );
    await db.query('VACUUM ANALYZE invocations');
    console.log(`filled ${ROWS} invocations in ${Math.round(performance.now() - filled)} ms`);
    const query = `${url}/v1/stats?botId=${bot.id}&from=${DAY}&to=${new Date(Date.parse(DAY) + 86_400_000).toISOString()}&bucket=minute`;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const res = await fetch(query, { headers: auth });
      const body = (await res.json()) as { buckets: unknown[] };
      times.push(performance.now() - started);
      if (res.status !== 200 || body.buckets.length !== 1440) throw new Error(`stats answered ${res.status}`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(RUNS / 2)];
    console.log(`GET /v1/stats, 1440 minute buckets over ${ROWS} rows: median ${median.toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[RUNS - 1].toFixed(0)})`);
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM invocations WHERE bot_id = $1 AND received_at >= $2 AND received_at < $2::timestamptz + interval '1 day'`, [bot.id, DAY]);
    console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    if (median > LIMIT_MS) process.exitCode = 1;
  } finally {
    await db.end();
    await app.close();
    await database.drop();
  }
}

void main();
