/*
 * Resident memory of the built app after every one of many bots has been used once: each bot's API key
 * authenticated and a URL issued with its URL keys. The caches are bounded, so the figure stays flat as
 * the number of bots grows. Run: npm run build && node bench/run-ts.js bench/memory.bench.ts [bots]
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SecretBox } from '../src/common/secret-box';
import { newObjectId } from '../src/common/ids';
import { freePort, rssMiB, startBothooks, waitForHealth } from './http/processes';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BOTS = Number(process.argv[2] ?? 50_000);
const CONCURRENCY = 32;
const INSERT_CHUNK = 2000;

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Bots as the API makes them (sealed secrets, one URL key, one API key), inserted in bulk. */
async function insertBots(databaseUrl: string, box: SecretBox): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const keys: string[] = [];
  try {
    for (let done = 0; done < BOTS; done += INSERT_CHUNK) {
      const ids: string[] = [];
      const secrets: string[] = [];
      const urlSecrets: string[] = [];
      const hashes: string[] = [];
      for (let i = done; i < Math.min(done + INSERT_CHUNK, BOTS); i++) {
        const apiKey = `bh_bot_${randomBytes(32).toString('base64url')}`;
        keys.push(apiKey);
        ids.push(newObjectId());
        secrets.push(box.seal(`whsec_${randomBytes(24).toString('base64')}`));
        urlSecrets.push(box.seal(randomBytes(32).toString('base64url')));
        hashes.push(createHash('sha256').update(apiKey).digest('hex'));
      }
      await db.query(`INSERT INTO bots (id, name, signing_secret) SELECT id, 'bench ' || id, s FROM unnest($1::text[], $2::text[]) AS t(id, s)`, [ids, secrets]);
      await db.query(`INSERT INTO url_keys (bot_id, version, secret) SELECT id, 1, s FROM unnest($1::text[], $2::text[]) AS t(id, s)`, [ids, urlSecrets]);
      await db.query(`INSERT INTO api_keys (kind, bot_id, key_hash, prefix) SELECT 'bot', id, h, 'bh_bot_bench' FROM unnest($1::text[], $2::text[]) AS t(id, h)`, [ids, hashes]);
    }
  } finally {
    await db.end();
  }
  return keys;
}

async function main(): Promise<void> {
  const name = `bothooks_bench_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const encryptionKey = randomBytes(32);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const app = startBothooks(
    { DATABASE_URL: url.toString(), ENCRYPTION_KEY: encryptionKey.toString('base64'), PORT: String(port), LOG_LEVEL: 'warn' },
    `/dev/null`,
  );
  try {
    await waitForHealth(baseUrl, app);
    const keys = await insertBots(url.toString(), new SecretBox(encryptionKey));
    const idle = rssMiB(app.pid!);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        const res = await fetch(`${baseUrl}/v1/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: '{"command":"/bench"}',
        });
        if (res.status !== 201) throw new Error(`issuing a URL answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`${BOTS} bots, each authenticated and issued a URL in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`RSS: ${idle.toFixed(0)} MiB after the bots were inserted, ${rssMiB(app.pid!).toFixed(0)} MiB after every bot was used once`);
  } finally {
    app.kill('SIGTERM');
    await new Promise((resolve) => app.once('exit', resolve));
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
