/*
 * What a call, a list page and a pull take cost as the tables grow: bothooks on a fresh database, measured
 * empty and again after filling it to each size, then the ratio of each figure at the largest size to empty.
 *
 *   npm run bench:growth        (builds first; the Postgres server is DATABASE_URL's, default the local one)
 *
 * The first rows are real calls (the runs at the empty size: receive-async, receive-sync, dispatch); the
 * fill copies them in bulk (INSERT ... SELECT) with fresh UUIDv7 ids and receive times, spread over ten
 * bots with a mix of statuses and a command that almost never comes, and copies real deliveries the same
 * way. Settings: GROWTH_SIZES (invocations at each step, 0,1000000,5000000), GROWTH_DELIVERIES (at most
 * this many deliveries, 1000000), GROWTH_BACKLOGS (pull backlogs drained, 12000,500000), GROWTH_DRAIN
 * (updates drained from each backlog, 12000), GROWTH_EXPIRED (rows copied into days past the retention at
 * the largest size, for the retention run, 1000000), BENCH_CONNECTIONS (32), BENCH_DURATION (seconds per call
 * run, 5), GROWTH_LIST_SECONDS (seconds per list run, 3), GROWTH_LIST_CONNECTIONS (4), BENCH_LOG.
 *
 * At the largest size, the retention run: GROWTH_EXPIRED more rows in the five days before the retention
 * (30 days, the default), then receive-async on its own, while those days are dropped, as the hourly job
 * drops them (drop_expired_days), and on its own again: the p99 of the calls in flight during the drop
 * against the p99 of the runs alone over stretches as long; and the bytes per row of one of those days as
 * filled and once its indexes are rebuilt, as the job compacts a day once it is over.
 */
import { cpus, totalmem } from 'node:os';
import { Pool } from 'pg';
import { drive, type Measurement, percentile, type RequestSpec, summarize, type TimedResponse } from './http/load';
import { launchBothooks, startScript, stop, waitForHealth } from './http/processes';
import { createBenchDatabase, positiveInt } from './http/settings';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = intList('GROWTH_SIZES', [0, 1_000_000, 5_000_000]);
const MAX_DELIVERIES = positiveInt('GROWTH_DELIVERIES', 1_000_000);
const BACKLOGS = intList('GROWTH_BACKLOGS', [12_000, 500_000]);
const DRAIN = positiveInt('GROWTH_DRAIN', 12_000);
const EXPIRED = positiveInt('GROWTH_EXPIRED', 1_000_000);
const RETENTION_DAYS = 30;
const EXPIRED_DAYS = 5;
const DAY_MS = 86_400_000;
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 32);
const CALL_SECONDS = positiveInt('BENCH_DURATION', 5);
const LIST_SECONDS = positiveInt('GROWTH_LIST_SECONDS', 3);
const LIST_CONNECTIONS = positiveInt('GROWTH_LIST_CONNECTIONS', 4);
const LOG_PATH = process.env.BENCH_LOG ?? '/dev/null';
const FILL_BATCH = 250_000;
const FILLER_BOTS = 10;
const RARE = '/rare';

function intList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`${name} must be a comma-separated list of whole numbers`);
  return values;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const CALL_BODY = JSON.stringify({ event: 'payment.succeeded', orderId: 'A-1001', amount: 4900, currency: 'EUR' });
const DISPATCH_BODY = JSON.stringify({ chatId: 'chat-1001', userId: 'user-42', node: { id: 'n1', name: 'Ask backend' }, attributes: { plan: 'pro' } });

async function call(method: string, url: string, key: string, body?: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: { ...JSON_HEADERS, authorization: `Bearer ${key}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

interface Bot {
  id: string;
  apiKey: string;
}

interface Setup {
  baseUrl: string;
  adminKey: string;
  asyncUrl: string;
  syncUrl: string;
  dispatchUrl: string;
  connectionId: string;
  otherConnectionId: string;
  fillers: Bot[];
}

/** The SQL of a UUIDv7 whose time is `ms` and whose other bits are `n`: ids that sort by time, as the app's do. */
const uuidV7 = (ms: string, n: string) => {
  const h = `(lpad(to_hex(${ms}), 12, '0') || lpad(to_hex(${n}), 18, '0'))`;
  return `(substr(${h}, 1, 8) || '-' || substr(${h}, 9, 4) || '-7' || substr(${h}, 13, 3) || '-8' || substr(${h}, 16, 3) || '-' || substr(${h}, 19, 12))::uuid`;
};

/** Receive times packed 50 to the millisecond up to now. */
const PACKED_UP_TO_NOW = 'clock.now_ms - ($2::bigint - g) / 50';

/**
 * Copies of the real rows, numbered $1..$2, with receive times given by `ms` (of the row's number g and the
 * clock's now_ms): fresh ids in arrival order, the bots, statuses and commands given by the row's number.
 */
function copyInvocations(bots: string, status: string, route: string, command: string, ms = PACKED_UP_TO_NOW): string {
  return `
    WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms),
    numbered AS (
      SELECT g, ${ms} AS ms FROM clock, generate_series($1::bigint, $2::bigint) g
    )
    INSERT INTO invocations (id, webhook_id, bot_id, command, user_id, chat_id, method, route, status, payload, body, sealed,
                             http_status, answer, error, attempts, received_at, finished_at)
    SELECT n.id, t.webhook_id, ${bots}, ${command}, t.user_id, t.chat_id, t.method, ${route}, ${status},
           replace(t.payload, t.id::text, n.id::text), t.body, t.sealed, t.http_status, t.answer, t.error, t.attempts,
           to_timestamp(n.ms / 1000.0), CASE WHEN ${status} IN ('answered', 'delivered', 'failed') THEN to_timestamp(n.ms / 1000.0) END
      FROM (SELECT g, ms, ${uuidV7('ms', 'g')} AS id FROM numbered) n
      JOIN growth_template_invocations t ON t.n = 1 + n.g % (SELECT count(*) FROM growth_template_invocations)`;
}

class Growth {
  private copied = 0;

  constructor(
    private readonly db: Pool,
    private readonly setup: Setup,
  ) {}

  /** Templates from the real rows the empty-size runs wrote. */
  async takeTemplates(): Promise<void> {
    await this.db.query(`CREATE TABLE growth_template_invocations AS
      SELECT row_number() OVER () AS n, * FROM (
        (SELECT * FROM invocations WHERE route = 'pull' ORDER BY id LIMIT 1000) UNION ALL (SELECT * FROM invocations WHERE route = 'sync' ORDER BY id LIMIT 1000)
      ) t`);
    await this.db.query(`CREATE TABLE growth_template_deliveries AS
      SELECT row_number() OVER () AS n, * FROM (SELECT * FROM connection_deliveries ORDER BY created_at LIMIT 2000) t`);
    const [{ count }] = (await this.db.query(`SELECT count(*)::int AS count FROM growth_template_invocations`)).rows;
    if (count === 0) throw new Error('no real invocations to copy');
  }

  /** The filler bots, statuses, routes and commands of the copies, by the row's number g. */
  private mix() {
    return {
      bots: `(ARRAY[${this.setup.fillers.map((b) => `'${b.id}'`).join(',')}])[1 + g % ${FILLER_BOTS}]`,
      // One in twenty failed, one in twenty waiting in a pull queue, a fifth delivered, the rest answered.
      status: `(CASE WHEN g % 20 = 0 THEN 'failed' WHEN g % 20 = 1 THEN 'queued' WHEN g % 5 = 2 THEN 'delivered' ELSE 'answered' END)`,
      route: `(CASE WHEN g % 20 = 1 OR g % 5 = 2 THEN 'pull' ELSE 'sync' END)`,
      // Each filler bot gets one call of the rare command per 200,000 rows.
      command: `(CASE WHEN g % 200000 < ${FILLER_BOTS} THEN '${RARE}' ELSE t.command END)`,
    };
  }

  async fillInvocations(target: number): Promise<void> {
    const current = await this.count('invocations');
    const { bots, status, route, command } = this.mix();
    for (let done = current; done < target; done += FILL_BATCH) {
      const rows = Math.min(FILL_BATCH, target - done);
      await this.db.query(copyInvocations(bots, status, route, command), [this.copied + 1, this.copied + rows]);
      this.copied += rows;
      process.stdout.write(`  invocations: ${done + rows}\n`);
    }
  }

  async fillDeliveries(target: number): Promise<void> {
    const current = await this.count('connection_deliveries');
    const { connectionId, otherConnectionId } = this.setup;
    for (let done = current; done < target; done += FILL_BATCH) {
      const rows = Math.min(FILL_BATCH, target - done);
      await this.db.query(
        `WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms)
         INSERT INTO connection_deliveries (id, connection_id, bot_id, status, http_status, duration_ms, error, request_url, request_headers, request_body, response_body, created_at)
         SELECT gen_random_uuid(), CASE WHEN g % 2 = 0 THEN $3 ELSE $4 END, t.bot_id, t.status, t.http_status, t.duration_ms, t.error,
                t.request_url, t.request_headers, t.request_body, t.response_body, to_timestamp((clock.now_ms - ($2::bigint - g) / 50) / 1000.0)
           FROM clock, generate_series($1::bigint, $2::bigint) g
           JOIN growth_template_deliveries t ON t.n = 1 + g % (SELECT count(*) FROM growth_template_deliveries)`,
        [done + 1, done + rows, connectionId, otherConnectionId],
      );
      process.stdout.write(`  deliveries: ${done + rows}\n`);
    }
  }

  /** A backlog of `size` updates for a bot of its own, copies of real calls as they wait to be pulled. */
  async backlog(bot: Bot, size: number): Promise<void> {
    for (let done = 0; done < size; done += FILL_BATCH) {
      const rows = Math.min(FILL_BATCH, size - done);
      await this.db.query(copyInvocations(`'${bot.id}'`, `'queued'`, `'pull'`, 't.command'), [this.copied + 1, this.copied + rows]);
      this.copied += rows;
    }
  }

  /**
   * `rows` copies spread evenly over the days from 35 to 31 days ago, each day with a partition of its own,
   * as the job would have made them: what the next retention run drops.
   */
  async expired(rows: number): Promise<void> {
    for (let n = RETENTION_DAYS + 1; n <= RETENTION_DAYS + EXPIRED_DAYS; n++) {
      await this.busyRetried(`SELECT create_day_partition('invocations', (now() AT TIME ZONE 'UTC')::date - ${n})`);
    }
    const { bots, status, route, command } = this.mix();
    // From midnight 35 days ago, the rows of each batch a slice of the five days further on.
    const start = `((extract(epoch FROM (now() AT TIME ZONE 'UTC')::date - ${RETENTION_DAYS + EXPIRED_DAYS}) * 1000)::bigint)`;
    const ms = `${start} + (g - ${this.copied}) * ${Math.floor((EXPIRED_DAYS * DAY_MS) / rows)}`;
    const first = this.copied;
    for (let done = 0; done < rows; done += FILL_BATCH) {
      const batch = Math.min(FILL_BATCH, rows - done);
      await this.db.query(copyInvocations(bots, status, route, command, ms), [first + done + 1, first + done + batch]);
      process.stdout.write(`  expired invocations: ${done + batch}\n`);
    }
    this.copied = first + rows;
  }

  /**
   * Attaching a partition waits at most a second for what holds the default partition (an autovacuum of it,
   * say, which gives way only after as long): a statement that ran out of that time is run again.
   */
  private async busyRetried(statement: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.query(statement);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03' || attempt === 10) throw error;
      }
    }
  }

  count(table: string): Promise<number> {
    return this.db.query(`SELECT count(*)::bigint AS count FROM ${table}`).then(({ rows }) => Number(rows[0].count));
  }

  /** Table, indexes and TOAST per row, summed over the table's partitions when it has any. */
  /**
   * The newest of the expired days, its bytes per row as filled and after the retention job's compaction
   * (its indexes rebuilt packed, as the job does once a day is over).
   */
  async compaction(): Promise<{ filled: number; compacted: number }> {
    const [{ name }] = (
      await this.db.query(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'invocations'::regclass AND c.relname ~ '^invocations_p[0-9]{8}$' AND to_date(right(c.relname, 8), 'YYYYMMDD') < (now() AT TIME ZONE 'UTC')::date - ${RETENTION_DAYS}
          ORDER BY c.relname DESC LIMIT 1`,
      )
    ).rows;
    const filled = await this.bytesPerRow(name);
    await this.db.query(`REINDEX TABLE CONCURRENTLY ${name}`);
    return { filled, compacted: await this.bytesPerRow(name) };
  }

  async bytesPerRow(table: string): Promise<number> {
    // A partitioned table's own size is 0 and its partitions hold the rows; a plain table is its own tree.
    const [{ bytes }] = (
      await this.db.query(
        `SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::bigint AS bytes
           FROM (SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass) tree`,
        [table],
      )
    ).rows;
    const rows = await this.count(table);
    return rows === 0 ? NaN : Number(bytes) / rows;
  }
}

type Figures = Record<string, number>;

async function measureCalls(setup: Setup, pid: number, figures: Figures): Promise<void> {
  const spec = (url: string, expectedStatus: number, headers: Record<string, string> = JSON_HEADERS, body = CALL_BODY): RequestSpec => ({
    method: 'POST',
    url,
    headers,
    body,
    expectedStatus,
  });
  const runs: Array<[string, RequestSpec, number]> = [
    ['receive-async', spec(setup.asyncUrl, 202), CONNECTIONS],
    ['receive-sync', spec(setup.syncUrl, 200), CONNECTIONS],
    ['dispatch', spec(setup.dispatchUrl, 200, { ...JSON_HEADERS, authorization: `Bearer ${setup.adminKey}` }, DISPATCH_BODY), CONNECTIONS],
  ];
  for (const [name, request, connections] of runs) {
    const m = checked(name, summarize([await drive(request, pid, connections, CALL_SECONDS)], request.expectedStatus));
    if (name === 'receive-async') {
      figures['receive-async req/s'] = m.reqPerSec;
      figures['receive-async p99 ms'] = m.p99;
    }
    if (name === 'receive-sync') figures['receive-sync p50 ms'] = m.p50;
    if (name === 'dispatch') figures['dispatch req/s'] = m.reqPerSec;
  }
}

function checked(name: string, m: Measurement): Measurement {
  const unexpected = Object.entries(m.unexpected);
  if (m.errors > 0 || unexpected.length > 0) throw new Error(`${name}: ${m.errors} errors, unexpected statuses ${JSON.stringify(m.unexpected)}`);
  return m;
}

async function measureLists(setup: Setup, db: Pool, pid: number, figures: Figures): Promise<void> {
  const bot = setup.fillers[0];
  const cursorAt = async (where: string, values: unknown[]) => {
    const [row] = (await db.query(`SELECT id FROM invocations WHERE ${where} ORDER BY id DESC OFFSET (SELECT count(*) / 2 FROM invocations WHERE ${where}) LIMIT 1`, values)).rows;
    return row ? Buffer.from(row.id, 'utf8').toString('base64url') : undefined;
  };
  const [delivery] = (
    await db.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, id FROM connection_deliveries
        WHERE connection_id = $1 ORDER BY created_at DESC, id DESC OFFSET (SELECT count(*) / 2 FROM connection_deliveries WHERE connection_id = $1) LIMIT 1`,
      [setup.connectionId],
    )
  ).rows;
  const deep = await cursorAt('bot_id = $1', [bot.id]);
  const lists: Array<[string, string, string]> = [
    ['bot: first page', bot.apiKey, '/v1/invocations'],
    ['bot: deep cursor', bot.apiKey, `/v1/invocations?cursor=${deep ?? ''}`],
    ['bot: status=failed', bot.apiKey, '/v1/invocations?status=failed'],
    ['bot: status=received (no match)', bot.apiKey, '/v1/invocations?status=received'],
    ['bot: command=/rare', bot.apiKey, `/v1/invocations?command=${encodeURIComponent(RARE)}`],
    ['bot: status+command (no match)', bot.apiKey, `/v1/invocations?status=failed&command=${encodeURIComponent('/none')}`],
    ['all bots: first page', setup.adminKey, '/v1/invocations'],
    ['all bots: status=received (no match)', setup.adminKey, '/v1/invocations?status=received'],
    ['all bots: command=/rare', setup.adminKey, `/v1/invocations?command=${encodeURIComponent(RARE)}`],
    ['deliveries: first page', setup.adminKey, `/v2/integrations/webhook/${setup.connectionId}/deliveries`],
    [
      'deliveries: deep cursor',
      setup.adminKey,
      `/v2/integrations/webhook/${setup.connectionId}/deliveries?cursor=${delivery ? Buffer.from(`${delivery.position}|${delivery.id}`, 'utf8').toString('base64url') : ''}`,
    ],
  ];
  for (const [name, key, path] of lists) {
    if (path.endsWith('cursor=')) continue;
    const request: RequestSpec = { method: 'GET', url: `${setup.baseUrl}${path}`, headers: { authorization: `Bearer ${key}` }, body: '', expectedStatus: 200 };
    const m = checked(name, summarize([await drive(request, pid, LIST_CONNECTIONS, LIST_SECONDS)], 200));
    figures[`list ${name} p50 ms`] = m.p50;
    figures[`list ${name} p99 ms`] = m.p99;
  }
}

/** Updates per second for one bot pulling `DRAIN` updates a hundred at a time, confirming each page with the next call. */
async function measureDrain(setup: Setup, growth: Growth, db: Pool, size: number, figures: Figures): Promise<void> {
  const bot: Bot = await call('POST', `${setup.baseUrl}/v1/bots`, setup.adminKey, { name: `drain ${size}` });
  await growth.backlog(bot, size);
  await db.query('ANALYZE invocations');
  const started = performance.now();
  let offset: number | undefined;
  let drained = 0;
  while (drained < Math.min(DRAIN, size)) {
    const updates: Array<{ updateId: number }> = await call('GET', `${setup.baseUrl}/v1/updates?limit=100${offset === undefined ? '' : `&offset=${offset}`}`, bot.apiKey);
    if (updates.length === 0) throw new Error(`the backlog of ${size} ran dry after ${drained} updates`);
    drained += updates.length;
    offset = updates[updates.length - 1].updateId + 1;
  }
  figures[`pull drain ${size} updates/s`] = drained / ((performance.now() - started) / 1000);
  // The leftover backlog goes now rather than by the background purge, which would run under the next figures.
  await db.query(`DELETE FROM invocations WHERE bot_id = $1`, [bot.id]);
  // So that the next fill reuses the space rather than leaving it to count as bytes of the rows after.
  await db.query('VACUUM invocations');
  await call('DELETE', `${setup.baseUrl}/v1/bots/${bot.id}`, setup.adminKey);
}

/**
 * receive-async on its own, then while the expired days are dropped in the middle of the run, as the
 * retention job drops them, then on its own again: how long the drop took and how many day partitions it
 * dropped, and the p99 of each run. A run's p99 is mostly of calls the drop never met, so the p99 that
 * tells is of the calls in flight while it ran, set against the p99 of the runs alone over every stretch
 * of the same length (how much a p99 of so few calls moves by itself). Latencies are not rounded.
 */
async function measureRetention(setup: Setup, growth: Growth, db: Pool, pid: number, figures: Figures): Promise<void> {
  await growth.expired(EXPIRED);
  const { filled, compacted } = await growth.compaction();
  figures['bytes per invocation of a day, as filled'] = filled;
  figures['bytes per invocation of a day, compacted'] = compacted;
  // The fill's and the rebuild's writes out of the way first, so that the runs measure calls and the drop.
  await db.query('VACUUM ANALYZE invocations');
  await db.query('CHECKPOINT');
  const request: RequestSpec = { method: 'POST', url: setup.asyncUrl, headers: JSON_HEADERS, body: CALL_BODY, expectedStatus: 202 };
  await drive(request, pid, CONNECTIONS, 1);
  const before: TimedResponse[] = [];
  const alone = checked('receive-async', summarize([await drive(request, pid, CONNECTIONS, CALL_SECONDS, before)], 202));
  const beside: TimedResponse[] = [];
  const run = drive(request, pid, CONNECTIONS, CALL_SECONDS, beside);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const started = performance.now();
  const [{ dropped }] = (
    await db.query(`CALL drop_expired_days('invocations', (now() AT TIME ZONE 'UTC')::date - ${RETENTION_DAYS})`)
  ).rows;
  const ended = performance.now();
  const besideRun = checked('receive-async beside the retention run', summarize([await run], 202));
  const after: TimedResponse[] = [];
  const afterRun = checked('receive-async', summarize([await drive(request, pid, CONNECTIONS, CALL_SECONDS, after)], 202));
  const during = beside.filter((r) => r.at > started && r.at - r.ms < ended).map((r) => r.ms);
  const stretches = [...stretchP99s(before, ended - started), ...stretchP99s(after, ended - started)].sort((a, b) => a - b);
  figures['retention: rows in expired days'] = EXPIRED;
  figures['retention: day partitions dropped'] = dropped;
  figures['retention: drop ms'] = ended - started;
  figures['retention: receive-async p99 ms, alone before'] = percentile(before.map((r) => r.ms), 99);
  figures['retention: receive-async p99 ms, the run beside the drop'] = percentile(beside.map((r) => r.ms), 99);
  figures['retention: receive-async p99 ms, alone after'] = percentile(after.map((r) => r.ms), 99);
  figures['retention: receive-async calls in flight during the drop'] = during.length;
  figures['retention: receive-async p99 ms of those calls'] = percentile(during, 99);
  figures['retention: p99 ms alone, stretches as long as the drop, median'] = percentile(stretches, 50);
  figures['retention: p99 ms alone, stretches as long as the drop, highest'] = stretches.at(-1) ?? NaN;
  figures['retention: receive-async req/s, alone before'] = alone.reqPerSec;
  figures['retention: receive-async req/s, beside the drop'] = besideRun.reqPerSec;
  figures['retention: receive-async req/s, alone after'] = afterRun.reqPerSec;
}

/** The p99 of each stretch of `ms` milliseconds one after another through a run's responses (whole stretches only). */
function stretchP99s(responses: TimedResponse[], ms: number): number[] {
  if (responses.length === 0 || ms <= 0) return [];
  const first = responses[0].at;
  const stretches: number[][] = [];
  for (const r of responses) (stretches[Math.floor((r.at - first) / ms)] ??= []).push(r.ms);
  // The last stretch is cut short by the run's end.
  return stretches.slice(0, -1).filter((latencies) => latencies !== undefined).map((latencies) => percentile(latencies, 99));
}

async function setUp(baseUrl: string, adminKey: string, peers: { runtimeUrl: string; backendUrl: string }): Promise<Setup> {
  const issue = { command: '/onPayment', userId: 42, chatId: 42, content: { orderId: 'A-1001', plan: 'pro' }, expiresIn: 86_400 };
  const syncBot = await call('POST', `${baseUrl}/v1/bots`, adminKey, { name: 'growth sync', runtimeUrl: peers.runtimeUrl });
  const fillers: Bot[] = [];
  for (let i = 0; i < FILLER_BOTS; i++) fillers.push(await call('POST', `${baseUrl}/v1/bots`, adminKey, { name: `growth ${i}` }));
  const asyncHook = await call('POST', `${baseUrl}/v1/webhooks`, fillers[0].apiKey, { ...issue, mode: 'async' });
  const syncHook = await call('POST', `${baseUrl}/v1/webhooks`, syncBot.apiKey, { ...issue, mode: 'sync' });
  const connection = await call('POST', `${baseUrl}/v2/integrations/webhook`, adminKey, { storyId: syncBot.id, name: 'growth backend', url: peers.backendUrl });
  const other = await call('POST', `${baseUrl}/v2/integrations/webhook`, adminKey, { storyId: fillers[1].id, name: 'growth other', url: peers.backendUrl });
  return {
    baseUrl,
    adminKey,
    asyncUrl: asyncHook.url,
    syncUrl: syncHook.url,
    dispatchUrl: `${baseUrl}/v2/integrations/webhook/${connection.id}/dispatch`,
    connectionId: connection.id,
    otherConnectionId: other.id,
    fillers,
  };
}

async function main(): Promise<number> {
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const database = await createBenchDatabase(SERVER_URL, 'growth');
    cleanup.push(database.drop);
    const stubs = await startScript<{ runtimeUrl: string; backendUrl: string }>('bench/http/stubs.ts');
    cleanup.push(() => stop(stubs.child));
    const db = new Pool({ connectionString: database.url, max: 2 });
    db.on('error', (error) => process.stderr.write(`bench database: ${error.message}\n`));
    cleanup.push(() => db.end());

    const { child: bothooks, baseUrl, adminKey } = await launchBothooks({ databaseUrl: database.url, logPath: LOG_PATH });
    cleanup.push(() => stop(bothooks));
    await waitForHealth(baseUrl, bothooks);
    const setup = await setUp(baseUrl, adminKey, stubs.message);
    const growth = new Growth(db, setup);

    const steps: Array<{ size: number; invocations: number; deliveries: number; figures: Figures }> = [];
    for (const [i, size] of SIZES.entries()) {
      process.stdout.write(`size ${size}\n`);
      if (i > 0) {
        await growth.fillInvocations(size);
        await growth.fillDeliveries(Math.min(size, MAX_DELIVERIES));
        // What autovacuum would have done by the time a table had grown this big.
        await db.query('VACUUM ANALYZE invocations');
        await db.query('VACUUM ANALYZE connection_deliveries');
      }
      const invocations = await growth.count('invocations');
      const deliveries = await growth.count('connection_deliveries');
      const figures: Figures = {};
      await measureCalls(setup, bothooks.pid!, figures);
      if (i === 0) await growth.takeTemplates();
      // Before the drains, whose deleted leftovers would count as bytes until the next vacuum.
      figures['bytes per invocation'] = await growth.bytesPerRow('invocations');
      figures['bytes per delivery'] = await growth.bytesPerRow('connection_deliveries');
      await measureLists(setup, db, bothooks.pid!, figures);
      for (const backlog of BACKLOGS) await measureDrain(setup, growth, db, backlog, figures);
      steps.push({ size, invocations, deliveries, figures });
    }
    const retention: Figures = {};
    if (SIZES.length > 1) await measureRetention(setup, growth, db, bothooks.pid!, retention);
    const [{ server_version: postgres }] = (await db.query('SHOW server_version')).rows;
    report(steps, postgres);
    for (const [name, value] of Object.entries(retention)) console.log(`${name.padEnd(66)}  ${Number.isInteger(value) ? value : value.toFixed(1)}`);
    return 0;
  } finally {
    for (const step of cleanup.reverse()) {
      await step().catch((error: Error) => process.stderr.write(`cleanup: ${error.message}\n`));
    }
  }
}

function report(steps: Array<{ size: number; invocations: number; deliveries: number; figures: Figures }>, postgres: string): void {
  const names = Object.keys(steps[0].figures);
  const format = (n: number) => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(2));
  const first = steps[0];
  const last = steps[steps.length - 1];
  const rows = [
    ['figure', ...steps.map((s) => `${s.invocations} inv / ${s.deliveries} del`), `ratio ${last.size} : ${first.size}`],
    ...names.map((name) => [name, ...steps.map((s) => format(s.figures[name])), format(last.figures[name] / first.figures[name])]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `\n${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, Postgres ${postgres}; calls: ${CONNECTIONS} connections x ${CALL_SECONDS} s, lists: ${LIST_CONNECTIONS} x ${LIST_SECONDS} s`,
  );
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error);
    process.exit(1);
  },
);
