/**
 * Where a command writes: a new directory (`results/<name>-<UTC timestamp>/`
 * by default) or a file. An existing output is refused unless --force is
 * given (results are never overwritten by accident); with --force it is
 * replaced atomically.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { buildDirectoryAtomic, replaceDirectoryAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';

/** The `--force` option of every command that writes an output. */
export const FORCE_OPTION = { type: 'boolean', default: false, describe: 'replace an existing output (atomically)' } as const;

/** `20261122T065500Z`: sortable, and legal in every file system. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The one refusal of an existing output: it names the path and --force. */
function alreadyExists(path: string, option: string): InputError {
  return new InputError(option, '', `${path} already exists; choose another path or give --force to replace it`);
}

/**
 * The output directory: `out` if given, else the default. An existing one is
 * refused unless `force`; even then a file, or a directory holding the
 * current directory (`--out .`), is not replaced.
 */
export function newOutputDirectory(out: string | undefined, name: string, force = false): string {
  const dir = resolve(out ?? join('results', `${name}-${timestamp(new Date())}`));
  if (!existsSync(dir)) return dir;
  if (!force) throw alreadyExists(dir, '--out');
  if (!statSync(dir).isDirectory()) throw new InputError('--out', '', `${dir} is a file, not a directory; --force replaces a directory only`);
  const cwd = relative(dir, process.cwd());
  if (cwd === '' || (!cwd.startsWith('..') && !isAbsolute(cwd))) throw new InputError('--out', '', `${dir} holds the current directory; --force does not replace it`);
  return dir;
}

/** Write the output directory atomically (newOutputDirectory's); with `force`, in place of an existing one. */
export function buildOutputDirectory(dir: string, force: boolean | undefined, fill: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  return force ? replaceDirectoryAtomic(dir, fill, signal) : buildDirectoryAtomic(dir, fill, signal);
}

/**
 * Check an output file before anything is computed: a directory is refused,
 * an existing file unless `force` (it is then replaced by an atomic write).
 */
export function checkOutputFile(path: string, force = false, option = '--out'): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) throw new InputError(option, '', `${path} is a directory; give a file name`);
  if (!force) throw alreadyExists(resolve(path), option);
}
