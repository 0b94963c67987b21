import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The files of a stopped embedded Postgres, for the tests that start one of their own: copied into a fresh
 * folder, they spare each of them PGlite's initdb (an embedded start takes 0.7 s of CPU from such a copy,
 * 4.8 s from nothing). Set by the e2e global setup, which every worker of a full run inherits; a run of the
 * unit tests alone has none, and its test starts from nothing.
 */
export const EMBEDDED_TEMPLATE = 'TEST_EMBEDDED_TEMPLATE_DIR';

/** How long a test waits for a template still being made before it gives up. */
const READY_TIMEOUT_MS = 120_000;
const POLL_MS = 50;

/**
 * A new temporary DATA_DIR: a copy of the run's embedded template when there is one, else empty. A template
 * still being made (see startBareEmbedded) is waited for: its folder appears, complete, when it is done.
 */
export async function embeddedDataDir(): Promise<string> {
  const template = process.env[EMBEDDED_TEMPLATE];
  if (template) await ready(template);
  const dir = mkdtempSync(join(tmpdir(), 'bothooks-embedded-'));
  if (template) cpSync(template, dir, { recursive: true });
  return dir;
}

async function ready(template: string): Promise<void> {
  const failure = `${template}.failed`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!existsSync(template)) {
    if (existsSync(failure)) throw new Error(`the run's embedded template could not be made: ${readFileSync(failure, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the run's embedded template was not made within ${READY_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

/**
 * Starts making a bare embedded database (initdb and nothing more) in a child process, and answers at once
 * with the folder it will be in: its seconds of CPU then run beside the rest of the setup and the first
 * tests rather than ahead of them. The child builds it under another name and renames it when it is done,
 * or leaves `<dir>.failed` with the reason.
 */
export function startBareEmbedded(): { dir: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'bothooks-embedded-template-'));
  const dir = join(root, 'data');
  const script = `const { join } = require('node:path');
const { mkdirSync, renameSync, writeFileSync } = require('node:fs');
const [dir, building] = process.argv.slice(1);
mkdirSync(building);
require('@electric-sql/pglite').PGlite.create(join(building, 'pgdata'))
  .then((db) => db.close())
  .then(() => renameSync(building, dir))
  .catch((error) => writeFileSync(dir + '.failed', String(error && error.stack || error)));`;
  const child = spawn(process.execPath, ['-e', script, dir, join(root, 'building')], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
  const fail = (reason: string) => existsSync(dir) || existsSync(`${dir}.failed`) || writeFileSync(`${dir}.failed`, reason);
  child.on('error', (error) => fail(String(error)));
  child.on('exit', (code, signal) => fail(`the child making it exited with ${signal ?? code}`));
  child.unref();
  return {
    dir,
    remove: () => {
      child.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
