import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | null = null;

/** The project root (the folder of package.json), found from this file in src/ or in dist/src/. */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('project root (package.json) not found');
    dir = up;
  }
  root = dir;
  return dir;
}

/** A file of the declarative config/ folder. */
export function configFile(name: string): string {
  return join(projectRoot(), 'config', name);
}
