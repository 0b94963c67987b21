import type { PoolClient } from 'pg';
import { Sql } from '../../src/database/sql';
import { startApp, TestApp } from '../utils/test-app';

/** Cuts a held connection's socket under it, as a database restart or a network cut does. */
const cut = (client: PoolClient) => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();

describe('connections held outside a single query (maintenance jobs, purges, transactions)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('survive losing their connection: its queries fail, the process stays up, and the pool serves on', async () => {
    const sql = t.app.get(Sql);
    const client = await sql.connect();
    const closed = new Promise((resolve) => (client as unknown as { connection: { once(e: string, f: () => void): void } }).connection.once('end', () => resolve(true)));
    cut(client);
    // The loss is reported as an error event on the connection; without a listener it would crash the process.
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    // The lost connection went away with its release rather than back into the pool.
    const answers = await Promise.all(Array.from({ length: 12 }, () => sql.query<{ one: number }>('SELECT 1 AS one')));
    expect(answers.map(([row]) => row.one)).toEqual(Array(12).fill(1));
    expect((await t.http.get('/health')).status).toBe(200);
  });
});
