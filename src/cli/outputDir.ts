/**
 * Where a command writes: a new directory (`results/<name>-<UTC timestamp>/`
 * by default) or a file. An existing output is refused unless --force is
 * given (results are never overwritten by accident); with --force it is
 * replaced atomically. What interrupted commands left in the folder is
 * removed first.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { removeStaleTemporaries } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { alreadyExists, checkOutputDirectory, type ReplaceGuard } from '../io/outputDirectory.js';

export { buildOutputDirectory } from '../io/outputDirectory.js';

/** The `--force` option of every command that writes an output. */
export const FORCE_OPTION = { type: 'boolean', default: false, describe: 'replace an existing output of the same command' } as const;

/** `20261122T065500Z`: sortable, and legal in every file system. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * The output directory: `out` if given, else the default. An existing one is
 * refused unless `force`, and with it unless it is safe to replace
 * (checkOutputDirectory: an output of this kind, by its `guard.marker`).
 */
export function newOutputDirectory(out: string | undefined, name: string, force: boolean | undefined, guard: ReplaceGuard): string {
  const dir = resolve(out ?? join('results', `${name}-${timestamp(new Date())}`));
  // First, so that an output put back from an interrupted --force is seen by the check.
  reportStaleTemporaries(dir);
  checkOutputDirectory(dir, force ?? false, guard);
  return dir;
}

/**
 * Before a command writes into `out`'s folder: remove the temporary output
 * of earlier commands there whose process is gone (a SIGKILL, a power cut),
 * saying so on stderr.
 */
export function reportStaleTemporaries(out: string, stream: NodeJS.WritableStream = process.stderr): void {
  for (const stale of removeStaleTemporaries(dirname(out))) {
    if (stale.action === 'failed') {
      stream.write(`glucosim: warning: could not remove ${stale.path}, left by process ${stale.pid}, which is gone: ${stale.error}\n`);
      continue;
    }
    const what = stale.action === 'restored' ? 'restored the output that --force was replacing' : 'removed the temporary output';
    stream.write(`glucosim: ${what} ${stale.path}, left by process ${stale.pid}, which is gone (an interrupted run)\n`);
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
  for (const input of inputs) {
    if (existsSync(input) && realpathSync(input) === realpathSync(path)) throw new InputError(option, '', `${path} is the input ${input}; --force does not replace it`);
  }
}
