import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** Prints the figures the checks measured, then drops the run's database and files. */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.FAULTS_RUN_DIR;
  if (runDir) {
    const figures = join(runDir, 'figures.jsonl');
    if (existsSync(figures)) {
      const lines = readFileSync(figures, 'utf8').trim().split('\n');
      process.stdout.write(`\nfault figures\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
    }
    rmSync(runDir, { recursive: true, force: true });
  }
  const database = globalThis.faultsDatabase;
  if (!database) return;
  const client = new Client({ connectionString: database.serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
