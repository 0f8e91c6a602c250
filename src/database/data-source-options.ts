import type { DataSourceOptions } from 'typeorm';
import { TCP_KEEPALIVE_MS } from 'src/common/tcp-keepalive';
import { DEFAULT_DATABASE_POOL_SIZE } from 'src/config/app-config';
import { ENTITIES } from 'src/database/entities';
import { MIGRATIONS } from 'migrations';

/** One DataSource definition, shared by the app, the worker, the tests and the migration CLI. */
/**
 * `connectTimeoutMs`: how long node-postgres waits for a connection (a free one in the pool, or a new
 * one) before it fails the query; 0, its default, waits for ever.
 */
export function dataSourceOptions(
  databaseUrl: string,
  poolSize = DEFAULT_DATABASE_POOL_SIZE,
  connectTimeoutMs = 0,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      application_name: 'sla-tracker',
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: TCP_KEEPALIVE_MS,
    },
  };
}
