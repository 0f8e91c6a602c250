import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from 'src/database/entities';
import { MIGRATIONS } from 'migrations';

/** One DataSource definition, shared by the app, the worker, the tests and the migration CLI. */
export function dataSourceOptions(databaseUrl: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'sla-tracker' },
  };
}
