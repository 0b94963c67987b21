/* What every bench reads before it starts: its settings from the environment and a database of its own. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** A fresh database on the server at `serverUrl`, named so that it says "test" and which bench made it. */
export async function createBenchDatabase(serverUrl: string, kind: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bothooks_${kind}_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
