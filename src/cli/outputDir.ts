/**
 * Where a command writes: a new directory (`results/<name>-<UTC timestamp>/`
 * by default) or a file. An existing output is refused unless --force is
 * given (results are never overwritten by accident); with --force it is
 * replaced atomically. What interrupted commands left in the folder is
 * removed first.
 */
import { dirname, join, resolve } from 'node:path';
import { removeStaleTemporaries } from '../io/atomic.js';
import { checkOutputDirectory, type ReplaceGuard } from '../io/outputs.js';

export { buildOutputDirectory, checkOutputFile } from '../io/outputs.js';

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
