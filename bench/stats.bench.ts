/*
 * How long GET /v1/stats takes for a day of minute buckets over a million invocations of one bot: a scratch
 * `bothooks_stats_bench_test_…` database on DATABASE_URL (dropped afterwards), filled by INSERT…SELECT
 * generate_series with the day up to now, then the route timed over HTTP through the real app, for a whole
 * past day and for the last 24 hours (whose last hours are always computed from the rows). The first read
 * of each is timed on its own: it computes and keeps the hours it may keep. Then, with nothing kept, the
 * job that keeps hours ahead is run and the first read of each timed again, as a user sees it. Fails (exit 1)
 * past 200 ms for the median of the reads after the first, or for a first read after the job.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/run-ts.js bench/stats.bench.ts [rows]
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { StatsKeeper } from '../src/stats/stats-keeper';
import { ONE_BOT } from '../src/stats/stats-queries';
import { createTestDatabase } from '../test/setup/test-database';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = 7;
const LIMIT_MS = 200;
const DAY_MS = 86_400_000;

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
    // Two days of calls up to the current minute, so that yesterday is a whole past day.
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const start = new Date(end - 2 * DAY_MS).toISOString();
    const filled = performance.now();
    // Spread over the two days, most answered within a second, some failed, some still queued; a tenth belongs to another bot.
    await db.query(
      `INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, received_at, finished_at, attempts)
       SELECT gen_random_uuid(), gen_random_uuid(), CASE WHEN n % 10 = 0 THEN $2 ELSE $1 END, '/bench', 'POST', 'sync',
              CASE WHEN n % 50 = 0 THEN 'failed' WHEN n % 23 = 0 THEN 'queued' ELSE 'answered' END, '{}',
              at, CASE WHEN n % 23 = 0 THEN NULL ELSE at + (random() * 900 + 20) * interval '1 millisecond' END, 1
         FROM generate_series(1, $3::int) AS n, LATERAL (SELECT $4::timestamptz + (n::float8 / $3) * interval '2 days' AS at) t`,
      [bot.id, other.id, 2 * ROWS, start],
    );
    await db.query('VACUUM ANALYZE invocations');
    console.log(`filled ${2 * ROWS} invocations in ${Math.round(performance.now() - filled)} ms`);
    const yesterday = Math.floor(end / DAY_MS) * DAY_MS - DAY_MS;
    const cases = [
      ['a whole past day', new Date(yesterday), new Date(yesterday + DAY_MS)],
      ['the last 24 hours', new Date(end - DAY_MS), new Date(end)],
    ] as const;
    // Without a bot, every bot's (the admin's view).
    const read = async (from: Date, to: Date, botId: string | null = bot.id): Promise<number> => {
      const started = performance.now();
      const which = botId === null ? '' : `botId=${botId}&`;
      const res = await fetch(`${url}/v1/stats?${which}from=${from.toISOString()}&to=${to.toISOString()}&bucket=minute`, { headers: auth });
      const body = (await res.json()) as { buckets: unknown[] };
      if (res.status !== 200 || body.buckets.length !== 1440) throw new Error(`stats answered ${res.status}`);
      return performance.now() - started;
    };
    // The job's run at start found nothing; one due meanwhile would have kept what the first reads are to.
    if ((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM stats_hours')).rows[0].n > 0) throw new Error('hours were kept before the first read');
    let worst = 0;
    for (const [name, from, to] of cases) {
      const times: number[] = [];
      for (let i = 0; i <= RUNS; i++) times.push(await read(from, to));
      const first = times.shift()!;
      times.sort((a, b) => a - b);
      const median = times[Math.floor(RUNS / 2)];
      worst = Math.max(worst, median);
      console.log(`GET /v1/stats, 1440 minute buckets of ${name} over ${ROWS} rows: first read ${first.toFixed(0)} ms, then median ${median.toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[RUNS - 1].toFixed(0)})`);
    }
    const everyBot = async () => (await read(cases[0][1], cases[0][2], null)).toFixed(0);
    console.log(`GET /v1/stats of every bot, ${cases[0][0]}: computed from the rows ${await everyBot()} ms`);
    // Again from nothing kept, once the job has kept the hours ahead: the first read is then the one a user sees.
    await db.query('TRUNCATE stats_minutes, stats_hours, stats_changes');
    const keeping = performance.now();
    await app.get(StatsKeeper).run({ wait: true });
    const hours = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM stats_hours')).rows[0].n;
    console.log(`the job kept ${hours} bot-hours in ${Math.round(performance.now() - keeping)} ms`);
    for (const [name, from, to] of cases) {
      const first = await read(from, to);
      worst = Math.max(worst, first);
      console.log(`GET /v1/stats, 1440 minute buckets of ${name}: first read, hours kept ahead ${first.toFixed(0)} ms`);
    }
    console.log(`GET /v1/stats of every bot, ${cases[0][0]}: hours kept ahead ${await everyBot()} ms, then ${await everyBot()} ms`);
    // The statement alone, as the route runs it, for the figure without HTTP and JSON.
    const [, from, to] = cases[0];
    const params = { from, to, bucket: '1 minute', bot: bot.id, sealed: new Date(Date.now() - 2 * 3_600_000) };
    await db.query('SET jit = off');
    const plan = await db.query(`EXPLAIN (ANALYZE) ${ONE_BOT.text}`, ONE_BOT.values(params));
    console.log(`Postgres alone, ${cases[0][0]}: ${plan.rows.map((r) => r['QUERY PLAN'] as string).find((line) => line.startsWith('Execution Time'))}`);
    if (worst > LIMIT_MS) process.exitCode = 1;
  } finally {
    await db.end();
    await app.close();
    await database.drop();
  }
}

void main();
