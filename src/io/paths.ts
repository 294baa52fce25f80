/** Locations inside the installed package, whether run from `src/` (tests) or `dist/src/`. */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
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

/**
 * The compiled file of a worker thread: beside the calling module when it
 * runs from `dist/`, else in `dist/` at the same place (when tests run the
 * TypeScript sources). `fromModule` is the caller's `import.meta.url`,
 * `srcPath` the worker's path under the project, e.g. `src/sim/worker.js`.
 */
export function builtWorkerFile(fromModule: string, srcPath: string): string {
  const here = fileURLToPath(new URL(`./${srcPath.split('/').pop()}`, fromModule));
  if (existsSync(here)) return here;
  const built = join(PROJECT_ROOT, 'dist', srcPath);
  if (existsSync(built)) return built;
  throw new Error(`worker not built: run 'npm run build' (looked for ${here} and ${built})`);
}

/** Whether an executable `command` is in a folder of PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
