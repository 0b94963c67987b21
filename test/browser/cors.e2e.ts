import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The app's request log lines, to see the preflights the browser sent, which the page itself never sees. */
class RequestLog {
  private readonly lines: { method: string; path: string; status: number }[] = [];
  private readonly waiters: { test: (line: RequestLog['lines'][number]) => boolean; resolve: () => void }[] = [];

  write(chunk: string): void {
    for (const text of chunk.split('\n')) {
      if (!text) continue;
      const line = JSON.parse(text);
      if (!line.req) continue;
      const entry = { method: line.req.method, path: line.req.path, status: line.res.statusCode };
      this.lines.push(entry);
      for (const waiter of this.waiters.filter((w) => w.test(entry))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves once a request of that method to an issued URL has been answered with that status. */
  answered(method: string, status: number): Promise<void> {
    const test = (line: RequestLog['lines'][number]) => line.method === method && line.status === status && line.path.startsWith('/w/');
    if (this.lines.some(test)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  count(method: string): number {
    return this.lines.filter((line) => line.method === method && line.path.startsWith('/w/')).length;
  }
}

type FetchResult = { status: number; body: unknown } | { error: string };

/**
 * A real Chromium: a page on one loopback origin calls URLs issued by the app on another, as a shop's page
 * would call a bot's payment webhook.
 */
describe('webhooks: calling an issued URL from a real browser', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let shop: Server;
  let shopOrigin: string;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const log = new RequestLog();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`the browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
    t = await startApp({ LOG_LEVEL: 'info', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' }, { log });
    runtime = await FakeRuntime.start();
    bot = await t.createBot({ runtimeUrl: runtime.url });
    runtime.signingSecret = bot.signingSecret;
    runtime.onDelivery = (delivery) => ({ body: { messages: [`paid ${delivery.body.content}`] } });
    shop = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>shop</title><p>shop</p>'));
    shop.listen(0, '127.0.0.1');
    await once(shop, 'listening');
    shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'bothooks-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    await page.goto(`${shopOrigin}/`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    shop?.close();
    await runtime?.close();
    await t?.close();
  });

  /** The issued URL on the app's real address: its origin differs from the shop page's by the port. */
  const issue = async (body: Record<string, unknown>): Promise<{ url: string; webhookId: string }> => {
    const res = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send(body);
    if (res.status !== 201) throw new Error(`issuing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { url: `${t.url}${res.body.url.slice(res.body.url.indexOf('/w/'))}`, webhookId: res.body.webhookId };
  };
  const invocations = async (webhookId: string) => (await t.db.query('SELECT method FROM invocations WHERE webhook_id = $1', [webhookId])).rows;

  /** Runs fetch in the page, so that Chromium applies CORS exactly as it would for a shop's script. */
  const fetchFromPage = (url: string, init: { method: 'GET' | 'POST'; json?: unknown }): Promise<FetchResult> =>
    page.evaluate(async ({ url, init }) => {
      try {
        const res = await fetch(url, init.method === 'GET' ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.json) });
        return { status: res.status, body: await res.json() };
      } catch (error) {
        return { error: (error as Error).name };
      }
    }, { url, init });

  it('lets a page on an allowed origin POST JSON (after a preflight) and read the answer', async () => {
    expect(new URL(t.url).origin).not.toBe(shopOrigin);
    const issued = await issue({ command: '/pay', cors: [shopOrigin] });
    const result = await fetchFromPage(issued.url, { method: 'POST', json: { amount: 49 } });
    expect(result).toEqual({ status: 200, body: { answer: 'paid {"amount":49}', messages: ['paid {"amount":49}'] } });
    await log.answered('OPTIONS', 204);
    expect(await invocations(issued.webhookId)).toEqual([{ method: 'POST' }]);
  });

  it('lets the page read a refusal too: a used single-use URL is a readable 410', async () => {
    const issued = await issue({ command: '/pay', cors: [shopOrigin], singleUse: true });
    expect(await fetchFromPage(issued.url, { method: 'POST', json: { amount: 1 } })).toMatchObject({ status: 200 });
    expect(await fetchFromPage(issued.url, { method: 'POST', json: { amount: 1 } })).toMatchObject({ status: 410, body: { status: { reason: 'url_used' } } });
  });

  it('keeps a URL issued without cors unreadable: a JSON POST fails its preflight and runs nothing', async () => {
    const issued = await issue({ command: '/pay' });
    const delivered = runtime.deliveries.length;
    const preflightsBefore = log.count('OPTIONS');
    expect(await fetchFromPage(issued.url, { method: 'POST', json: { amount: 49 } })).toEqual({ error: 'TypeError' });
    await log.answered('OPTIONS', 405);
    expect(log.count('OPTIONS')).toBe(preflightsBefore + 1);
    // The browser sends the POST only after a preflight it accepts: the command never ran.
    expect(await invocations(issued.webhookId)).toEqual([]);
    expect(runtime.deliveries).toHaveLength(delivered);
  });

  it('runs a simple GET from a page even without cors, though the page cannot read the answer', async () => {
    const issued = await issue({ command: '/pay' });
    const delivered = runtime.deliveries.length;
    expect(await fetchFromPage(issued.url, { method: 'GET' })).toEqual({ error: 'TypeError' });
    // No preflight guards a simple request: it is sent, and runs, whatever CORS says about reading it.
    await runtime.received(delivered + 1);
    expect(await invocations(issued.webhookId)).toEqual([{ method: 'GET' }]);
  });
});
