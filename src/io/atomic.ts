/**
 * Atomic results: files and run directories are written under a temporary
 * name in the same folder and renamed into place only when complete, so a
 * failed or interrupted run leaves nothing behind under the target name.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function temporaryName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Undo a `mkdirSync(…, {recursive: true})`: remove the first directory it created (and what it holds). */
function removeCreated(created: string | undefined): void {
  if (created !== undefined) rmSync(created, { recursive: true, force: true });
}

/**
 * Write a file atomically (temp file in the same directory, then rename).
 * Missing parent directories are created, and removed again if the write fails.
 * `mode` (e.g. 0o600 for a secret key) is given to the temporary file when it
 * is created, so the content is never readable by others, not even briefly.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { readonly mode?: number } = {}): void {
  const created = mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryName(path);
  try {
    writeFileSync(tmp, data, options.mode === undefined ? {} : { mode: options.mode, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    removeCreated(created);
    throw err;
  }
}

/**
 * Build a directory atomically: `fill` writes into a temporary directory that
 * is renamed to `target` when it returns; on error it is removed.
 * `target` must not exist yet.
 */
export async function buildDirectoryAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const created = mkdirSync(dirname(target), { recursive: true });
  const tmp = temporaryName(target);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    // rename() would silently replace an empty directory made meanwhile.
    if (existsSync(target)) throw new Error(`${target} appeared while the run was being written; results are in no directory`);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    removeCreated(created);
    throw err;
  }
}
