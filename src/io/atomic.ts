/**
 * Atomic results: files and run directories are written under a temporary
 * name in the same folder and renamed into place only when complete, so a
 * failed or interrupted run leaves nothing behind under the target name.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function temporaryName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file atomically (temp file in the same directory, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Build a directory atomically: `fill` writes into a temporary directory that
 * is renamed to `target` when it returns; on error it is removed.
 * `target` must not exist yet.
 */
export async function buildDirectoryAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = temporaryName(target);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
