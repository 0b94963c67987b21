import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';

export interface TestBot {
  id: string;
  apiKey: string;
  signingSecret: string;
  name: string;
}

export interface TestApp {
  app: INestApplication;
  /** Base URL of the app listening on 127.0.0.1. */
  url: string;
  http: TestAgent;
  adminKey: string;
  /** A direct connection to the same database, for asserting what landed there. */
  db: Pool;
  createBot(body?: Record<string, unknown>): Promise<TestBot>;
  close(): Promise<void>;
}

/** The environment every test app gets unless a test overrides it (`undefined` removes a variable). */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    ENCRYPTION_KEY: process.env.TEST_ENCRYPTION_KEY,
    ADMIN_API_KEY: process.env.TEST_ADMIN_API_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    PORT: '0',
    ...overrides,
  };
}

let envLock: Promise<unknown> = Promise.resolve();

/**
 * Runs fn with process.env changed as given, restoring it afterwards. The app reads its configuration
 * from process.env while it boots, so boots are serialized: two apps started at once would see each
 * other's settings.
 */
export function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const run = envLock.then(() => applyEnv(env, fn));
  envLock = run.catch(() => undefined);
  return run;
}

async function applyEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Boots the real AppModule, exactly as main() does, on the test database. */
export async function startApp(overrides: Record<string, string | undefined> = {}): Promise<TestApp> {
  const env = testEnv(overrides);
  const { app } = await withEnv(env, () => createApp());
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const http = request(app.getHttpServer());
  const db = new Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 2 });
  const adminKey = env.ADMIN_API_KEY!;
  return {
    app,
    url,
    http,
    adminKey,
    db,
    async createBot(body = {}) {
      const name = `bot ${Math.random().toString(36).slice(2, 8)}`;
      const res = await http.post('/v1/bots').set('authorization', `Bearer ${adminKey}`).send({ name, ...body });
      if (res.status !== 201) throw new Error(`creating a bot failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, apiKey: res.body.apiKey, signingSecret: res.body.signingSecret, name: res.body.name };
    },
    async close() {
      await db.end();
      await app.close();
    },
  };
}

export const bearer = (key: string): [string, string] => ['authorization', `Bearer ${key}`];
