/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import AxeBuilder from '@axe-core/playwright';
import axe from 'axe-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { FakeBackend } from '../utils/backend';
import { FakeRuntime } from '../utils/runtime';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';
import { consoleBuild, type ConsoleBuild } from './console-build';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/**
 * axe-core goes into each document once, as it loads (an init script); a check then only runs it. Left to
 * itself, AxeBuilder evaluates axe's whole source twice per check, which cost the browser more than the checks.
 */
const AXE_LOADED = "if (!window.axe) throw new Error('axe-core was not loaded into this page')";
/** Screenshots and figures of the run; git-ignored. */
const OUTPUT = join(__dirname, '..', '..', 'test-results', 'console');
/** Each step drives the page through several screens, each checked at two sizes: slow on a busy machine. */
const STEP_MS = 180_000;
const SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/**
 * The console in a real Chromium against the real app on Postgres, with a runtime and a chatbot backend on
 * 127.0.0.1, driven as a person would: by labels, button names and what the page says. The steps build on
 * each other (the bot created in one is called in the next), so they run in order on one page.
 */
describe('console: the web page in a real browser', () => {
  let built: ConsoleBuild | undefined;
  let t: TestApp;
  let runtime: FakeRuntime;
  let backend: FakeBackend;
  let otherBot: TestBot;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  let botKey = '';
  let botName = '';
  let issuedUrl = '';
  const shots: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`the browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);
    built = consoleBuild();
    [t, runtime, backend] = await Promise.all([startApp({ CONSOLE_DIR: built.dir, WEBHOOK_IP_ALLOWLIST: '127.0.0.1', STREAM_HEARTBEAT_MS: '1000' }), FakeRuntime.start(), FakeBackend.start()]);
    runtime.onDelivery = () => ({ body: { messages: ['thanks for paying'] } });
    // Another bot with a connection and a call of its own: a bot key must see none of it.
    otherBot = await t.createBot({ name: 'Other bot' });
    await t.http.post('/v2/integrations/webhook').set(...bearer(t.adminKey)).send({ storyId: otherBot.id, name: 'other-backend', url: backend.url('/other') });
    const issued = await t.http.post('/v1/webhooks').set(...bearer(otherBot.apiKey)).send({ command: '/other-command' });
    await fetch(localUrl(issued.body.url));
    mkdirSync(OUTPUT, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'bothooks-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: SIZES[0] });
    await browser.addInitScript(axe.source);
    // Anything the Content-Security-Policy blocks is recorded, to fail the run.
    await browser.addInitScript(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page = await browser.newPage();
    page.setDefaultTimeout(30_000);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    built?.dispose();
    await Promise.all([runtime?.close(), backend?.close()]);
    await t?.close();
  });
  afterEach(async () => {
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });

  const localUrl = (url: string) => t.url + url.slice(url.indexOf('/w/'));
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  /** axe-core at both sizes (no serious or critical violation), and a full-page screenshot at each. */
  async function check(screen: string): Promise<void> {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      // Legacy mode runs axe in the page and its same-origin frames, the only frames the console's CSP lets
      // load; the default mode finds the same, but opens and fills a blank page per check to merge them.
      // Only violations are collected in full: the elements that passed each rule are never read here.
      const { violations } = await new AxeBuilder({ page, axeSource: AXE_LOADED }).setLegacyMode().options({ resultTypes: ['violations'] }).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      expect({ screen, size, bad }).toEqual({ screen, size, bad: [] });
      // Usable at that width: nothing pushes the page sideways (wide tables scroll in their own box).
      const overflowing = await page.evaluate(() =>
        document.documentElement.scrollWidth <= window.innerWidth
          ? []
          : [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).map((el) => `${el.tagName.toLowerCase()}.${el.className}`).slice(0, 8),
      );
      expect({ screen, size, overflowing }).toEqual({ screen, size, overflowing: [] });
      const file = `${screen}-${size.width}x${size.height}.png`;
      await page.screenshot({ path: join(OUTPUT, file), fullPage: true });
      shots.push(file);
    }
    await page.setViewportSize(SIZES[0]);
  }

  it('is served under a strict Content-Security-Policy and first renders the sign-in', async () => {
    const res = await fetch(`${t.url}/console/invocations`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self';/);
    const started = Date.now();
    await page.goto(`${t.url}/console`);
    await page.getByLabel('API key').waitFor();
    const firstRenderMs = await page.evaluate(() => Math.round(performance.now()));
    writeFileSync(join(OUTPUT, 'timings.json'), JSON.stringify({ firstRenderMs, gotoToSignInMs: Date.now() - started }, null, 2));
    await check('sign-in');
  }, STEP_MS);

  it('refuses a wrong key and says so, then signs in with the admin key', async () => {
    await page.getByLabel('API key').fill(`bh_admin_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That API key was not accepted' }).waitFor();
    await check('sign-in-refused');
    await page.getByLabel('API key').fill(t.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Bots', level: 1 }).waitFor();
    for (const name of ['Bots', 'Connections', 'Invocations', 'Playground']) {
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).count()).toBe(1);
    }
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['bothooks.apiKey']);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
  }, STEP_MS);

  it('creates a bot and shows its key once, then issues a URL for it with a curl line', async () => {
    botName = `Payments ${Date.now()}`;
    await page.locator('#bot-name').fill(botName);
    await page.locator('#bot-runtime').fill(runtime.url);
    await page.getByRole('button', { name: 'Create bot' }).click();
    botKey = (await page.getByTestId('shown-once').textContent())!;
    expect(botKey).toMatch(/^bh_bot_/);
    await page.getByRole('heading', { name: botName, level: 2 }).waitFor();
    await page.getByRole('row').filter({ hasText: botName }).waitFor();
    await page.locator('#issue-command').fill('/paid');
    await page.getByRole('button', { name: 'Issue URL' }).click();
    issuedUrl = (await page.getByTestId('issued-url').textContent())!;
    expect(issuedUrl).toContain('/w/');
    await page.getByText(`curl -X POST '${issuedUrl}'`).waitFor();
    await check('bots');
    // Shown once: gone from the page once you move on.
    await nav('Invocations');
    await nav('Bots');
    await page.getByRole('row').filter({ hasText: botName }).waitFor();
    expect(await page.getByText(botKey).count()).toBe(0);
  }, STEP_MS);

  it('shows a call of the URL in Invocations without a reload, its §3.4 message, and a redelivery', async () => {
    await nav('Invocations');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await check('invocations-before');
    const answered = await fetch(localUrl(issuedUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":49}' });
    expect(answered.status).toBe(200);
    const row = page.getByTestId('invocation-row').filter({ hasText: '/paid' });
    await row.filter({ hasText: 'answered' }).waitFor();
    await row.getByRole('button', { name: /^Open invocation of \/paid/ }).click();
    const message = page.getByLabel('Message the runtime received');
    await message.filter({ hasText: '"type": "webhook"' }).waitFor();
    const text = (await message.textContent())!;
    const [invocation] = (await t.db.query(`SELECT id FROM invocations WHERE command = '/paid'`)).rows;
    expect(JSON.parse(text)).toMatchObject({ type: 'webhook', invocationId: invocation.id, command: '/paid', content: '{"amount":49}', options: { method: 'POST', body: '{"amount":49}' } });
    expect(await page.getByTestId('attempts').textContent()).toBe('1');
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByTestId('attempts').filter({ hasText: /^2$/ }).waitFor();
    expect(runtime.deliveries).toHaveLength(2);
    await check('invocation-detail');
  }, STEP_MS);

  it('shows a connection failing with 404, and the error gone after a Retry once the backend is fixed', async () => {
    backend.onMessage = () => ({ status: 404, body: { error: 'no such route' } });
    await nav('Connections');
    await page.locator('#new-connection-bot').selectOption({ label: botName });
    await page.locator('#new-connection-name').fill('orders backend');
    await page.locator('#new-connection-url').fill(backend.url('/orders'));
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText('No token, so no verification handshake was needed.').waitFor();
    await page.getByRole('button', { name: 'Dispatch' }).click();
    const row = page.getByTestId('connection-row').filter({ hasText: 'orders backend' });
    await row.getByTestId('connection-error').filter({ hasText: 'Request failed with status code 404' }).waitFor();
    await row.filter({ hasText: '1 failure in a row' }).waitFor();
    await check('connections-failing');
    backend.onMessage = () => ({ body: { responses: [{ type: 'text', message: 'order shipped' }] } });
    await page.getByRole('button', { name: /^Open delivery sent/ }).first().click();
    await page.getByText('no such route').waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    const retried = page.getByRole('status').filter({ hasText: 'Retried' });
    await retried.waitFor();
    expect(await retried.textContent()).toMatch(/^Retried: the backend answered/);
    await row.filter({ hasText: 'closed' }).waitFor();
    expect(await row.getByTestId('connection-error').textContent()).toBe('');
    expect(backend.messages).toHaveLength(2);
    await check('connections-fixed');
  }, STEP_MS);

  it('flags a 21-character button title at its path, and draws a valid cards reply as the chat would', async () => {
    await nav('Playground');
    const tooLong = { responses: [{ type: 'buttons', title: 'Pick one', buttons: [{ type: 'postback', title: 'x'.repeat(21), value: 'v' }] }] };
    await page.getByLabel('Backend reply (JSON)').fill(JSON.stringify(tooLong, null, 2));
    await page.getByRole('button', { name: 'Validate' }).click();
    const violation = page.getByTestId('violation').filter({ hasText: 'responses[0].buttons[0].title' });
    await violation.waitFor();
    expect(await violation.textContent()).toMatch(/20/);
    await check('playground-violation');
    const cards = {
      responses: [
        {
          type: 'cards',
          elements: [
            { title: 'Margherita', subtitle: 'Tomato', imageUrl: 'https://example.com/m.png', buttons: [{ type: 'postback', title: 'Order now', value: 'm' }] },
            { title: 'Funghi', subtitle: 'Mushrooms', imageUrl: 'https://example.com/f.png', buttons: [{ type: 'url', title: 'Details', value: 'https://example.com/f' }] },
          ],
        },
      ],
    };
    await page.getByLabel('Backend reply (JSON)').fill(JSON.stringify(cards));
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('Valid: the chat shows the normalized reply').waitFor();
    const chat = page.getByRole('list', { name: 'Reply as the chat shows it' });
    for (const text of ['Margherita', 'Funghi', 'Order now', 'Details']) await chat.getByText(text, { exact: true }).waitFor();
    await check('playground-cards');
  }, STEP_MS);

  it("signed in with the bot's key: its own bot only, and no control it may not use", async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill(botKey);
    // Signing in changes nothing: every call it makes to the API is a read.
    const calls: string[] = [];
    const record = (request: { method(): string; url(): string }) => {
      if (new URL(request.url()).pathname.startsWith('/v')) calls.push(`${request.method()} ${new URL(request.url()).pathname}`);
    };
    page.on('request', record);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    page.off('request', record);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !call.startsWith('GET '))).toEqual([]);
    await nav('Bots');
    await page.getByText('Signed in with a bot key').waitFor();
    const admin = ['Create bot', 'Rotate URL key', 'New API key', 'Create connection', 'Edit', 'Verify', 'Save'];
    const forbidden = async () => {
      for (const name of admin) expect({ name, count: await page.getByRole('button', { name, exact: true }).count() }).toEqual({ name, count: 0 });
      expect(await page.getByText('Other bot').count()).toBe(0);
      expect(await page.getByText(otherBot.id).count()).toBe(0);
    };
    await page.getByRole('button', { name: 'Issue URL' }).waitFor();
    await forbidden();
    await check('bot-key-bots');
    await nav('Connections');
    await page.getByTestId('connection-row').filter({ hasText: 'orders backend' }).waitFor();
    expect(await page.getByText('other-backend').count()).toBe(0);
    await forbidden();
    await check('bot-key-connections');
    await nav('Invocations');
    await page.getByTestId('invocation-row').filter({ hasText: '/paid' }).first().waitFor();
    expect(await page.getByText('/other-command').count()).toBe(0);
    expect(await page.getByLabel('Bot', { exact: true }).count()).toBe(0);
    await forbidden();
    await check('bot-key-invocations');
    writeFileSync(join(OUTPUT, 'screenshots.json'), JSON.stringify(shots, null, 2));
  }, STEP_MS);
});
