import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { builtAfter } from '../../utils/newest-file';

const ROOT = join(__dirname, '..', '..', '..');
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

declare global {
  var faultsDatabase: { serverUrl: string; name: string } | undefined;
}

/**
 * The faults suite runs the built app (`node dist/main.js`), so that `kill -9` kills a real process:
 * build first when the sources are newer. Then one fresh `bothooks_faults_test_…` database on the server
 * in DATABASE_URL, and a folder for the run's logs, secrets and figures.
 */
export default async function globalSetup(): Promise<void> {
  if (needsBuild()) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_SERVER;
  const name = `bothooks_faults_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  globalThis.faultsDatabase = { serverUrl, name };
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;

  const runDir = mkdtempSync(join(tmpdir(), 'bothooks-faults-'));
  mkdirSync(join(runDir, 'logs'));
  // Test files inherit these: every app they start uses this database and these keys.
  process.env.FAULTS_DATABASE_URL = url.toString();
  process.env.FAULTS_RUN_DIR = runDir;
  process.env.FAULTS_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  process.env.FAULTS_ADMIN_API_KEY = `bh_admin_${randomBytes(32).toString('base64url')}`;
}

function needsBuild(): boolean {
  return !builtAfter(join(ROOT, 'dist', 'main.js'), [join(ROOT, 'src')]);
}
