/** Where a run or an experiment writes: a new directory, `results/<name>-<UTC timestamp>/` by default. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../io/errors.js';

/** `20261122T065500Z`: sortable, and legal in every file system. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The output directory: `out` if given, else the default; refused if it exists (results are never overwritten). */
export function newOutputDirectory(out: string | undefined, name: string): string {
  const dir = resolve(out ?? join('results', `${name}-${timestamp(new Date())}`));
  if (existsSync(dir)) throw new InputError('--out', '', `${dir} already exists; choose a new directory`);
  return dir;
}
