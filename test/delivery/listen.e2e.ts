import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '../utils/eventually';
import { builtAfter } from '../utils/newest-file';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const PACKAGE = join(__dirname, '..', '..', 'clients', 'typescript');
const CLI = join(PACKAGE, 'dist', 'listen-cli.js');
const VERSION = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version;
const LINE = (command: string, status: number, id: string) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${command}  ${status}  \\d+ ms  ${id}$`);

/** `bothooks listen` as a developer runs it: the compiled CLI in a process of its own. */
class Listener {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  private readonly waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  private pending = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, 'listen', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = once(this.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    this.child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (this.pending + chunk.toString('utf8')).split('\n');
      this.pending = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        for (const waiter of this.waiters.filter((w) => w.pattern.test(line))) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
  }

  /** The first printed line matching pattern, waiting for it if need be; fails if the process ends first. */
  line(pattern: RegExp): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return Promise.race([
      new Promise<string>((resolve) => this.waiters.push({ pattern, resolve })),
      this.exited.then(([code]) => Promise.reject(new Error(`the listener exited (${code}) before printing ${pattern}; it printed ${JSON.stringify(this.lines)}`))),
    ]);
  }

  /**
   * Ctrl-C, and the exit code. The listener sits in a 25-second long poll, so only an aborted poll exits
   * within the bound; the bound only turns a hang into a readable failure.
   */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const [code] = await Promise.race([
      this.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the listener did not exit within 10 s of SIGINT')), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

describe('bothooks listen: pull mode forwarded to a local runtime', () => {
  let t: TestApp;
  const listeners: Listener[] = [];
  const runtimes: FakeRuntime[] = [];

  beforeAll(async () => {
    // The CLI as `npm run build` left it when that is newer than what it is built from (CI builds first); built here otherwise.
    if (!builtAfter(CLI, ['src', 'tsconfig.json', 'package.json'].map((path) => join(PACKAGE, path)))) {
      await promisify(execFile)(join(__dirname, '..', '..', 'node_modules', '.bin', 'tsc'), ['-p', join(PACKAGE, 'tsconfig.json')]);
    }
    t = await startApp({ WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8' });
  });
  afterEach(async () => {
    for (const listener of listeners.splice(0)) listener.kill();
    for (const runtime of runtimes.splice(0)) await runtime.close();
  });
  afterAll(async () => {
    await t.close();
  });

  const setUp = async () => {
    const bot = await t.createBot();
    const runtime = await FakeRuntime.start();
    runtime.signingSecret = bot.signingSecret;
    runtimes.push(runtime);
    const listener = new Listener(['--api', t.url, '--key', bot.apiKey, '--forward-to', runtime.url, '--secret', bot.signingSecret]);
    listeners.push(listener);
    await listener.line(/^Ready/);
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/onPayment', mode: 'async' });
    expect(res.status).toBe(201);
    const path = (res.body.url as string).slice(res.body.url.indexOf('/w/'));
    return { bot, runtime, listener, call: async (body: string) => (await t.http.post(path).set('content-type', 'application/json').send(body)).body.invocationId as string };
  };
  const invocation = async (bot: TestBot, id: string) => (await t.http.get(`/v1/invocations/${id}`).set(...bearer(bot.apiKey))).body;
  const delivered = (bot: TestBot, id: string) => eventually(async () => ((await invocation(bot, id)).status === 'delivered' ? true : undefined));

  it('forwards each call signed like a push delivery, with the stored message as its body, confirms it, and exits 0 on Ctrl-C', async () => {
    const { bot, runtime, listener, call } = await setUp();
    const ids = [await call('{"paid":1}'), await call('{"paid":2,"name":"Zoë"}')];
    const deliveries = await runtime.received(2);
    for (const [i, delivery] of deliveries.entries()) {
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.headers).toMatchObject({
        'webhook-id': ids[i],
        'webhook-timestamp': expect.stringMatching(/^\d+$/),
        'webhook-signature': expect.stringMatching(/^v1,/),
        'content-type': 'application/json',
        'user-agent': `bothooks-listen/${VERSION}`,
      });
      expect(delivery.raw).toBe(JSON.stringify((await invocation(bot, ids[i])).message));
      await listener.line(LINE('/onPayment', 200, ids[i]));
    }
    await delivered(bot, ids[0]);
    await delivered(bot, ids[1]);
    expect(await listener.interrupt()).toBe(0);
  });

  it('gives the same update again after the runtime answered 500, and confirms it only once the runtime took it', async () => {
    const { bot, runtime, listener, call } = await setUp();
    let answers = 0;
    runtime.onDelivery = () => (++answers === 1 ? { status: 500, body: { error: 'boom' } } : { body: {} });
    const id = await call('{"retry":true}');
    const [failed, retried] = await runtime.received(2);
    expect(retried.headers['webhook-id']).toBe(id);
    expect(retried.raw).toBe(failed.raw);
    expect(retried.signatureValid).toBe(true);
    await delivered(bot, id);
    const failLine = await listener.line(LINE('/onPayment', 500, id));
    const retryLine = await listener.line(/^\d\d:\d\d:\d\d {2}retrying in 1 s$/);
    const okLine = await listener.line(LINE('/onPayment', 200, id));
    expect([failLine, retryLine, okLine].map((line) => listener.lines.indexOf(line))).toEqual([1, 2, 3]);
    expect(await listener.interrupt()).toBe(0);
  });

  it('forwards the invocation as the exact text the API sent, and aborts its long poll on Ctrl-C', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const invocationText = '{"invocationId":"0190a0c0-0000-7000-8000-000000000001","command":"/raw","n":1.0,"s":"caf\\u00e9","deep":{"a":[1,{"b":"]}\\""}]}}';
    const polls: { req: IncomingMessage; res: ServerResponse }[] = [];
    const pollArrived: (() => void)[] = [];
    const api = createServer((req, res) => {
      polls.push({ req, res });
      pollArrived.splice(0).forEach((resolve) => resolve());
      // The first poll gets one update; later ones wait, as a long poll with nothing queued does.
      if (polls.length === 1) res.writeHead(200, { 'content-type': 'application/json' }).end(`[ {"updateId": 7 , "invocation" : ${invocationText} , "extra":[]} ]`);
    });
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    const runtime = await FakeRuntime.start();
    runtime.signingSecret = secret;
    runtimes.push(runtime);
    const listener = new Listener(['--api', `http://127.0.0.1:${(api.address() as AddressInfo).port}`, '--key', 'bh_bot_x', '--forward-to', runtime.url, '--secret', secret]);
    listeners.push(listener);
    const [delivery] = await runtime.received(1);
    expect(delivery.raw).toBe(invocationText);
    expect(delivery.signatureValid).toBe(true);
    if (polls.length < 2) await new Promise<void>((resolve) => pollArrived.push(resolve));
    expect(polls.map(({ req }) => [req.headers.authorization, new URL(req.url!, 'http://x').searchParams.toString()])).toEqual([
      ['Bearer bh_bot_x', 'timeout=25&limit=100'],
      ['Bearer bh_bot_x', 'timeout=25&limit=100&offset=8'],
    ]);
    const pollClosed = once(polls[1].req.socket, 'close');
    expect(await listener.interrupt()).toBe(0);
    await pollClosed;
    api.close();
  });
});
