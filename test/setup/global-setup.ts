import { randomBytes } from 'node:crypto';
import { createTemplate, createTestDatabase, TestDatabase } from './test-database';

declare global {
  var testDatabase: TestDatabase | undefined;
  var dropTemplate: (() => Promise<void>) | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dropTemplate = await createTemplate(process.env.DATABASE_URL);
  globalThis.dropTemplate = dropTemplate;
  // Jest runs no teardown after a setup that failed: what the setup made so far goes with it.
  const database = await createTestDatabase(process.env.DATABASE_URL).catch(async (error) => {
    await dropTemplate();
    throw error;
  });
  globalThis.testDatabase = database;
  // Workers inherit these: every app a test starts uses this database and these keys.
  process.env.TEST_DATABASE_URL = database.url;
  process.env.TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  process.env.TEST_ADMIN_API_KEY = `bh_admin_${randomBytes(32).toString('base64url')}`;
}
