/*
 * Dispatches per second through the whole app (auth, validation, signing, the outbound pool, reply
 * validation, the delivery write) against a local backend that answers at once. The app runs in this
 * process; the backend runs in a child process and the load generator in a worker thread, all on
 * 127.0.0.1, so the three share the machine's two cores: the figure is a floor, not a ceiling.
 *
 *   node bench/run-ts.js bench/dispatch-micro.ts                       # embedded Postgres (PGlite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/run-ts.js bench/dispatch-micro.ts
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 16) tune the run. With DATABASE_URL a fresh
 * bothooks_test_* database is created on that server and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createApp } from '../src/app.factory';
import { createTestDatabase } from '../test/setup/test-database';

const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<{
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}>;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const REPLY = JSON.stringify({ responses: [{ type: 'text', message: 'Your order has shipped.' }], attributes: { status: 'shipped' } });

/** The backend: passes the verification handshake (echoes the challenge) and answers every message at once. */
const BACKEND = `
  const { createServer } = require('node:http');
  let sockets = 0;
  const server = createServer((req, res) => {
    const challenge = req.method === 'GET' ? new URL(req.url, 'http://backend').searchParams.get('challenge') : null;
    req.resume();
    req.on('end', () => (challenge ? res.end(challenge) : res.writeHead(200, { 'content-type': 'application/json' }).end(${JSON.stringify(REPLY)})));
  });
  server.on('connection', () => (sockets += 1));
  server.listen(0, '127.0.0.1', () => process.send('http://127.0.0.1:' + server.address().port + '/hook'));
  process.on('message', () => process.send(sockets));
`;

async function main(): Promise<void> {
  const kind = process.env.DATABASE_URL ? 'Postgres' : 'embedded PGlite';
  const database = await createTestDatabase(process.env.DATABASE_URL);
  const backend = spawn(process.execPath, ['-e', BACKEND], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [backendUrl] = (await once(backend, 'message')) as [string];

  const adminKey = `bh_admin_${randomBytes(32).toString('base64url')}`;
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  });
  const { app } = await createApp(process.env);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

  try {
    const post = async (path: string, key: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, string>>;
    };
    const bot = await post('/v1/bots', adminKey, { name: 'bench' });
    const connection = await post('/v2/integrations/webhook', adminKey, {
      storyId: bot.id,
      name: 'bench backend',
      url: backendUrl,
      token: 'bench-token',
      headers: { 'X-Api-Key': 'bench' },
    });
    const sample = await post(`/v2/integrations/webhook/${connection.id}/dispatch`, bot.apiKey, { chatId: '1', userId: '2' });
    if (!Array.isArray(sample.responses)) throw new Error(`unexpected dispatch answer: ${JSON.stringify(sample)}`);
    const result = await autocannon({
      url: `${base}/v2/integrations/webhook/${connection.id}/dispatch`,
      method: 'POST',
      headers: { authorization: `Bearer ${bot.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ chatId: '123456789', userId: '42', attributes: { plan: 'pro' } }),
      connections: CONNECTIONS,
      duration: SECONDS,
      workers: 1,
    });
    backend.send('sockets?');
    const [backendSockets] = (await once(backend, 'message')) as [number];
    console.log(`dispatch-micro (${kind}, ${CONNECTIONS} connections, ${SECONDS}s): ${result.requests.average.toFixed(0)} dispatches/s`);
    console.log(`  latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
    console.log(`  TCP connections the backend accepted: ${backendSockets} (the outbound pool keeps them alive)`);
    if (result.non2xx > 0 || result.errors > 0) {
      console.log(`  statuses: ${JSON.stringify(result.statusCodeStats)}`);
      process.exitCode = 1;
    }
  } finally {
    await app.close();
    backend.kill();
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
