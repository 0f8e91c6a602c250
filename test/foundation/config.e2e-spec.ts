import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');

describe('start-up with bad configuration', () => {
  it.each([
    ['src/main.js', 'api'],
    ['src/worker.js', 'worker'],
  ])('the %s process refuses to start and names each bad variable', (entry) => {
    const res = spawnSync(process.execPath, [join(root, 'dist', entry)], {
      env: { PATH: process.env.PATH, PORT: '99999', JWT_SECRET: 'short', REDIS_URL: 'http://x' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/Invalid configuration/);
    expect(res.stderr).toMatch(/PORT:/);
    expect(res.stderr).toMatch(/JWT_SECRET:/);
    expect(res.stderr).toMatch(/REDIS_URL:/);
    expect(res.stderr).not.toMatch(/DATABASE_URL:/);
  });
});
