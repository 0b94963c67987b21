import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The files of a stopped embedded Postgres, for the tests that start one of their own: copied into a fresh
 * folder, they spare each of them PGlite's initdb (an embedded start takes 0.7 s of CPU from such a copy,
 * 4.8 s from nothing). Set by the e2e global setup, which every worker of a full run inherits; a run of the
 * unit tests alone has none, and its test starts from nothing.
 */
export const EMBEDDED_TEMPLATE = 'TEST_EMBEDDED_TEMPLATE_DIR';

/** A new temporary DATA_DIR: a copy of the run's embedded template when there is one, else empty. */
export function embeddedDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bothooks-embedded-'));
  const template = process.env[EMBEDDED_TEMPLATE];
  if (template) cpSync(template, dir, { recursive: true });
  return dir;
}

/**
 * A bare embedded database (initdb and nothing more) in a new folder, made by a child process: its seconds
 * of CPU then run on the other core while this one waits on the server's migrations.
 */
export async function createBareEmbedded(): Promise<{ dir: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bothooks-embedded-template-'));
  const script = `require('@electric-sql/pglite').PGlite.create(require('node:path').join(process.argv[1], 'pgdata')).then((db) => db.close())`;
  try {
    await promisify(execFile)(process.execPath, ['-e', script, dir], { cwd: join(__dirname, '..', '..') });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
