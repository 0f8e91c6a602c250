import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from 'src/config/app-config';
import { dataSourceOptions } from 'src/database/data-source-options';

/** The DataSource of the TypeORM CLI (`npm run migration:run|revert|generate`). */
export default new DataSource(
  dataSourceOptions(loadConfig({ JWT_SECRET: 'x'.repeat(32), ...process.env }).DATABASE_URL),
);
