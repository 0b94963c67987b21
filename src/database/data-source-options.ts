import type { DataSourceOptions } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';

/** The one place that says how bothooks talks to Postgres; the app and the TypeORM CLI both use it. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      // Fail fast instead of hanging when Postgres is unreachable: callers get a 503 in seconds.
      connectionTimeoutMillis: 5000,
      query_timeout: 15000,
      keepAlive: true,
      application_name: 'bothooks',
    },
  };
}
