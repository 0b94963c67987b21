import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { run } from './run';

const ROOT = join(__dirname, '..', '..', '..');
let started = 0;
const running = new Set<ChildProcess>();
// A check that fails halfway must not leave a bothooks running on the machine after the run.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface OpenSocket {
  localPort: number;
  remotePort: number;
  state: string;
}

/**
 * bothooks as the operator runs it: `node dist/main.js` in its own process, on the run's database, with
 * its log in the run folder. Being a real process, it can be killed with SIGKILL, and its sockets and
 * memory can be read from /proc.
 */
export class AppProcess {
  private child: ChildProcess;
  private exited: Promise<number | null>;
  readonly logFile: string;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly env: Record<string, string>,
  ) {
    started += 1;
    this.logFile = join(run.dir, 'logs', `${String(started).padStart(2, '0')}-${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the app and waits until /health answers 200. */
  static async start(name: string, overrides: Record<string, string> = {}, port?: number): Promise<AppProcess> {
    const chosen = port ?? (await freePort());
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DATABASE_URL: run.databaseUrl,
      ENCRYPTION_KEY: run.encryptionKey,
      ADMIN_API_KEY: run.adminKey,
      PORT: String(chosen),
      PUBLIC_URL: `http://127.0.0.1:${chosen}`,
      OUTBOUND_ALLOW_PRIVATE: 'true',
      // The checks send thousands of calls from one address; rate limits have their own e2e tests.
      WEBHOOK_IP_ALLOWLIST: '127.0.0.1,::1',
      // The most talkative level: the secrets check reads every line.
      LOG_LEVEL: 'trace',
      ...overrides,
    };
    const app = new AppProcess(name, chosen, env);
    await app.spawn();
    return app;
  }

  /** Starts the same app again (same port, same environment) after it stopped or was killed. */
  async restart(): Promise<void> {
    await this.spawn();
  }

  private async spawn(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    try {
      this.child = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env: this.env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve(signal ? null : code);
      }),
    );
    await this.waitHealthy(30_000);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`${this.name} exited while starting:\n${this.logTail()}`);
      try {
        const res = await request(`${this.url}/health`, { headersTimeout: 2000, bodyTimeout: 2000 });
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`${this.name} did not become healthy within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    if (!this.alive()) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, as an orchestrator stops it; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.alive()) return this.child.exitCode;
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** Resident memory in bytes. */
  rss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  /** The process's TCP sockets, listening ones included, read from /proc. */
  sockets(): OpenSocket[] {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${this.pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${this.pid}/fd/${fd}`));
        if (match) inodes.add(match[1]);
      } catch {
        // The descriptor closed while we looked.
      }
    }
    const sockets: OpenSocket[] = [];
    for (const table of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${this.pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (!inodes.has(fields[9])) continue;
        sockets.push({ localPort: parseInt(fields[1].split(':')[1], 16), remotePort: parseInt(fields[2].split(':')[1], 16), state: TCP_STATES[fields[3]] ?? fields[3] });
      }
    }
    return sockets;
  }

  /** The app's sockets connected to a peer on this port. */
  socketsTo(port: number): OpenSocket[] {
    return this.sockets().filter((socket) => socket.remotePort === port);
  }

  log(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  logTail(lines = 40): string {
    return this.log().trim().split('\n').slice(-lines).join('\n');
  }
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
