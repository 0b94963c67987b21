import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import type { migrations as allMigrations } from '../../src/database/migrations';
import { EMBEDDED_TEMPLATE, startBareEmbedded } from './embedded-template';

type MigrationList = typeof allMigrations;

/**
 * One fresh database per test run: a new `bothooks_test_…` database on the server in DATABASE_URL,
 * or, with no DATABASE_URL, an embedded Postgres in a temporary folder. Never anything else.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * `migrations`: run only these (a prefix of the list), and leave out pg-boss's schema. With all of them, a
 * fresh database is a copy of the run's template (see createTemplate) when there is one: migrating anew
 * costs about 0.5 s of a server's CPU, and 4-7 s of CPU for an embedded one, most of it PGlite's initdb.
 */
export async function createTestDatabase(serverUrl: string | undefined, migrations?: MigrationList): Promise<TestDatabase> {
  if (!serverUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'bothooks-test-'));
    const template = migrations ? undefined : process.env.TEST_TEMPLATE_DIR;
    if (template) cpSync(template, dir, { recursive: true });
    // Several test apps share this server, each with its own pool; leave them room.
    const embedded = await EmbeddedPostgres.start(dir, 64);
    if (!template) await migrate(embedded.url, migrations);
    return {
      url: embedded.url,
      drop: async () => {
        await embedded.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `bothooks_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const template = migrations ? undefined : process.env.TEST_TEMPLATE_DATABASE;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  assertTestDatabase(url.toString());
  if (!template) await migrate(url.toString(), migrations);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A database migrated once for the run, which nothing connects to: the server's database that
 * `CREATE DATABASE … TEMPLATE` copies, or the files of a stopped embedded one. It sets the variables
 * createTestDatabase and embeddedDataDir read, which the run's workers inherit; resolves to what removes it.
 * On a server, the embedded template is a bare one, still being made while the first tests run.
 */
export async function createTemplate(serverUrl: string | undefined): Promise<() => Promise<void>> {
  if (serverUrl) {
    const embedded = startBareEmbedded();
    const database = await createTestDatabase(serverUrl).catch((error) => {
      embedded.remove();
      throw error;
    });
    process.env.TEST_TEMPLATE_DATABASE = new URL(database.url).pathname.slice(1);
    process.env[EMBEDDED_TEMPLATE] = embedded.dir;
    return async () => {
      embedded.remove();
      await database.drop();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bothooks-template-'));
  const embedded = await EmbeddedPostgres.start(dir);
  try {
    await migrate(embedded.url);
  } finally {
    await embedded.stop();
  }
  process.env.TEST_TEMPLATE_DIR = dir;
  process.env[EMBEDDED_TEMPLATE] = dir;
  return async () => rmSync(dir, { recursive: true, force: true });
}

/** Tests create and delete freely, so they refuse any database whose name does not say "test". */
export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.slice(1);
  if (!name.includes('test')) throw new Error(`refusing to run tests against database "${name}"`);
}

/**
 * Our migrations, and pg-boss's schema as the first start would leave it: test apps boot side by side, and
 * two pg-boss instances installing their schema at once on a fresh database race in Postgres's catalog.
 */
export async function migrate(url: string, migrations?: MigrationList): Promise<void> {
  const dataSource = new DataSource({ ...dataSourceOptions(url, 2), ...(migrations && { migrations }) });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    if (!migrations) await dataSource.query(PgBoss.getConstructionPlans('pgboss'));
  } finally {
    await dataSource.destroy();
  }
}
