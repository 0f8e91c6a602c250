import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TEMPLATE_DB } from './global-setup';

export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');
export const ADMIN = { username: 'admin', password: 'admin-password-1' };

/** A fresh database cloned from the migrated template: each suite owns its data. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set: run the suites through `npm test`');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The environment of an app or worker under test; a unique queue prefix isolates its jobs in the shared Redis. */
export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    // A request's wait for a connection depends on the machine's speed: the suites do not bound it
    // (test/foundation/database-unavailable.e2e-spec.ts sets its own bound and tests the 503).
    DATABASE_POOL_TIMEOUT_MS: '0',
    REDIS_URL: process.env.TEST_REDIS_URL ?? '',
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    HEARTBEAT_CRON: 'off',
    SLA_SCAN_CRON: 'off',
    SWEEP_CRON: 'off',
    REPORTS_COMPACT_CRON: 'off',
    PORTAL_SYNC_CRON: 'off',
    // Tests edit the calendar on one instance and read it on another at once.
    CALENDAR_CACHE_MS: '0',
    CATALOGUE_CACHE_MS: '0',
    ...overrides,
  };
}

let applied: string[] = [];

/**
 * Sets the environment for an in-process app (configuration reads process.env once, at creation).
 * Variables an earlier call set and this one does not name are removed: an override given to one
 * app of a suite (say TRUST_PROXY) must not carry over to the next app the suite starts.
 */
export function applyEnv(env: Record<string, string>): void {
  for (const k of applied) if (!(k in env)) delete process.env[k];
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  applied = Object.keys(env);
}
