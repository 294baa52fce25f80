/**
 * An output (directory or file) that may already exist: refused unless the
 * user asks to replace it (--force), and even then only when it is safe to
 * remove. A directory: an output of the same kind (it holds the command's
 * own `marker`) or an empty one, which holds neither the current directory
 * nor any of the command's inputs (`--out results --force`, `--out .
 * --force`, or an output that holds the records being learned from are
 * refused, naming why). A file: never one of the command's inputs.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { buildDirectoryAtomic, replaceDirectoryAtomic } from './atomic.js';
import { InputError } from './errors.js';

export interface ReplaceGuard {
  /** A file or folder (path relative to the directory) that every output of this kind holds and no other does, e.g. a run's `traces`. */
  readonly marker: string;
  /** Other files or folders, any one of which also marks an output of this kind (a run without traces has its summary.json). */
  readonly otherMarkers?: readonly string[];
  /** Files that mark another command's output, which is refused even when it holds one of the markers (an experiment's table1.csv beside its summary.json). */
  readonly foreignMarkers?: readonly string[];
  /** The command's input files and directories: an output that holds one is never replaced. */
  readonly inputs?: readonly string[];
}

/** The one refusal of an existing output: it names the path and --force. */
function alreadyExists(path: string, option: string): InputError {
  return new InputError(option, '', `${path} already exists; choose another path or give --force to replace it`);
}

/** The path with symlinks resolved as far as it exists (`/tmp/x` on macOS is `/private/tmp/x`). */
function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

/** Whether `inner` is `outer` or lies inside it (both real paths). */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

/**
 * Check, before any work, that `dir` may be written: absent, or (with
 * `force`) an existing directory that is safe to replace (see above).
 */
export function checkOutputDirectory(dir: string, force: boolean, guard: ReplaceGuard, option = '--out'): void {
  if (!existsSync(dir)) {
    // A file where a parent folder must be would otherwise surface as mkdir's EEXIST ("file already exists").
    for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
      if (!existsSync(parent)) continue;
      if (!statSync(parent).isDirectory()) throw new InputError(option, '', `${dir}: ${parent} is a file, not a folder`);
      break;
    }
    return;
  }
  if (!force) throw alreadyExists(dir, option);
  if (!statSync(dir).isDirectory()) throw new InputError(option, '', `${dir} is a file, not a directory; --force replaces a directory only`);
  const real = realPath(dir);
  if (within(realPath(process.cwd()), real)) throw new InputError(option, '', `${dir} holds the current directory; --force does not replace it`);
  for (const input of guard.inputs ?? []) {
    if (within(realPath(input), real)) throw new InputError(option, '', `${dir} holds the input ${input}; --force does not replace it`);
  }
  if (readdirSync(dir).length > 0 && ![guard.marker, ...(guard.otherMarkers ?? [])].some((m) => existsSync(join(dir, m)))) {
    throw new InputError(option, '', `${dir} is not an output of this command (it has no ${guard.marker}); --force replaces only those, or an empty directory`);
  }
  const foreign = guard.foreignMarkers?.find((m) => existsSync(join(dir, m)));
  if (foreign !== undefined) {
    throw new InputError(option, '', `${dir} is not an output of this command (it has ${foreign}, another command's); --force replaces only those, or an empty directory`);
  }
}

/**
 * Check an output file before anything is computed: a directory is refused,
 * an existing file unless `force` (it is then replaced by an atomic write),
 * and never one of the command's `inputs`, even with `force`.
 */
export function checkOutputFile(path: string, force = false, option = '--out', inputs: readonly string[] = []): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) throw new InputError(option, '', `${path} is a directory; give a file name`);
  if (!force) throw alreadyExists(resolve(path), option);
  const real = realPath(path);
  for (const input of inputs) {
    if (realPath(input) === real) throw new InputError(option, '', `${path} is the input ${input}; --force does not replace it`);
  }
}

/** Write an output directory atomically; with `force`, in place of an existing one (checked by checkOutputDirectory). */
export function buildOutputDirectory(dir: string, force: boolean | undefined, fill: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  return force ? replaceDirectoryAtomic(dir, fill, signal) : buildDirectoryAtomic(dir, fill, signal);
}
