import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ConfigType } from '../config/section';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { databaseConfig } from '../config/database.config';
import { securityConfig } from '../config/security.config';
import { SecretBox } from '../common/secret-box';
import { dataSourceOptions } from './data-source-options';
import type { EmbeddedPostgres } from './embedded-postgres';
import { loadOrCreateKeyFile } from './encryption-key';
import { underSchemaLock } from './schema-lock';
import { Sql } from './sql';

/** Where Postgres is: DATABASE_URL, or the embedded one started here when it is unset. */
@Injectable()
export class DatabaseLocation implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private embedded: EmbeddedPostgres | undefined;
  url: string;

  constructor(
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
    private readonly moduleRef: ModuleRef,
  ) {}

  get isEmbedded(): boolean {
    return this.config.url === undefined;
  }

  async start(): Promise<void> {
    if (this.config.url !== undefined) {
      this.url = this.config.url;
      return;
    }
    // Loaded only here: with DATABASE_URL, PGlite's code would be a few MB of heap for nothing, and every
    // MB the heap keeps lets V8 grow it by several more under load.
    const { EmbeddedPostgres } = await import('./embedded-postgres');
    this.embedded = await EmbeddedPostgres.start(this.config.dataDir);
    this.url = this.embedded.url;
    this.logger.log(`embedded Postgres serving ${this.config.dataDir}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.embedded) return;
    // The pool must be closed before the server under it goes away.
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource?.isInitialized) await dataSource.destroy();
    await this.embedded.stop();
    this.embedded = undefined;
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DatabaseLocation,
      inject: [databaseConfig.KEY, ModuleRef],
      useFactory: async (config: ConfigType<typeof databaseConfig>, moduleRef: ModuleRef) => {
        const location = new DatabaseLocation(config, moduleRef);
        await location.start();
        return location;
      },
    },
  ],
  exports: [DatabaseLocation],
})
class DatabaseLocationModule {}

@Global()
@Module({
  imports: [
    DatabaseLocationModule,
    TypeOrmModule.forRootAsync({
      inject: [DatabaseLocation],
      useFactory: (location: DatabaseLocation) => dataSourceOptions(location.url, location.isEmbedded ? 8 : 20),
      // Migrations run once the pool is up, under the schema lock, so instances booting together wait in turn.
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        try {
          await underSchemaLock((dataSource.driver as unknown as { master: Pool }).master, () => dataSource.runMigrations());
        } catch (error) {
          await dataSource.destroy().catch(() => undefined);
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [
    Sql,
    {
      provide: SecretBox,
      inject: [securityConfig.KEY, databaseConfig.KEY],
      useFactory: (security: ConfigType<typeof securityConfig>, database: ConfigType<typeof databaseConfig>) =>
        new SecretBox(security.encryptionKey ?? loadOrCreateKeyFile(database.dataDir)),
    },
  ],
  exports: [SecretBox, Sql, DatabaseLocationModule],
})
export class DatabaseModule {}
