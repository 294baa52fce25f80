/**
 * Stopping a long command cleanly: SIGINT (Ctrl-C) or SIGTERM aborts the
 * command's AbortSignal, which ends its worker threads at once; its
 * temporary output is then removed by the atomic writer's error path, and
 * the command exits 130 or 143 (128 + the signal's number, as a shell
 * reports a process killed by it) with one line. A second signal exits at
 * once. What a SIGKILL leaves behind is removed by the next run in the same
 * folder (reportStaleTemporaries).
 */
import { dirname } from 'node:path';
import { removeStaleTemporaries } from '../io/atomic.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit status of a command stopped by a signal: 128 + the signal's number. */
export const STOP_EXIT_CODE: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The reason a command's signal is aborted with when the user stops it. */
export class InterruptedError extends Error {
  readonly signal: StopSignal;
  readonly exitCode: number;

  constructor(signal: StopSignal, what: string) {
    super(`interrupted by ${signal}: ${what} was stopped and its temporary output removed; nothing was written`);
    this.name = 'InterruptedError';
    this.signal = signal;
    this.exitCode = STOP_EXIT_CODE[signal];
  }
}

/**
 * Run `work` with SIGINT and SIGTERM turned into an abort of its signal
 * (`what` names it in the message, e.g. "the run"). The handlers are removed
 * when it settles, so a server or a later command sees the defaults.
 */
export async function interruptible<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (signal: StopSignal) => {
    if (abort.signal.aborted) {
      // The user insists: no more waiting for cleanup.
      process.stderr.write(`glucosim: ${signal} again: exiting now\n`);
      process.exit(STOP_EXIT_CODE[signal]);
    }
    abort.abort(new InterruptedError(signal, what));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    // A signal that comes once the output is in place changes nothing: the command has finished.
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/**
 * Before a run writes into `out`'s folder: remove the temporary output of
 * earlier runs there whose process is gone, saying so on stderr.
 */
export function reportStaleTemporaries(out: string, stream: NodeJS.WritableStream = process.stderr): void {
  for (const stale of removeStaleTemporaries(dirname(out))) {
    const what = stale.action === 'restored' ? 'restored the output that --force was replacing' : 'removed the temporary output';
    stream.write(`glucosim: ${what} ${stale.path}, left by process ${stale.pid}, which is gone (an interrupted run)\n`);
  }
}
