import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, TestApp } from '../utils/test-app';

/** How bothooks serves the console's build at /console, and what it says when there is none. */
describe('console: serving the build', () => {
  let built: string;
  let empty: string;
  let t: TestApp;
  let unbuilt: TestApp;

  beforeAll(async () => {
    built = mkdtempSync(join(tmpdir(), 'bothooks-console-'));
    mkdirSync(join(built, 'assets'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1a2b.js"></script>');
    writeFileSync(join(built, 'assets', 'app-1a2b.js'), 'export {};');
    empty = mkdtempSync(join(tmpdir(), 'bothooks-console-'));
    // One after the other: two apps creating their job queue at once can deadlock in Postgres.
    t = await startApp({ CONSOLE_DIR: built });
    unbuilt = await startApp({ CONSOLE_DIR: empty });
  });
  afterAll(async () => {
    await Promise.all([t.close(), unbuilt.close()]);
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it.each(['/console', '/console/', '/console/invocations', '/console/connections/65a1f0c2e4b0a1b2c3d4e5f7'])('serves the page at %s under a strict Content-Security-Policy', async (path) => {
    const res = await t.http.get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<title>console</title>');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('serves the hashed assets for a year, and a missing one as 404, not the page', async () => {
    const asset = await t.http.get('/console/assets/app-1a2b.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await t.http.get('/console/assets/app-old.js');
    expect(missing.status).toBe(404);
    expect(missing.body.status).toMatchObject({ code: 404, type: 'not_found' });
  });

  it('leaves other paths alone', async () => {
    expect((await t.http.get('/consoles')).status).toBe(404);
    expect((await t.http.get('/health')).status).toBe(200);
  });

  it('says the console is not built, in the error envelope, when there is no build', async () => {
    const res = await unbuilt.http.get('/console/bots');
    expect(res.status).toBe(503);
    expect(res.body.status).toMatchObject({ code: 503, type: 'service_unavailable' });
    expect(res.body.status.message).toMatch(/the console is not built: run `npm run build`/);
    expect((await unbuilt.http.get('/health')).status).toBe(200);
  });

  it('takes only GET and HEAD', async () => {
    const res = await t.http.post('/console').send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
