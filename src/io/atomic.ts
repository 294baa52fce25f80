/**
 * Atomic results: files and run directories are written under a temporary
 * name in the same folder and renamed into place only when complete, so a
 * failed or interrupted run leaves nothing behind under the target name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * This machine in a temporary name: 8 hex digits of a hash of its host name
 * and (on Linux) its pid namespace, so that neither another machine sharing
 * the results folder (NFS, a cluster's scratch) nor a container of the same
 * host name with pids of its own ever has this process remove its run as
 * stale: a pid is only meaningful within its namespace.
 */
export const MACHINE_TAG = createHash('sha256').update(`${hostname()}\n${pidNamespace()}`).digest('hex').slice(0, 8);

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid'); // e.g. pid:[4026531836]; the host's initial namespace is a fixed number
  } catch {
    return ''; // not Linux: the host name alone
  }
}

/** `.<target>.<kind>-<pid>-<random>-<host>`: the process and machine that write it, for removeStaleTemporaries. */
function temporaryName(target: string, kind = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}-${MACHINE_TAG}`);
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
  /**
   * Removed; restored (an output that --force was replacing when it was
   * stopped, renamed back to its own name); or left, because removing it
   * failed (`error`: someone else's directory, a concurrent cleanup).
   */
  readonly action: 'removed' | 'restored' | 'failed';
  readonly error?: string;
}

/**
 * Remove what interrupted runs left in `folder` (a SIGKILL, a power cut: no
 * cleanup could run): temporary files and directories of this machine whose
 * process is gone. One whose process still runs, or of another machine, is
 * never touched; names without a machine tag (written by glucosim before it
 * had one) count as this machine's. A failure to remove one is reported, not
 * thrown: someone else's leftovers must not stop this run. Returns what was
 * done.
 */
export function removeStaleTemporaries(folder: string): StaleTemporary[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return []; // no folder yet: nothing left behind
  }
  const done: StaleTemporary[] = [];
  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (!match) continue;
    const [, target, kind, pidText, host] = match;
    const pid = Number(pidText);
    if ((host !== undefined && host !== MACHINE_TAG) || pid === process.pid || !processIsGone(pid)) continue;
    const path = join(folder, name);
    try {
      // An old output renamed aside by replaceDirectoryAtomic, whose replacement never arrived: the user's result, put back.
      if (kind === 'old' && !existsSync(join(folder, target))) {
        renameSync(path, join(folder, target));
        done.push({ path, pid, action: 'restored' });
      } else {
        rmSync(path, { recursive: true, force: true });
        done.push({ path, pid, action: 'removed' });
      }
    } catch (err) {
      done.push({ path, pid, action: 'failed', error: err instanceof Error ? err.message : String(err) });
    }
  }
  return done;
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
 * Make a temporary directory beside `target` and let `fill` write into it;
 * on error, or when `signal` was aborted meanwhile (a SIGINT while the last,
 * synchronous part of `fill` ran), remove it and any parent it created.
 */
async function filledTemporary(target: string, fill: (dir: string) => Promise<void>, signal: AbortSignal | undefined): Promise<{ tmp: string; created: string | undefined }> {
  const created = mkdirSync(dirname(target), { recursive: true });
  const tmp = temporaryName(target);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    if (signal) {
      // A signal that came while the last, synchronous part of `fill` ran
      // (the report) is delivered on the next turn of the event loop, not
      // before: wait for that turn, so it stops the command before the rename.
      await new Promise((turn) => setImmediate(turn));
      signal.throwIfAborted();
    }
    return { tmp, created };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
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
  const { tmp, created } = await filledTemporary(target, fill, signal);
  try {
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
 * one possibly under `.<name>.old-…`, which the next run puts back:
 * removeStaleTemporaries), never neither.
 */
export async function replaceDirectoryAtomic(target: string, fill: (dir: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const { tmp } = await filledTemporary(target, fill, signal);
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
    // The new output is in place: failing to remove the old one (left under
    // its .old- name, which the next run removes) does not fail the command.
    try {
      rmSync(aside, { recursive: true, force: true });
    } catch {
      // left for the next run's removeStaleTemporaries
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
