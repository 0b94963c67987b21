import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { deliveryListQuery } from '../../src/connections/delivery-list';
import { INDEX_ORDER } from '../../src/database/sql';
import { QUEUE_DEPTH } from '../../src/webhooks/delivery/sweeper';
import { InvocationFilter, invocationListQuery } from '../../src/webhooks/invocations/invocation-list';
import { INVOCATION_STATUSES, InvocationStatus } from '../../src/webhooks/invocations/invocations.dto';
import { CONFIRM, TAKE } from '../../src/webhooks/updates/updates.service';
import { FakeBackend } from '../utils/backend';
import { bearer, startAppAlone, TestApp, TestBot } from '../utils/test-app';

/*
 * The lists, the pull queue and the queue-depth gauge, planned on tables big enough that the planner
 * weighs its choices, as the app issues them: every page a range of an index in its order (no sequential
 * scan of invocations, no sort), and the answers through the API complete, filtered and newest first.
 */

const BIG = 20_000;
const SMALL = 240;
const PULLED = 3_000;
const BACKLOG = 30_000;
const LONE = 3_000;
const DELIVERIES = 1_500;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  compiled?: boolean;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The plan's nodes, run (ANALYZE, and rolled back) when `run`, so that what each scan read is counted;
 * the first node carries whether the statement was compiled (JIT).
 */
async function explain(db: Pool, query: { text: string; values: unknown[]; name?: string }, { settings = INDEX_ORDER, run = false } = {}): Promise<PlanNode[]> {
  const client = await db.connect();
  try {
    await client.query(`BEGIN; ${settings}`);
    // A named statement is prepared and planned for any values (see INDEX_ORDER): explain that plan, the app's.
    if (query.name) await client.query(`PREPARE ${query.name} AS ${query.text}`);
    const literals = query.values.map((value) => client.escapeLiteral(String(value))).join(', ');
    const statement = `EXPLAIN (${run ? 'ANALYZE, BUFFERS, ' : ''}FORMAT JSON) ${query.name ? `EXECUTE ${query.name}(${literals})` : query.text}`;
    const values = query.name ? [] : query.values;
    // Run twice (the first undone), so that the pages counted are the statement's, not the catalog's the first read.
    if (run) {
      await client.query('SAVEPOINT warm');
      await client.query(statement, values);
      await client.query('ROLLBACK TO SAVEPOINT warm');
    }
    const { rows } = await client.query(statement, values);
    const [explained] = rows[0]['QUERY PLAN'];
    const plan = nodes({ ...explained.Plan, compiled: explained.JIT !== undefined });
    // On a partitioned table each partition's scan names the partition's own index: name the parent's.
    const parents = await client.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE c.relname = ANY($1::text[])`,
      [plan.flatMap((node) => node['Index Name'] ?? [])],
    );
    const parentOf = new Map(parents.rows.map((row) => [row.child, row.parent]));
    return plan.map((node) => (node['Index Name'] && parentOf.has(node['Index Name']) ? { ...node, 'Index Name': parentOf.get(node['Index Name']) } : node));
  } finally {
    await client.query(`ROLLBACK${query.name ? `; DEALLOCATE ${query.name}` : ''}`);
    client.release();
  }
}

/**
 * The scans of a table or of its partitions. A run scan that read nothing at all (an empty partition,
 * such as the days made ahead) costs nothing however it is done, so it is left out.
 */
const scansOf = (plan: PlanNode[], table: string) =>
  plan.filter((node) => (node['Relation Name'] ?? '').startsWith(table) && !(node['Actual Loops'] !== undefined && readBy(node) === 0 && node['Node Type'] === 'Seq Scan'));
const readBy = (node: PlanNode) => ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1);
/**
 * Pages a scan read. Entries that an index condition skips are in no row count: a condition that cannot stop
 * the scan (a later column's, behind a range on an earlier one) shows only in the pages read. A scan's count
 * includes the probes of the bot it runs per row (a subplan, listed under whichever scan came first).
 */
const blocks = (node: PlanNode) => (node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0);
/** The most a scan may read for its rows: a root-to-leaf path, and per row its heap page and a probe of its bot. */
const pagesFor = (rows: number) => 8 + 3 * rows;
const described = (plan: PlanNode[]) => plan.map((node) => `${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`).join(' > ');

/**
 * What keeps a page from being a range of an index in its order: a scan of the table other than down an
 * index, a sort, or an index scan that reads past what it keeps (a walk of the wrong index, filtering)
 * more than a page's worth of rows, or more pages than its rows are on (index entries skipped unread).
 */
function detours(plan: PlanNode[], table: string, page: number): string[] {
  const scans = scansOf(plan, table);
  const read = readBy;
  return [
    ...(scans.length === 0 ? [`no scan of ${table}`] : []),
    ...scans.filter((node) => !/^Index (Only )?Scan$/.test(node['Node Type'])).map((node) => `${node['Node Type']} on ${table}`),
    ...plan.filter((node) => /Sort/.test(node['Node Type'])).map((node) => node['Node Type']),
    ...scans.filter((node) => read(node) > page).map((node) => `${read(node)} rows read by ${node['Node Type']} ${node['Index Name']}`),
    ...scans.filter((node) => blocks(node) > pagesFor(read(node))).map((node) => `${blocks(node)} pages read by ${node['Node Type']} ${node['Index Name']} for ${read(node)} rows`),
  ];
}

describe('list queries read their index, whatever the table holds', () => {
  let t: TestApp;
  let backend: FakeBackend;
  let big: TestBot;
  let small: TestBot;
  let puller: TestBot;
  let lone: TestBot;
  let backlogged: TestBot;
  let connectionId: string;
  let emptyConnectionId: string;
  const tag = randomBytes(4).toString('hex');
  const common = `/common-${tag}`;
  const rare = `/rare-${tag}`;
  const none = `/none-${tag}`;

  /**
   * UUIDv7-shaped ids in arrival order, received in the last seconds: i-th row of a batch gets the i-th
   * millisecond after `start`, so id order, receive order and insert order agree.
   */
  const fill = (db: Pool, bot: string, count: number, columns: { command: string; status: string; route?: string; daysAhead?: number }) =>
    db.query(
      `WITH base AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $2::int - 1000 + ${(columns.daysAhead ?? 0) * 86_400_000} AS ms),
            g AS (SELECT g, base.ms + g AS ms, lpad(to_hex(base.ms + g), 12, '0') || lpad(to_hex(g), 18, '0') AS h FROM base, generate_series(1, $2::int) g)
       INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, received_at)
       SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 13, 3) || '-8' || substr(h, 16, 3) || '-' || substr(h, 19, 12))::uuid,
              gen_random_uuid(), $1, ${columns.command}, 'POST', ${columns.route ?? `'sync'`}, ${columns.status},
              '{"type":"webhook","invocationId":"' || (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 13, 3) || '-8' || substr(h, 16, 3) || '-' || substr(h, 19, 12)) || '"}',
              to_timestamp(ms / 1000.0)
         FROM g`,
      [bot, count],
    );

  // Filling the tables is most of this file's time: on the embedded database, beside other files, it has
  // taken longer than a test's 30 s.
  const FILL_TIMEOUT_MS = 120_000;
  beforeAll(async () => {
    // A database of its own: the plans must not depend on what other files' rows (say, of a moved clock,
    // in the default partition) leave in the tables.
    [t, backend] = await Promise.all([startAppAlone(), FakeBackend.start()]);
    [big, small, puller, lone, backlogged] = await Promise.all([t.createBot(), t.createBot(), t.createBot(), t.createBot(), t.createBot()]);
    const connections = await Promise.all(
      ['deliveries', 'no deliveries'].map((name) =>
        t.http
          .post('/v2/integrations/webhook')
          .set(...bearer(t.adminKey))
          .send({ storyId: big.id, name, url: backend.url() }),
      ),
    );
    [connectionId, emptyConnectionId] = connections.map((res) => {
      expect(res.status).toBe(201);
      return res.body.id as string;
    });
    const statuses = `(ARRAY['answered','answered','answered','delivered','queued','received'])[1 + g % 6]`;
    // The big bot: many of most statuses, no failed one, a command that almost never comes.
    await fill(t.db, big.id, BIG, { command: `CASE WHEN g % 4000 = 0 THEN '${rare}' ELSE '${common}' END`, status: statuses });
    // The small bot: every status, both commands, fewer rows than a page for some mixes.
    await fill(t.db, small.id, SMALL, {
      command: `CASE WHEN g % 4 = 0 THEN '${rare}' ELSE '${common}' END`,
      status: `(ARRAY[${INVOCATION_STATUSES.map((s) => `'${s}'`).join(',')}])[1 + g % ${INVOCATION_STATUSES.length}]`,
    });
    await fill(t.db, puller.id, PULLED, { command: `'${common}'`, status: `'queued'`, route: `'pull'` });
    // A backlog with a day of its own, as a pull bot's that nobody drains: to the statistics, every row of the
    // day is the bot's and waiting.
    await fill(t.db, backlogged.id, BACKLOG, { command: `'${common}'`, status: `'queued'`, route: `'pull'`, daysAhead: 3 });
    // A day of its own in which every row has one command, as on a day when only one bot called, and it
    // only one command: to the statistics, a filter on the command then lets every row through.
    await fill(t.db, lone.id, LONE, { command: `'${common}'`, status: `'answered'`, daysAhead: 2 });
    // Some deliveries share a created_at, so the id must break the tie the same way in the index and the cursor.
    await t.db.query(
      `INSERT INTO connection_deliveries (id, connection_id, bot_id, status, http_status, duration_ms, request_url, request_headers, request_body, created_at)
       SELECT gen_random_uuid(), $1, $2, CASE WHEN g % 5 = 0 THEN 'failed' ELSE 'succeeded' END, 200, 5, 'http://127.0.0.1/hook', '{}', '{}',
              now() - (g / 2) * interval '1 ms'
         FROM generate_series(1, $3::int) g`,
      [connectionId, big.id, DELIVERIES],
    );
    await t.db.query('ANALYZE invocations');
    await t.db.query('ANALYZE connection_deliveries');
  }, FILL_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([t.close(), backend.close()]);
  });

  /** Every filter mix the API takes, on rows that match many, fewer than a page, or none. */
  const mixes = (): Array<[string, Omit<InvocationFilter, 'limit' | 'before'>]> => [
    ['no filter', {}],
    ['status, many', { status: 'answered' }],
    ['status, none of the big bot', { status: 'failed' }],
    ['command, few', { command: rare }],
    ['command, none', { command: none }],
    ['bot', { botId: big.id }],
    ['bot, few', { botId: small.id }],
    ['bot + status', { botId: big.id, status: 'queued' }],
    ['bot + status, none', { botId: big.id, status: 'failed' }],
    ['bot + command, few', { botId: big.id, command: rare }],
    ['bot + command, none', { botId: small.id, command: none }],
    ['bot + command, none, of a day whose every row has one command', { botId: lone.id, command: none }],
    ['status + command, few', { status: 'received', command: rare }],
    ['status + command, none', { status: 'failed', command: common }],
    ['bot + status + command', { botId: big.id, status: 'answered', command: common }],
    ['bot + status + command, none', { botId: big.id, status: 'failed', command: rare }],
  ];

  it('plans every invocation list, with and without a cursor, as a range of an index in its order', async () => {
    const [{ id: middle }] = (await t.db.query(`SELECT id FROM invocations WHERE bot_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1`, [big.id, BIG / 2])).rows;
    const problems: string[] = [];
    for (const [name, filter] of mixes()) {
      for (const before of [undefined, middle as string]) {
        const plan = await explain(t.db, invocationListQuery({ ...filter, before, limit: 51 }), { run: true });
        const found = detours(plan, 'invocations', 2 * 51);
        if (found.length > 0) problems.push(`${name}${before ? ' after a cursor' : ''}: ${found.join(', ')} in ${described(plan)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('plans the delivery log as a range of its index, with and without a cursor', async () => {
    const [{ created_at: at, id }] = (
      await t.db.query(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, id
           FROM connection_deliveries WHERE connection_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
        [connectionId, DELIVERIES / 2],
      )
    ).rows;
    for (const connection of [connectionId, emptyConnectionId]) {
      for (const after of [null, [at, id] as [string, string]]) {
        const plan = await explain(t.db, deliveryListQuery(connection, 51, after), { run: true });
        expect(detours(plan, 'connection_deliveries', 51)).toEqual([]);
        for (const scan of scansOf(plan, 'connection_deliveries')) expect(scan['Index Name']).toMatch(/^connection_deliveries_page/);
      }
    }
  });

  it('takes from a pull backlog down its index, and counts the queues on their partial indexes', async () => {
    for (const bot of [puller.id, small.id, backlogged.id]) {
      const plan = await explain(t.db, { text: TAKE, values: [bot, 0, 100], name: 'updates_take' }, { run: true });
      // The sorts it cannot avoid must not cost it a compilation that outlasts the statement.
      expect(plan[0].compiled).toBe(false);
      const scans = scansOf(plan, 'invocations');
      // Sorts here are of the page taken (at most `limit` rows), never of the backlog: the backlog is read down
      // invocations_pull_fresh, and no other scan reads more than a page (a partition of a few rows may be
      // read whole).
      const detoured = scans.filter((node) => node['Node Type'] !== 'ModifyTable' && !/^Index (Only )?Scan$/.test(node['Node Type']) && readBy(node) > 100);
      expect(detoured.map((node) => `${node['Node Type']} of ${node['Relation Name']}: ${readBy(node)} rows`)).toEqual([]);
      expect(scans.map((node) => node['Index Name'])).toEqual(expect.arrayContaining([expect.stringMatching(/^invocations_pull_fresh/)]));
    }
    // A count reads every entry of its partial index, by an index-only or a bitmap scan: what is waiting, never
    // the rest of the table (a partition of a few rows, or whose every row is waiting, may be read whole).
    const depth = await explain(t.db, { text: QUEUE_DEPTH, values: [] }, { settings: '', run: true });
    const tableReads = scansOf(depth, 'invocations').filter((node) => node['Node Type'] === 'Seq Scan' && (node['Rows Removed by Filter'] ?? 0) > 100);
    expect(tableReads.map((node) => `${node['Relation Name']}: ${node['Rows Removed by Filter']} rows not waiting`)).toEqual([]);
    // Either partial index over the queued push calls answers the push count, in each partition that has rows.
    const indexes = new Set(depth.flatMap((node) => node['Index Name'] ?? []));
    expect([...indexes].filter((name) => !/^invocations_(push_due|conversation_queue|pull_queue)$/.test(name))).toEqual([]);
    expect(indexes.has('invocations_pull_queue')).toBe(true);
    expect(indexes.has('invocations_push_due') || indexes.has('invocations_conversation_queue')).toBe(true);
  });

  const list = async (key: string, query: Record<string, string | number | undefined>): Promise<{ ids: string[]; statuses: string[]; commands: string[]; pages: number }> => {
    const ids: string[] = [];
    const statuses: string[] = [];
    const commands: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { items: Array<{ id: string; status: string; command: string }>; nextCursor: string | null } } = await t.http
        .get('/v1/invocations')
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .set(...bearer(key));
      expect(res.status).toBe(200);
      for (const item of res.body.items) {
        ids.push(item.id);
        statuses.push(item.status);
        commands.push(item.command);
      }
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor);
    return { ids, statuses, commands, pages };
  };

  const truth = async (where: string, values: unknown[]): Promise<string[]> =>
    (await t.db.query(`SELECT id FROM invocations WHERE ${where} ORDER BY id DESC`, values)).rows.map((row) => row.id);

  it("pages through a bot's list with every filter mix: newest first, filtered, complete, no duplicates", async () => {
    const filters: Array<{ status?: InvocationStatus; command?: string }> = [{}, { status: 'failed' }, { command: rare }, { status: 'queued', command: common }, { command: none }];
    for (const filter of filters) {
      const conditions = ['bot_id = $1', ...(filter.status ? [`status = '${filter.status}'`] : []), ...(filter.command ? [`command = '${filter.command}'`] : [])];
      const expected = await truth(conditions.join(' AND '), [small.id]);
      const asBot = await list(small.apiKey, { ...filter, limit: 40 });
      expect(asBot.ids).toEqual(expected);
      expect(asBot.pages).toBe(Math.max(1, Math.ceil(expected.length / 40)));
      const asAdmin = await list(t.adminKey, { ...filter, botId: small.id, limit: 100 });
      expect(asAdmin.ids).toEqual(expected);
    }
    expect((await truth('bot_id = $1', [small.id])).length).toBe(SMALL);
  });

  it('pages across bots by command, and by status and command, only through the rows that match', async () => {
    for (const filter of [{ command: rare }, { command: rare, status: 'delivered' }] as Array<{ command: string; status?: string }>) {
      const conditions = [`command = $1`, ...(filter.status ? [`status = '${filter.status}'`] : [])];
      const expected = await truth(conditions.join(' AND '), [rare]);
      expect(expected.length).toBeGreaterThan(0);
      const seen = await list(t.adminKey, { ...filter, limit: 9 });
      expect(seen.ids).toEqual(expected);
    }
  });

  it("reads the big bot's first and a deep page as the table orders them", async () => {
    const expected = await truth('bot_id = $1 AND command = $2', [big.id, common]);
    const first = await t.http.get('/v1/invocations').query({ command: common, limit: 100 }).set(...bearer(big.apiKey));
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual(expected.slice(0, 100));
    const deep = Buffer.from(expected[BIG / 2], 'utf8').toString('base64url');
    const page = await t.http.get('/v1/invocations').query({ cursor: deep, limit: 100 }).set(...bearer(big.apiKey));
    const all = await truth('bot_id = $1', [big.id]);
    const from = all.indexOf(expected[BIG / 2]) + 1;
    expect(page.body.items.map((item: { id: string }) => item.id)).toEqual(all.slice(from, from + 100));
    const empty = await t.http.get('/v1/invocations').query({ status: 'failed' }).set(...bearer(big.apiKey));
    expect(empty.body).toEqual({ items: [], nextCursor: null });
  });

  it('pages across every bot by status, newest first and without a gap between pages', async () => {
    for (const query of [{}, { status: 'answered' }]) {
      const first = await t.http.get('/v1/invocations').query({ ...query, limit: 50 }).set(...bearer(t.adminKey));
      const second = await t.http.get('/v1/invocations').query({ ...query, limit: 50, cursor: first.body.nextCursor }).set(...bearer(t.adminKey));
      const items: Array<{ id: string; status: string }> = [...first.body.items, ...second.body.items];
      expect(items).toHaveLength(100);
      const ids = items.map((item) => item.id);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(new Set(ids).size).toBe(100);
      if ('status' in query) expect(new Set(items.map((item) => item.status))).toEqual(new Set([query.status]));
    }
  });

  it('pages through the delivery log newest first, ties broken by id, complete and without duplicates', async () => {
    const expected = (
      await t.db.query(`SELECT id FROM connection_deliveries WHERE connection_id = $1 ORDER BY created_at DESC, id DESC`, [connectionId])
    ).rows.map((row) => row.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await t.http
        .get(`/v2/integrations/webhook/${connectionId}/deliveries`)
        .query({ limit: 100, ...(cursor ? { cursor } : {}) })
        .set(...bearer(t.adminKey));
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((item) => item.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(DELIVERIES);
  });

  it('drains a pull backlog oldest first, a page per call', async () => {
    const expected = await truth('bot_id = $1', [puller.id]);
    const oldest = expected.slice(-200).reverse();
    const first = await t.http.get('/v1/updates').query({ limit: 100 }).set(...bearer(puller.apiKey));
    const next = await t.http
      .get('/v1/updates')
      .query({ limit: 100, offset: first.body[99].updateId + 1 })
      .set(...bearer(puller.apiKey));
    expect([...first.body, ...next.body].map((update: { invocation: { invocationId: string } }) => update.invocation.invocationId)).toEqual(oldest);
  });

  it('confirms down the queue, never through the updates confirmed before', async () => {
    // Pages taken and confirmed, under statistics gathered before any update had an id (as after a fill).
    let offset = 0;
    for (let page = 0; page < 10; page++) {
      const res = await t.http.get('/v1/updates').query({ limit: 100, offset }).set(...bearer(puller.apiKey));
      expect(res.body).toHaveLength(100);
      offset = res.body[99].updateId + 1;
    }
    const plan = await explain(t.db, { text: CONFIRM, values: [puller.id, offset], name: 'updates_confirm' }, { settings: '', run: true });
    const scans = scansOf(plan, 'invocations').filter((node) => node['Node Type'] !== 'ModifyTable');
    expect(scans.filter((node) => readBy(node) > 100).map((node) => `${node['Node Type']} ${node['Index Name']}: ${readBy(node)} rows`)).toEqual([]);
    expect(new Set(scans.flatMap((node) => (readBy(node) > 0 ? [node['Index Name']] : [])))).toEqual(new Set(['invocations_pull_queue']));
  });
});
