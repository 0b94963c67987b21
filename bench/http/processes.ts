/* Starting, watching and stopping the processes of a bench run. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs a bench TypeScript file in its own process and waits for the first message it sends (its addresses). */
export function startScript<T>(file: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; message: T }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'run-ts.js'), join(ROOT, file)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, message: message as T }));
    child.once('exit', (code) => reject(new Error(`${file} exited with code ${code} before it was ready`)));
  });
}

/**
 * Starts the built app as production does (`node dist/main.js`); its log goes to logPath. With a
 * profileDir, V8 writes a CPU profile of the whole run there when the app exits.
 */
export function startBothooks(env: Record<string, string>, logPath: string, profileDir?: string): ChildProcess {
  const log = openSync(logPath, 'a');
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return spawn(process.execPath, [...profiling, join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', log, 'inherit'],
  });
}

/**
 * The built app as the benches run it: on a free port, with a fresh admin key and encryption key, private
 * outbound addresses allowed (the stubs are on loopback) and rate limits out of the way. Not yet healthy.
 */
export async function launchBothooks(options: {
  databaseUrl: string;
  logPath: string;
  logLevel?: string;
  profileDir?: string;
}): Promise<{ child: ChildProcess; baseUrl: string; adminKey: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = `bh_admin_${randomBytes(32).toString('base64url')}`;
  const env = {
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    DATABASE_URL: options.databaseUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: options.logLevel ?? 'info',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    RATE_LIMIT_PER_IP: '1000000',
    RATE_LIMIT_PER_WEBHOOK: '1000000',
  };
  return { child: startBothooks(env, options.logPath, options.profileDir), baseUrl, adminKey };
}

export async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bothooks exited with code ${child.exitCode} while starting`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`bothooks was not healthy within ${timeoutMs} ms`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MiB, as the kernel counts it. */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.replace(/\D+/g, '')) / 1024;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** User plus system CPU time a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time of every Postgres process on this machine (the postmaster, its backends and its workers,
 * those that have exited included), in seconds. The bench's sides share one server and run one at a
 * time, so the change across a run is that run's database cost.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(open + 1, close) !== 'postgres') continue;
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime, and cutime and cstime: the postmaster's holds the backends that have exited.
    total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return total / CLOCK_TICKS_PER_SECOND;
}

/** SIGTERM, then SIGKILL if it has not gone within the grace period. */
export async function stop(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
