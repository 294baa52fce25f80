/** Locations inside the installed package, whether run from `src/` (tests) or `dist/src/`. */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'patients'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('glucosim: cannot find the package root (package.json beside patients/)');
    dir = parent;
  }
}

export const PROJECT_ROOT = findProjectRoot();
export const PATIENTS_DIR = join(PROJECT_ROOT, 'patients');
export const SCENARIOS_DIR = join(PROJECT_ROOT, 'scenarios');

/** A path as an input file names it: absolute as given, else relative to that file's directory. */
export function besideFile(file: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}
