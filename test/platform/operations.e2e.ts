import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createApp } from '../../src/app.factory';
import { embeddedDataDir } from '../setup/embedded-template';
import { dumpDatabase } from '../utils/dump';
import { metric } from '../utils/metrics';
import { bearer, startApp, testEnv } from '../utils/test-app';
import { TcpProxy } from '../utils/tcp-proxy';

describe('operations', () => {
  it('serves /health, and /docs with every route of the contract in /docs-json', async () => {
    const t = await startApp();
    try {
      const health = await t.http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', database: 'up' });
      const docs = await t.http.get('/docs/');
      expect(docs.status).toBe(200);
      expect(docs.text).toContain('swagger');
      const json = await t.http.get('/docs-json');
      expect(json.status).toBe(200);
      expect(json.body.openapi).toMatch(/^3\./);
      const routes = Object.entries(json.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(CONTRACT_ROUTES.filter((route) => !routes.includes(route))).toEqual([]);
      expect(json.body.paths['/v1/bots'].post.security).toEqual([{ 'api-key': [] }]);
      expect(json.body.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
    } finally {
      await t.close();
    }
  });

  it('counts in /metrics the calls it took and how long they took', async () => {
    const t = await startApp();
    try {
      const metrics = await t.http.get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toContain('text/plain');
      expect(metrics.text).toContain('process_cpu_seconds_total');
      const bot = await t.createBot();
      const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/counted', mode: 'async' });
      expect(issued.status).toBe(201);
      const path = new URL(issued.body.url).pathname;
      const accepted = () => metric(t, 'bothooks_invocations_total', { outcome: 'accepted' });
      const timed = () => metric(t, 'bothooks_invocation_duration_seconds_count', { mode: 'async' });
      const [acceptedBefore, timedBefore] = [await accepted(), await timed()];

      for (let i = 0; i < 3; i++) expect((await t.http.post(path).send({ n: i })).status).toBe(202);

      expect(await accepted()).toBe(acceptedBefore + 3);
      expect(await timed()).toBe(timedBefore + 3);
    } finally {
      await t.close();
    }
  });

  it('answers /health 503 while Postgres is unreachable and 200 again once it is back, without a restart', async () => {
    const target = process.env.TEST_DATABASE_URL!;
    const proxy = await TcpProxy.start(target);
    const t = await startApp({ DATABASE_URL: proxy.urlFor(target) });
    try {
      expect((await t.http.get('/health')).status).toBe(200);
      proxy.cut();
      const down = await t.http.get('/health');
      expect(down.status).toBe(503);
      expect(down.body.status).toEqual({ code: 503, type: 'service_unavailable', message: 'database is down' });
      // A route that needs the database answers 503 too, not 500.
      const bots = await t.http.post('/v1/bots').set(...bearer(`bh_admin_${randomBytes(32).toString('base64url')}`)).send({ name: 'x' });
      expect(bots.status).toBe(503);
      expect(bots.body.status.type).toBe('service_unavailable');
      proxy.restore();
      const up = await t.http.get('/health');
      expect(up.status).toBe(200);
      expect(up.body).toEqual({ status: 'ok', database: 'up' });
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  it('keeps embedded data across a restart, secrets included', async () => {
    const dataDir = await embeddedDataDir();
    const env = { DATABASE_URL: undefined, ENCRYPTION_KEY: undefined, DATA_DIR: dataDir };
    try {
      const first = await startApp(env);
      const bot = await first.createBot({ name: 'survivor' });
      await first.app.close();
      await first.db.end();
      const second = await startApp(env);
      try {
        const res = await second.http.get(`/v1/bots/${bot.id}`).set(...bearer(second.adminKey));
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: bot.id, name: 'survivor', signingSecret: bot.signingSecret });
        expect((await second.http.get('/v1/bots').set(...bearer(bot.apiKey))).status).toBe(403);
      } finally {
        await second.app.close();
        await second.db.end();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it.each([
    ['not base64 at all!', 'ENCRYPTION_KEY must be 32 bytes'],
    [randomBytes(16).toString('base64'), 'ENCRYPTION_KEY must be 32 bytes'],
  ])('refuses to start with ENCRYPTION_KEY=%p', async (key, message) => {
    await expect(createApp(testEnv({ ENCRYPTION_KEY: key }))).rejects.toThrow(message);
  });

  it('names every bad variable at once', async () => {
    const attempt = createApp(testEnv({ PORT: 'eighty', CIRCUIT_FAILURES: '0', WEBHOOK_IP_ALLOWLIST: '10.0.0.0/33', LOG_LEVEL: 'loud' }));
    await expect(attempt).rejects.toThrow(/PORT[\s\S]*WEBHOOK_IP_ALLOWLIST[\s\S]*LOG_LEVEL[\s\S]*CIRCUIT_FAILURES/);
  });

  it('requires ENCRYPTION_KEY with an external database', async () => {
    await expect(createApp(testEnv({ ENCRYPTION_KEY: undefined }))).rejects.toThrow('ENCRYPTION_KEY is required when DATABASE_URL is set');
  });

  it('keeps every secret out of a dump of the database', async () => {
    const t = await startApp();
    try {
      const bot = await t.createBot({ name: 'secretive' });
      const extra = await t.http.post(`/v1/bots/${bot.id}/api-keys`).set(...bearer(t.adminKey));
      const { text: dump } = await dumpDatabase(t.db);
      expect(dump).toContain(bot.id);
      for (const secret of [bot.apiKey, bot.signingSecret, bot.signingSecret.slice('whsec_'.length), extra.body.apiKey, t.adminKey]) {
        expect(dump).not.toContain(secret);
      }
      const urlKeys = await t.db.query('SELECT secret FROM url_keys WHERE bot_id = $1', [bot.id]);
      expect(urlKeys.rows[0].secret).toMatch(/^v1\./);
    } finally {
      await t.close();
    }
  });
});

/** §2 to §6 of the contract, less what is not built yet: §3.3's stream and stats, and §3.5's drop. */
const CONTRACT_ROUTES = [
  'POST /v1/bots',
  'GET /v1/bots',
  'GET /v1/bots/{id}',
  'PATCH /v1/bots/{id}',
  'DELETE /v1/bots/{id}',
  'POST /v1/bots/{id}/api-keys',
  'DELETE /v1/bots/{id}/api-keys/{keyId}',
  'POST /v1/bots/{id}/rotate-url-key',
  'POST /v1/webhooks',
  'POST /v1/webhooks/{webhookId}/revoke',
  'GET /v1/invocations',
  'GET /v1/invocations/{id}',
  'POST /v1/invocations/{id}/redeliver',
  'GET /v1/updates',
  'GET /v2/integrations/webhook',
  'POST /v2/integrations/webhook',
  'GET /v2/integrations/webhook/{id}',
  'PUT /v2/integrations/webhook/{id}',
  'DELETE /v2/integrations/webhook/{id}',
  'POST /v2/integrations/webhook/{id}/verify',
  'POST /v2/integrations/webhook/{id}/dispatch',
  'GET /v2/integrations/webhook/{id}/deliveries',
  'GET /v2/integrations/webhook/{id}/deliveries/{deliveryId}',
  'POST /v2/integrations/webhook/{id}/deliveries/{deliveryId}/retry',
  'POST /v2/responses/validate',
  'GET /health',
  'GET /metrics',
];
