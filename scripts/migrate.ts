import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from 'src/config/app-config';
import { dataSourceOptions } from 'src/database/data-source-options';

/** Runs pending migrations against DATABASE_URL (demo, tests, deployments: `node dist/scripts/migrate.js`). */
async function main() {
  const config = loadConfig({ JWT_SECRET: 'migrations-need-no-secret-'.padEnd(32, 'x'), ...process.env });
  const ds = new DataSource(dataSourceOptions(config.DATABASE_URL, 2));
  await ds.initialize();
  const ran = await ds.runMigrations();
  await ds.destroy();
  process.stdout.write(`migrations: ${ran.length ? ran.map((m) => m.name).join(', ') : 'none pending'}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
