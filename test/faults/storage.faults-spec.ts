import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { Admin, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';
import { waitFor } from './utils/async-load';
import { FakeRuntime } from './utils/fake-runtime';
import { recordFigures, run } from './utils/run';

const MIB = 1024 * 1024;
const CALLS = 20;

/**
 * Large bodies: a call's body is stored once (contract §3.2), so 20 concurrent calls of 1 MiB cost about
 * 20 MiB of table, not ten times that, and the process that takes them stays small.
 */
describe('storage of large calls', () => {
  let app: AppProcess;
  let admin: Admin;
  let runtime: FakeRuntime;
  let db: Pool;

  beforeAll(async () => {
    app = await AppProcess.start('storage');
    admin = new Admin(app);
    runtime = await FakeRuntime.reserve();
    await runtime.up();
    db = new Pool({ connectionString: run.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await db.end();
    await runtime.down();
    await admin.close();
    await app.stop();
  });

  // A partitioned table's own size is 0: its bytes are in its partitions.
  const INVOCATIONS_SIZE = `SELECT sum(pg_total_relation_size(relid))::bigint AS size FROM pg_partition_tree('invocations')`;

  it('takes 20 concurrent 1 MiB calls under 500 MiB of RSS, storing at most about 2 bytes per byte received', async () => {
    const bot = await admin.createBot({ runtimeUrl: runtime.url });
    runtime.verifyWith(bot.signingSecret);
    const issued = await admin.http.post('/v1/webhooks', bot.apiKey, { command: '/upload', mode: 'async' });
    expectStatus(issued, 201, 'issuing a URL');
    // Text full of what JSON escapes (quotes, backslashes, newlines), at random so that compression cannot hide
    // a second copy: the worst case for a body stored inside an escaped message.
    const bodies = Array.from({ length: CALLS }, () => randomBytes(MIB).toString('latin1').replace(/[^0-9a-zA-Z"\\\n]/g, (ch) => '"\\\n'[ch.charCodeAt(0) % 3]));
    const received = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);

    const [{ size: sizeBefore }] = (await db.query(INVOCATIONS_SIZE)).rows;
    const rssBefore = app.rss();
    const started = performance.now();
    const answers = await Promise.all(bodies.map((body) => admin.http.post(issued.body.url, undefined, body, { headers: { 'content-type': 'application/json' } })));
    const burstMs = performance.now() - started;
    expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 202));
    const ids = answers.map((answer) => answer.body.invocationId as string);
    // Delivered too: reading the large rows back and sending them is part of what the process holds.
    await waitFor(() => ids.every((id) => runtime.deliveries.has(id)), 60_000);
    expect(ids.filter((id) => !runtime.deliveries.has(id))).toEqual([]);
    expect(runtime.rejected).toEqual([]);
    const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.pid}/status`, 'utf8'))![1]) * 1024;
    const rssAfter = app.rss();

    const [{ size: sizeAfter }] = (await db.query(INVOCATIONS_SIZE)).rows;
    const storedPerByte = (Number(sizeAfter) - Number(sizeBefore)) / received;
    recordFigures('storage', {
      calls: CALLS,
      receivedBytes: received,
      storedPerByte: Number(storedPerByte.toFixed(2)),
      rssBeforeMiB: Math.round(rssBefore / MIB),
      rssPeakMiB: Math.round(peakRss / MIB),
      rssAfterMiB: Math.round(rssAfter / MIB),
      burstMs: Math.round(burstMs),
    });
    expect(peakRss).toBeLessThan(500 * MIB);
    expect(storedPerByte).toBeLessThanOrEqual(2);
  });
});
