/**
 * Atomic results: files and run directories are written under a temporary
 * name in the same folder and renamed into place only when complete, so a
 * failed or interrupted run leaves nothing behind under the target name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * This machine in a temporary name: 8 hex digits of its host name's hash, so
 * that a results folder shared between machines (NFS, a cluster's scratch)
 * never has one machine remove another's run as stale.
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** `.<target>.<kind>-<pid>-<random>-<host>`: the process and machine that write it, for removeStaleTemporaries. */
function temporaryName(target: string, kind = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}-${HOST_TAG}`);
}

/** A temporary name's parts; the host is missing in names written before it was added. */
const TEMPORARY_NAME = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-f]{8}(?:-([0-9a-f]{8}))?$/;

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface StaleTemporary {
  readonly path: string;
  readonly pid: number;
  /** Removed, or (an output that --force was replacing when it was stopped) renamed back to its own name. */
  readonly action: 'removed' | 'restored';
}

/**
 * Remove what interrupted runs left in `folder` (a SIGKILL, a power cut: no
 * cleanup could run): temporary files and directories of this machine whose
 * process is gone. One whose process still runs, or of another machine, is
 * never touched. Returns what was removed.
 */
export function removeStaleTemporaries(folder: string): StaleTemporary[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return []; // no folder yet: nothing left behind
  }
  const removed: StaleTemporary[] = [];
  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (!match) continue;
    const [, target, kind, pidText, host] = match;
    const pid = Number(pidText);
    if ((host !== undefined && host !== HOST_TAG) || pid === process.pid || !processIsGone(pid)) continue;
    const path = join(folder, name);
    // An old output renamed aside by replaceDirectoryAtomic, whose replacement never arrived: the user's result, put back.
    if (kind === 'old' && !existsSync(join(folder, target))) {
      renameSync(path, join(folder, target));
      removed.push({ path, pid, action: 'restored' });
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    removed.push({ path, pid, action: 'removed' });
  }
  return removed;
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
 * is renamed to `target` when it returns; on error, or when `signal` was
 * aborted meanwhile, it is removed. `target` must not exist yet.
 */
export async function buildDirectoryAtomic(target: string, fill: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const created = mkdirSync(dirname(target), { recursive: true });
  const tmp = temporaryName(target);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    // Stopped (SIGINT) while the last, synchronous part of `fill` ran: nothing goes in place.
    signal?.throwIfAborted();
    // rename() would silently replace an empty directory made meanwhile.
    if (existsSync(target)) throw new Error(`${target} appeared while the run was being written; results are in no directory`);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    removeCreated(created);
    throw err;
  }
}

/**
 * Build a directory as buildDirectoryAtomic does, then put it in place of
 * `target`, which may exist (an output replaced with --force): the old one is
 * renamed aside, the new one renamed in, and only then is the old one removed,
 * so an interrupted replacement leaves the old or the new directory (the old
 * one possibly under `.<name>.old-…`), never neither.
 */
export async function replaceDirectoryAtomic(target: string, fill: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const created = mkdirSync(dirname(target), { recursive: true });
  const tmp = temporaryName(target);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    signal?.throwIfAborted();
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    removeCreated(created);
    throw err;
  }
  try {
    if (!existsSync(target)) {
      renameSync(tmp, target);
      return;
    }
    const aside = temporaryName(target, 'old');
    renameSync(target, aside);
    try {
      renameSync(tmp, target);
    } catch (err) {
      renameSync(aside, target);
      throw err;
    }
    rmSync(aside, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
