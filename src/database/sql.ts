import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/**
 * Plain SQL on TypeORM's own pg pool, for hot paths where an ORM round trip costs too much. Named
 * statements are prepared once per connection and reused.
 */
@Injectable()
export class Sql implements OnModuleInit {
  // The embedded database (PGlite) serves every socket connection from one session, so a statement one
  // connection prepared is "already exists" to the next: there, statements go unnamed.
  private namedStatements = true;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const [{ version }] = await this.query<{ version: string }>('SELECT version()');
    this.namedStatements = !version.includes('PGlite');
  }

  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<T extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<T[]> {
    const result = await this.pool.query<T>(name && this.namedStatements ? { name, text, values } : { text, values });
    return result.rows;
  }
}
