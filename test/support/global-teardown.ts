import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.TEST_SERVICES_DIR;
  if (!dir) return;
  execFileSync('bash', [join(__dirname, '../../docker/services.sh'), 'stop', dir], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
}
