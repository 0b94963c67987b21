import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Admin, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';
import { FakeRuntime } from './utils/fake-runtime';
import { Http } from './utils/http';
import { Peer } from './utils/peers';
import { allLogs, recordFigures, rememberedSecrets, rememberSecrets, run } from './utils/run';

/**
 * Check 7, run last: a pg_dump of the run's database and the log output of every app process the run
 * started contain none of the keys, tokens, passwords, header values or signing secrets created during
 * the run. This file adds connections that use every kind of secret, through every path that handles them.
 */
describe('secrets', () => {
  let app: AppProcess;
  let admin: Admin;
  let http: Http;
  let backend: Peer;
  let runtime: FakeRuntime;
  /** Working credentials of issued URLs: the runtime is told the URL, but neither the database nor a log keeps it. */
  const urlSignatures: string[] = [];
  let botId = '';

  beforeAll(async () => {
    app = await AppProcess.start('secrets');
    admin = new Admin(app);
    http = admin.http;
    backend = await Peer.polite();
    runtime = await FakeRuntime.reserve();
    await runtime.up();
    // Setup, not a test: the checks below look for what this leaves behind.
    await useEverySecretAsUsersDo();
  }, 120_000);

  afterAll(async () => {
    await backend.close();
    await runtime.down();
    await admin.close();
    await app.stop();
  });

  async function useEverySecretAsUsersDo(): Promise<void> {
    const bot = await admin.createBot({ name: 'secretive', runtimeUrl: runtime.url });
    botId = bot.id;
    const key = await http.post(`/v1/bots/${bot.id}/api-keys`, admin.key);
    rememberSecrets(key.body.apiKey);
    for (const verified of [false, true]) {
      const token = `tok_${randomBytes(18).toString('base64url')}`;
      const username = `user_${randomBytes(6).toString('hex')}`;
      const password = `pw_${randomBytes(18).toString('base64url')}`;
      const headerValue = `hv_${randomBytes(18).toString('base64url')}`;
      rememberSecrets(token, password, headerValue, Buffer.from(`${username}:${password}`).toString('base64'));
      const created = await http.post('/v2/integrations/webhook', admin.key, {
        storyId: bot.id,
        name: 'with every secret',
        url: backend.url(verified ? '/verified' : '/hook'),
        ...(verified ? { token } : {}),
        headers: { 'x-api-secret': headerValue },
        auth: { username, password },
      });
      expectStatus(created, 201, 'creating a connection');
      const shown = await http.get(`/v2/integrations/webhook/${created.body.id}`, admin.key);
      rememberSecrets(shown.body.signingSecret, shown.body.signingSecret.replace(/^whsec_/, ''));
      const dispatched = await http.post(`/v2/integrations/webhook/${created.body.id}/dispatch`, key.body.apiKey, { chatId: 'c', userId: 'u' });
      expectStatus(dispatched, 200, 'dispatching');
      await http.get(`/v2/integrations/webhook/${created.body.id}/deliveries/${dispatched.body.deliveryId}`, key.body.apiKey);
      await http.post(`/v2/integrations/webhook/${created.body.id}/deliveries/${dispatched.body.deliveryId}/retry`, key.body.apiKey);
      if (verified) expect((await http.post(`/v2/integrations/webhook/${created.body.id}/verify`, admin.key)).body.verification).toBe('passed');
      // A replaced connection keeps none of the old secrets in clear either.
      const newPassword = `pw_${randomBytes(18).toString('base64url')}`;
      rememberSecrets(newPassword);
      expect((await http.call('PUT', `/v2/integrations/webhook/${created.body.id}`, { headers: { authorization: `Bearer ${admin.key}` }, body: { name: 'replaced', url: backend.url(), auth: { username, password: newPassword } } })).status).toBe(200);
    }
    for (const mode of ['sync', 'async']) {
      const issued = await http.post('/v1/webhooks', key.body.apiKey, { command: '/secret', mode, params: { order: '1' } });
      urlSignatures.push(issued.body.url.split('?')[0].split('.').pop());
      // What the caller authenticates itself with reaches the runtime, and is sealed at rest.
      const authorization = `Bearer ${randomBytes(18).toString('base64url')}`;
      const cookie = `sid=${randomBytes(18).toString('base64url')}`;
      rememberSecrets(authorization, cookie);
      expect([200, 202]).toContain((await http.post(issued.body.url, undefined, 'hello', { headers: { authorization, cookie } })).status);
    }
    expect((await http.post(`/v1/bots/${bot.id}/rotate-url-key`, admin.key, { graceSeconds: 60 })).status).toBe(200);
  }

  it('keeps every secret of the run out of a pg_dump of the database', () => {
    const dump = execFileSync('pg_dump', ['--dbname', run.databaseUrl, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
    const secrets = [...allSecrets(), ...urlSignatures];
    // The dump holds the data (the bot, its deliveries and invocations are there), only not the secrets.
    expect(dump).toContain(botId);
    expect(dump).toContain('connection_deliveries');
    expect(dump).toContain('/secret');
    expect(secrets.length).toBeGreaterThan(15);
    expect(secrets.filter((secret) => dump.includes(secret))).toEqual([]);
    recordFigures('secrets', { secrets: secrets.length, dumpBytes: dump.length });
  });

  it('keeps every secret of the run, and the signatures of issued URLs, out of every log line', async () => {
    // What is still buffered is written at exit.
    await app.stop();
    const logs = allLogs();
    const secrets = [...allSecrets(), ...urlSignatures];
    // The logs are there and talkative: one line per request, at the most detailed level.
    expect(logs.split('\n').length).toBeGreaterThan(20);
    expect(logs).toContain('/v2/integrations/webhook');
    expect(secrets.filter((secret) => logs.includes(secret))).toEqual([]);
    recordFigures('log lines', { lines: logs.split('\n').length, secrets: secrets.length });
  });
});

function allSecrets(): string[] {
  return [...new Set([...rememberedSecrets(), run.adminKey, run.encryptionKey])];
}
