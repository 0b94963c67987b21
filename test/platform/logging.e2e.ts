import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../setup/test-database';
import { bearer, startApp } from '../utils/test-app';

/** The app's JSON log, line by line, as an operator's log collector would read it. */
class LogCapture {
  readonly lines: Record<string, any>[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line) this.lines.push(JSON.parse(line));
  }

  messages(): string[] {
    return this.lines.map((line) => String(line.msg));
  }
}

describe('logging', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(process.env.DATABASE_URL);
  }, 60_000);
  afterAll(async () => {
    await database.drop();
  });

  it('prints a generated admin key on the first start without ADMIN_API_KEY, and not on the second', async () => {
    const env = { DATABASE_URL: database.url, ADMIN_API_KEY: undefined, LOG_LEVEL: 'info' };
    const first = new LogCapture();
    const t1 = await startApp(env, { log: first });
    await t1.close();
    const printed = first.messages().filter((msg) => msg.includes('generated an admin key'));
    expect(printed).toHaveLength(1);
    const key = /(bh_admin_[A-Za-z0-9_-]+)/.exec(printed[0])![1];

    const second = new LogCapture();
    const t2 = await startApp(env, { log: second });
    try {
      expect(second.messages().some((msg) => msg.includes('bh_admin_'))).toBe(false);
      // The key printed once is the database's admin key, and still works.
      expect((await t2.http.get('/v1/bots').set(...bearer(key))).status).toBe(200);
      const pool = new Pool({ connectionString: database.url, max: 1 });
      try {
        expect((await pool.query(`SELECT count(*)::int AS n FROM api_keys WHERE kind = 'admin'`)).rows[0].n).toBe(1);
      } finally {
        await pool.end();
      }
    } finally {
      await t2.close();
    }
  });

  it('writes one JSON line per request, carrying the id echoed in x-request-id', async () => {
    const log = new LogCapture();
    const t = await startApp({ LOG_LEVEL: 'info' }, { log });
    let closed = false;
    try {
      const given = await t.http.get('/health').set('x-request-id', 'trace-me-42');
      expect(given.headers['x-request-id']).toBe('trace-me-42');
      const minted = await t.http.get('/v1/bots');
      expect(minted.status).toBe(401);
      const id = minted.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      // Closing waits for the sockets, so every request's line is written by then.
      await t.close();
      closed = true;

      const requests = log.lines.filter((line) => line.req);
      expect(requests.map((line) => line.req.id)).toEqual(['trace-me-42', id]);
      expect(requests[0]).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', path: '/health' }, res: { statusCode: 200 } });
      expect(requests[1]).toMatchObject({ level: 40, msg: 'request completed', req: { method: 'GET', path: '/v1/bots' }, res: { statusCode: 401 } });
    } finally {
      if (!closed) await t.close();
    }
  });
});
