import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtAfter } from '../utils/newest-file';

const ROOT = join(__dirname, '..', '..');
/** Where `npm run build` puts the console. */
const BUILT = join(ROOT, 'dist', 'console');
/** What the console's bundle is made of: its sources and config, the client's sources, the installed packages. */
const SOURCES = [join(ROOT, 'console'), join(ROOT, 'clients', 'typescript', 'src'), join(ROOT, 'package-lock.json')];

export interface ConsoleBuild {
  /** The folder the app is pointed at with CONSOLE_DIR. */
  dir: string;
  dispose(): void;
}

/**
 * The console as `npm run build` leaves it in dist/console when that build is newer than every source it
 * is made of (CI builds before it tests); otherwise built afresh into a folder of its own, so that the
 * browser tests need nothing but `npm ci` before them and never see a stale page.
 */
export function consoleBuild(): ConsoleBuild {
  if (upToDate()) return { dir: BUILT, dispose: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'bothooks-console-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: join(ROOT, 'console'),
    env: { ...process.env, CONSOLE_OUT_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function upToDate(): boolean {
  return builtAfter(join(BUILT, 'index.html'), SOURCES);
}
