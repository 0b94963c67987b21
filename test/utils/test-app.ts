import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Pool } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { applicationOptions, configureApp } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { BoundedExpressAdapter } from '../../src/common/http-server';
import { createLogger, NestPinoLogger } from '../../src/common/logger';
import { readConfiguration } from '../../src/config/configuration';
import { createTestDatabase } from '../setup/test-database';

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

export interface StartOptions {
  /** Receives the app's JSON log lines (give LOG_LEVEL too: the tests' default is silent). */
  log?: DestinationStream;
  /** Where `db` connects: the run's shared test database unless the app was given one of its own. */
  databaseUrl?: string;
}

/**
 * Boots the real AppModule through @nestjs/testing, configured by the same function as production's
 * createApp, on the test database. The configuration is read from the environment given here, never
 * from process.env, so apps with different settings can run side by side.
 */
export async function startApp(overrides: Record<string, string | undefined> = {}, options: StartOptions = {}): Promise<TestApp> {
  const env = testEnv(overrides);
  const config = readConfiguration(env);
  const logger = createLogger(config.app.logLevel, options.log);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .setLogger(new NestPinoLogger(logger))
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(new BoundedExpressAdapter(config.http), applicationOptions(logger));
  await configureApp(app, config, logger);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const http = request(app.getHttpServer());
  const db = new Pool({ connectionString: options.databaseUrl ?? process.env.TEST_DATABASE_URL, max: 2 });
  // The pool's end() resolves before its connections have closed, so a database dropped WITH (FORCE) right
  // after can end one of them mid-close, which the pool reports as an error of an idle connection. That is
  // no failure of a test: a query that fails still rejects on its own.
  db.on('error', () => undefined);
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

/**
 * An app on a fresh database of its own. Every app of a run on the shared database serves the same job
 * queue, so another file's app may take up this one's background deliveries and then stop with them in
 * hand (they resume only once their jobs expire); a test that times the background work, or that cuts its
 * app off the database while jobs are about, starts here instead.
 */
export async function startAppAlone(
  overrides: Record<string, string | undefined> = {},
  /** The URL the app is to connect by (through a proxy, say), given its database's. */
  route: (url: string) => string | Promise<string> = (url) => url,
): Promise<TestApp> {
  const database = await createTestDatabase(process.env.DATABASE_URL);
  try {
    const t = await startApp({ ...overrides, DATABASE_URL: await route(database.url) }, { databaseUrl: database.url });
    return {
      ...t,
      async close() {
        await t.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

export const bearer = (key: string): [string, string] => ['authorization', `Bearer ${key}`];
