import type { Pool } from 'pg';
import { purged } from '../utils/purges';
import { createTestDatabase } from '../setup/test-database';
import { bearer, startApp, TestApp, TestBot } from '../utils/test-app';

const INVOCATIONS = 3000;
const DELIVERIES = 1000;

/** A bot with thousands of invocations, a connection with many deliveries, an issued URL. */
async function bigBot(t: TestApp): Promise<{ bot: TestBot; connectionId: string; url: string; invocationId: string }> {
  const bot = await t.createBot();
  const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/x' });
  expect(issued.status).toBe(201);
  const connection = await t.http.post('/v2/integrations/webhook').set(...bearer(t.adminKey)).send({ storyId: bot.id, name: 'Orders', url: 'http://127.0.0.1:9/' });
  expect(connection.status).toBe(201);
  const connectionId: string = connection.body.id;
  const [{ id: invocationId }] = (
    await t.db.query(
      `INSERT INTO invocations (id, webhook_id, bot_id, command, method, route, status, payload, received_at)
       SELECT gen_random_uuid(), gen_random_uuid(), $1, '/x', 'GET', 'pull', 'queued', '{}', now() FROM generate_series(1, $2)
       RETURNING id`,
      [bot.id, INVOCATIONS],
    )
  ).rows;
  await t.db.query(
    `INSERT INTO connection_deliveries (id, connection_id, bot_id, status, duration_ms, request_url, request_headers, request_body)
     SELECT gen_random_uuid(), $1, $2, 'succeeded', 1, 'http://127.0.0.1:9/', '{}', '{}' FROM generate_series(1, $3)`,
    [connectionId, bot.id, DELIVERIES],
  );
  return { bot, connectionId, url: issued.body.url, invocationId };
}

const left = async (db: Pool, botId: string, connectionId: string) => {
  const { rows } = await db.query<{ invocations: number; deliveries: number }>(
    `SELECT (SELECT count(*)::int FROM invocations WHERE bot_id = $1) AS invocations,
            (SELECT count(*)::int FROM connection_deliveries WHERE connection_id = $2) AS deliveries`,
    [botId, connectionId],
  );
  return rows[0];
};

/** `next` finishes the purges of the bot and its connection, and nothing of them is left; then it stops. */
const finishesPurge = async (next: TestApp, botId: string, connectionId: string) => {
  try {
    await purged(next.db, 'bot', botId);
    await purged(next.db, 'connection', connectionId);
    expect(await left(next.db, botId, connectionId)).toEqual({ invocations: 0, deliveries: 0 });
  } finally {
    await next.close();
  }
};

describe('Deleting a bot', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ PURGE_BATCH_SIZE: '500' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers before its rows are purged, hides everything of it at once, and purges it in the background', async () => {
    // Purge steps of 500 an hour apart: an answer that came at once cannot have waited for the purge.
    const paused = await startApp({ PURGE_BATCH_SIZE: '500', PURGE_PAUSE_MS: '3600000' });
    let bot: TestBot;
    let connectionId: string;
    try {
      let url: string;
      let invocationId: string;
      ({ bot, connectionId, url, invocationId } = await bigBot(paused));
      expect((await paused.http.delete(`/v1/bots/${bot.id}`).set(...bearer(paused.adminKey))).status).toBe(200);
      expect((await left(paused.db, bot.id, connectionId)).invocations).toBeGreaterThanOrEqual(INVOCATIONS - 500);

      expect((await paused.http.get(`/v1/bots/${bot.id}`).set(...bearer(paused.adminKey))).status).toBe(404);
      expect((await paused.http.get('/v1/invocations').set(...bearer(bot.apiKey))).status).toBe(401);
      const call = await paused.http.get(url.slice(url.indexOf('/w/')));
      expect(call.status).toBe(404);
      expect(call.body.status.reason).toBe('bot_deleted');
      expect((await paused.http.get(`/v2/integrations/webhook/${connectionId}`).set(...bearer(paused.adminKey))).status).toBe(404);
      expect((await paused.http.get(`/v1/invocations/${invocationId}`).set(...bearer(paused.adminKey))).status).toBe(404);
      const listed = await paused.http.get('/v1/invocations').query({ botId: bot.id }).set(...bearer(paused.adminKey));
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([]);
      // And on an instance that was running all along, which heard of the deletion.
      expect((await t.http.get(`/v1/bots/${bot.id}`).set(...bearer(t.adminKey))).status).toBe(404);
    } finally {
      await paused.close();
    }

    // An instance at the usual pace takes the purge up and finishes it.
    await finishesPurge(await startApp({ PURGE_BATCH_SIZE: '500' }), bot.id, connectionId);
  });

  it('resumes a purge cut short by a restart', async () => {
    // A database of its own: on the shared one another file's app would resume the purge first.
    const database = await createTestDatabase(process.env.DATABASE_URL);
    const on = { DATABASE_URL: database.url };
    const slow = await startApp({ ...on, PURGE_BATCH_SIZE: '500', PURGE_PAUSE_MS: '3600000' }, { databaseUrl: database.url });
    const { bot, connectionId } = await bigBot(slow);
    expect((await slow.http.delete(`/v1/bots/${bot.id}`).set(...bearer(slow.adminKey))).status).toBe(200);
    // The first step runs at once, then the purge pauses for an hour: close the app in the middle of it.
    while ((await left(slow.db, bot.id, connectionId)).invocations === INVOCATIONS) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await left(slow.db, bot.id, connectionId)).invocations).toBe(INVOCATIONS - 500);
    expect((await slow.db.query(`SELECT finished_at FROM purges WHERE kind = 'bot' AND target_id = $1`, [bot.id])).rows).toEqual([{ finished_at: null }]);
    await slow.close();

    try {
      await finishesPurge(await startApp(on, { databaseUrl: database.url }), bot.id, connectionId);
    } finally {
      await database.drop();
    }
  });
});
