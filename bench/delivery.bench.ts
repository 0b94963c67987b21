/*
 * Async delivery end to end: calls accepted by bothooks → delivered to a stub runtime on 127.0.0.1 that
 * answers at once. 1,000 conversations with a bot that keeps each in order, against the same load with
 * ordering "none"; then a single conversation, whose calls go one at a time.
 *
 *   npm run build && node bench/run-ts.js bench/delivery.bench.ts      (part of npm run bench)
 *
 * Settings: BENCH_CONVERSATIONS (1000), BENCH_CALLS_EACH (5), BENCH_SINGLE_CALLS (300), BENCH_ROUNDS
 * (runs per side, alternating, 2), BENCH_LOG (/dev/null). Exits 1 if a call is refused or lost, or the
 * ordered rate is under 0.9 of the unordered one.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { launchBothooks, stop, waitForHealth } from './http/processes';
import { createBenchDatabase, positiveInt } from './http/settings';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONVERSATIONS = positiveInt('BENCH_CONVERSATIONS', 1000);
const CALLS_EACH = positiveInt('BENCH_CALLS_EACH', 5);
const SINGLE_CALLS = positiveInt('BENCH_SINGLE_CALLS', 300);
const ROUNDS = positiveInt('BENCH_ROUNDS', 2);
const LOG_PATH = process.env.BENCH_LOG ?? '/dev/null';
const SENDERS = 64;
const MIN_RATIO = 0.9;

/** The stub runtime: counts each invocation once and wakes whoever waits for a count. */
async function startRuntime() {
  const seen = new Set<string>();
  let waiter: { count: number; resolve: () => void } | null = null;
  const server = createServer((req, res) => {
    const id = req.headers['webhook-id'] as string;
    req.resume();
    req.on('end', () => {
      seen.add(id);
      if (waiter && seen.size >= waiter.count) waiter.resolve();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime`,
    seen,
    until: (count: number) => (seen.size >= count ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { count, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<number> {
  const database = await createBenchDatabase(SERVER_URL, 'bench');
  const runtime = await startRuntime();
  const { child: app, baseUrl: base, adminKey } = await launchBothooks({ databaseUrl: database.url, logPath: LOG_PATH, logLevel: 'warn' });
  const agent = new Agent({ connections: SENDERS });
  try {
    await waitForHealth(base, app);
    const call = async (method: 'GET' | 'POST', path: string, key?: string, body?: unknown) => {
      const res = await request(`${base}${path}`, {
        method,
        dispatcher: agent,
        headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> };
    };
    const bot = async (ordering: string) => (await call('POST', '/v1/bots', adminKey, { name: `delivery ${ordering}`, runtimeUrl: runtime.url, ordering })).body.apiKey as string;
    const urls = async (key: string, count: number) => {
      const paths: string[] = [];
      for (let c = 0; c < count; c++) {
        const res = await call('POST', '/v1/webhooks', key, { command: '/onMessage', mode: 'async', chatId: `chat-${c}` });
        paths.push(new URL(res.body.url as string).pathname);
      }
      return paths;
    };
    const sides = { conversation: await urls(await bot('conversation'), CONVERSATIONS), none: await urls(await bot('none'), CONVERSATIONS) };
    const single = (await urls(await bot('conversation'), 1))[0];

    let refused = 0;
    /** Sends the calls (conversation by conversation, round after round) and waits until all are delivered. */
    const measure = async (paths: string[], callsEach: number): Promise<number> => {
      const total = paths.length * callsEach;
      const target = runtime.seen.size + total;
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          for (let i = next++; i < total; i = next++) {
            const res = await call('POST', paths[i % paths.length], undefined, { i });
            if (res.status !== 202) refused += 1;
          }
        }),
      );
      await runtime.until(target - refused);
      return total / ((performance.now() - started) / 1000);
    };

    await measure(sides.none.slice(0, 100), 2);
    const rates: Record<'conversation' | 'none', number[]> = { conversation: [], none: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? (['conversation', 'none'] as const) : (['none', 'conversation'] as const)) rates[side].push(await measure(sides[side], CALLS_EACH));
    }
    const singleRate = await measure([single], SINGLE_CALLS);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = mean(rates.conversation) / mean(rates.none);
    const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)}${value}\n`);
    process.stdout.write(`\nasync delivery, accepted → delivered (${CONVERSATIONS} conversations × ${CALLS_EACH} calls, ${SENDERS} senders)\n`);
    line('ordering "conversation" (calls/s, each run)', rates.conversation.map((r) => r.toFixed(0)).join(', '));
    line('ordering "none" (calls/s, each run)', rates.none.map((r) => r.toFixed(0)).join(', '));
    line('ratio ordered / none', `${ratio.toFixed(2)} (target ≥ ${MIN_RATIO})`);
    line(`one conversation, ${SINGLE_CALLS} calls, one at a time (calls/s)`, singleRate.toFixed(0));
    if (refused > 0) process.stdout.write(`${refused} calls were refused\n`);
    return refused === 0 && ratio >= MIN_RATIO ? 0 : 1;
  } finally {
    await agent.close();
    await stop(app);
    await runtime.close();
    await database.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
