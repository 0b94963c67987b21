import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/**
 * For statements written to read a page as a range of an index in its order (lists, the pull queue). Left
 * to itself, the planner reads what it expects to be few rows with a bitmap scan and sorts them, which is
 * fast only while the estimate is right: on a wrong one it sorts a whole backlog. Without sorts and bitmap
 * scans, the one way left to a page is down its index. Where a sort cannot be avoided (a page of a few
 * rows, sorted again), the planner still makes it, at a cost so high that it would compile the statement
 * (JIT) for longer than the statement takes: hence jit off. Such a plan does not hang on the values, and
 * planning one over every day partition costs more than running it (a bot's list: about 20 ms against 2),
 * so a named statement is planned once per connection, for any values: force_generic_plan. A generic plan
 * takes a `LIMIT $n` for a tenth of what it limits, so the pull queue's take, which stamps the page it took
 * by joining it back to the table, saw a page of 50,000 rows in a backlog of 500,000 and hashed the whole
 * day partition for it (600 ms a take): without hash and merge joins, a page is joined to its rows by their
 * keys. SET LOCAL, so the settings end with the statement's transaction.
 */
export const INDEX_ORDER =
  'SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_generic_plan';
export const NO_JIT = 'SET LOCAL jit = off';

/**
 * Plain SQL on TypeORM's own pg pool, for hot paths where an ORM round trip costs too much. Named
 * statements are prepared once per connection and reused.
 */
@Injectable()
export class Sql implements OnModuleInit {
  // The embedded database (PGlite) serves every socket connection from one session, so a statement one
  // connection prepared is "already exists" to the next: there, statements go unnamed.
  private namedStatements = true;
  /** Whether the database is the embedded one (PGlite): one session for every connection. */
  embedded = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const [{ version }] = await this.query<{ version: string }>('SELECT version()');
    this.embedded = version.includes('PGlite');
    this.namedStatements = !this.embedded;
  }

  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /**
   * A connection of the pool, held until released. The pool listens for errors only on its idle
   * connections: one lost while held (the database restarted, the network cut) would be an unhandled error
   * event and take the process down. Here its queries fail instead, and release discards it.
   */
  async connect(): Promise<PoolClient> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    const release = client.release.bind(client);
    client.release = (error?: Error | boolean) => {
      client.off('error', onError);
      release(error || lost);
    };
    return client;
  }

  async query<T extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<T[]> {
    const result = await this.pool.query<T>(name && this.namedStatements ? { name, text, values } : { text, values });
    return result.rows;
  }

  /** A statement that reads a page of rows in the order of an index: see INDEX_ORDER. */
  queryInIndexOrder<T extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<T[]> {
    return this.queryWith(INDEX_ORDER, text, values, name);
  }

  /**
   * A statement whose cost the planner overestimates by orders of magnitude (a range scan per row of a
   * generate_series, which it takes for a thousand rows), and would compile (JIT) for far longer than it runs.
   */
  queryWithoutJit<T extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<T[]> {
    return this.queryWith(NO_JIT, text, values, name);
  }

  private queryWith<T extends QueryResultRow>(settings: string, text: string, values: unknown[], name: string | undefined): Promise<T[]> {
    return this.transaction(settings, async (client) => (await client.query<T>(name && this.namedStatements ? { name, text, values } : { text, values })).rows);
  }

  /** `work` in one transaction on a held connection, begun with `settings` (SET LOCAL …, or ''). */
  async transaction<T>(settings: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query(`BEGIN; ${settings}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
