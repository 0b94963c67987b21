import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin, expectStatus } from './utils/api';
import { AppProcess, freePort } from './utils/app-process';
import { waitFor } from './utils/async-load';
import { Http } from './utils/http';
import { rememberSecrets, run } from './utils/run';

const ROOT = join(__dirname, '..', '..');

/** `npm run keys -- …` as the operator runs it: the built CLI, in its own process, on the run's database. */
async function keys(...args: string[]): Promise<string> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: run.databaseUrl, ENCRYPTION_KEY: run.encryptionKey };
  const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.js', ...args], { cwd: ROOT, env });
  return stdout;
}

/** A bot runtime that holds every request until the test lets it answer. */
class HeldRuntime {
  readonly held: ServerResponse[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<HeldRuntime> {
    const port = await freePort();
    const runtime: HeldRuntime = new HeldRuntime(
      createServer((req: IncomingMessage, res: ServerResponse) => {
        req.resume();
        req.on('end', () => runtime.held.push(res));
      }),
      `http://127.0.0.1:${port}/runtime`,
    );
    runtime.server.listen(port, '127.0.0.1');
    await once(runtime.server, 'listening');
    return runtime;
  }

  release(): void {
    for (const res of this.held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: ['answered after SIGTERM'] }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('lifecycle', () => {
  it('answers a sync call in flight at SIGTERM, then exits 0', async () => {
    const runtime = await HeldRuntime.start();
    const app = await AppProcess.start('sigterm');
    const admin = new Admin(app);
    const http = new Http(app.url, 2);
    try {
      const bot = await admin.createBot({ runtimeUrl: runtime.url });
      const issued = await http.post('/v1/webhooks', bot.apiKey, { command: '/held', mode: 'sync' });
      expectStatus(issued, 201, 'issuing a sync URL');
      rememberSecrets(issued.body.url);
      const call = http.get(issued.body.url);
      await waitFor(() => runtime.held.length === 1, 10_000);
      expect(runtime.held).toHaveLength(1);

      const exited = app.stop();
      await waitFor(() => app.log().includes('shutting down'), 10_000);
      expect(app.log()).toContain('shutting down: finishing requests in flight');
      expect(app.alive()).toBe(true);
      runtime.release();

      const res = await call;
      expect(res.status).toBe(200);
      expect(res.text).toContain('answered after SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await admin.close();
      await http.close();
      await app.stop();
      await runtime.close();
    }
  });

  it('npm run keys: create-admin, create-bot, list and revoke work against the database the app serves', async () => {
    const app = await AppProcess.start('keys');
    const admin = new Admin(app);
    const http = new Http(app.url, 2);
    try {
      const created = /^created admin key ([0-9a-f-]{36})\n(bh_admin_\S+)\n$/.exec(await keys('create-admin'));
      expect(created).not.toBeNull();
      const [, adminId, adminKey] = created!;
      rememberSecrets(adminKey);
      expect((await http.get('/v1/bots', adminKey)).status).toBe(200);

      const bot = await admin.createBot();
      const forBot = new RegExp(`^created key ([0-9a-f-]{36}) for bot ${bot.id} \\(.+\\)\\n(bh_bot_\\S+)\\n$`).exec(await keys('create-bot', bot.id));
      expect(forBot).not.toBeNull();
      const [, botKeyId, botKey] = forBot!;
      rememberSecrets(botKey);
      expect((await http.post('/v1/webhooks', botKey, { command: '/cli', mode: 'async' })).status).toBe(201);

      const listed = await keys('list');
      expect(listed).toMatch(new RegExp(`^${adminId}  admin +- .* active$`, 'm'));
      expect(listed).toMatch(new RegExp(`^${botKeyId}  bot +${bot.id} .* active$`, 'm'));
      expect(listed).not.toContain(adminKey);

      // A key this app has not yet seen: one it has seen is cached for a few seconds, which revocation
      // from another process does not yet reach.
      const [, doomedId, doomedKey] = /^created admin key (\S+)\n(\S+)\n$/.exec(await keys('create-admin'))!;
      rememberSecrets(doomedKey);
      expect(await keys('revoke', doomedId)).toBe(`revoked key ${doomedId}\n`);
      expect((await http.get('/v1/bots', doomedKey)).status).toBe(401);
      expect(await keys('list')).toMatch(new RegExp(`^${doomedId}  admin .* revoked \\S+$`, 'm'));
      // The other keys are untouched.
      expect((await http.get('/v1/bots', adminKey)).status).toBe(200);
      expect((await http.post('/v1/webhooks', botKey, { command: '/cli-after', mode: 'async' })).status).toBe(201);
    } finally {
      await admin.close();
      await http.close();
      await app.stop();
    }
  });
});
