import { randomBytes } from 'node:crypto';
import { createTestDatabase, TestDatabase } from './test-database';

declare global {
  var testDatabase: TestDatabase | undefined;
  var templateDatabase: TestDatabase | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    // Migrated once and never connected to, so that every fresh database of the run is a copy of it.
    const template = await createTestDatabase(process.env.DATABASE_URL);
    globalThis.templateDatabase = template;
    process.env.TEST_TEMPLATE_DATABASE = new URL(template.url).pathname.slice(1);
  }
  const database = await createTestDatabase(process.env.DATABASE_URL);
  globalThis.testDatabase = database;
  // Workers inherit these: every app a test starts uses this database and these keys.
  process.env.TEST_DATABASE_URL = database.url;
  process.env.TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  process.env.TEST_ADMIN_API_KEY = `bh_admin_${randomBytes(32).toString('base64url')}`;
}
