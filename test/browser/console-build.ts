import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Builds the console once into a folder of its own, as `npm run build` would into dist/console, so the
 * browser tests need nothing but `npm ci` before them. The app is pointed at it with CONSOLE_DIR.
 */
export function buildConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bothooks-console-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: join(ROOT, 'console'),
    env: { ...process.env, CONSOLE_OUT_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return dir;
}
