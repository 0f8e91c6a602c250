import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export const TEMPLATE_DB = 'sla_template';

function parseEnv(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * Starts throwaway PostgreSQL and Redis (docker/services.sh) unless TEST_DATABASE_URL and
 * TEST_REDIS_URL are given, and migrates a template database that each suite clones.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.SKIP_SERVICES === '1') return;
  if (!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL) {
    const dir = mkdtempSync(join(tmpdir(), 'sla-test-'));
    execFileSync('bash', [join(__dirname, '../../docker/services.sh'), 'start', dir, 'temp'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PG_FSYNC: 'off' },
    });
    const env = parseEnv(join(dir, 'env'));
    process.env.TEST_SERVICES_DIR = dir;
    process.env.TEST_DATABASE_URL = env.DATABASE_URL;
    process.env.TEST_REDIS_URL = env.REDIS_URL;
  }
  const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const url = new URL(process.env.TEST_DATABASE_URL);
  url.pathname = `/${TEMPLATE_DB}`;
  // Global setup runs outside Jest's module mapping: migrate with the built script (npm test builds first).
  execFileSync(process.execPath, [join(__dirname, '../../dist/scripts/migrate.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DATABASE_URL: url.toString() },
  });
}
