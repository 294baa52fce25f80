/**
 * Stopping a long command cleanly: SIGINT (Ctrl-C) or SIGTERM aborts the
 * command's AbortSignal, which ends its worker threads at once; its
 * temporary output is then removed by the atomic writer's error path, and
 * the command exits 130 or 143 (128 + the signal's number, as a shell
 * reports a process killed by it) with one line. A second signal a second
 * or more after the first exits at once (signalAction). What a SIGKILL
 * leaves behind is removed by the next command that writes into the same
 * folder (outputDir.ts, reportStaleTemporaries).
 */

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit status of a command stopped by a signal: 128 + the signal's number. */
const STOP_EXIT_CODE: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

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
 * A repeat of the signal sooner than this after the first is the same stop,
 * not the user insisting, ms: `npx` forwards SIGINT to its child while the
 * terminal sends it to the whole process group, so one Ctrl-C arrives twice
 * a few ms apart (and systemd's stop sends SIGTERM to every process of the
 * unit).
 */
const SAME_STOP_MS = 1_000;

/** Once the command has finished, how long a signal waits for the process's own exit before ending it, ms. */
const FINISHED_EXIT_GRACE_MS = 1_000;

/** What a signal does, given when the first one came and whether the command has finished. */
export type SignalAction = 'stop' | 'same stop' | 'exit now' | 'finished';

/**
 * The policy of interruptible's handler, apart for testing: the first signal
 * stops the command; a repeat within SAME_STOP_MS is the same stop; a later
 * one exits at once; once finished, the process is only made sure to exit.
 */
export function signalAction(firstAtMs: number | undefined, nowMs: number, finished: boolean): SignalAction {
  if (finished) return 'finished';
  if (firstAtMs === undefined) return 'stop';
  return nowMs - firstAtMs < SAME_STOP_MS ? 'same stop' : 'exit now';
}

/**
 * The process's SIGINT/SIGTERM listeners, installed once and pointed at the
 * latest interruptible command: a process that runs several (the bench)
 * does not pile up listeners whose old timers would all fire.
 */
let current: ((signal: StopSignal) => void) | undefined;
function listen(handler: (signal: StopSignal) => void): void {
  if (current === undefined) {
    process.on('SIGINT', () => current!('SIGINT'));
    process.on('SIGTERM', () => current!('SIGTERM'));
  }
  current = handler;
}

/**
 * Run `work` with SIGINT and SIGTERM turned into an abort of its signal
 * (`what` names it in the message, e.g. "the run"); see signalAction. Once
 * `work` has settled the handlers stay, so a signal in the moment before the
 * process exits does not kill a command whose output is already in place
 * (the process exits by itself; the handler only makes sure it does). Meant
 * for commands that exit when done, not for servers.
 */
export async function interruptible<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let firstAt: number | undefined;
  let finished = false;
  const onSignal = (signal: StopSignal) => {
    const now = performance.now();
    switch (signalAction(firstAt, now, finished)) {
      case 'stop':
        firstAt = now;
        abort.abort(new InterruptedError(signal, what));
        return;
      case 'same stop':
        return;
      case 'exit now':
        // The user insists: no more waiting for cleanup.
        process.stderr.write(`glucosim: ${signal} again: exiting now\n`);
        process.exit(STOP_EXIT_CODE[signal]);
      // falls through (process.exit does not return)
      case 'finished':
        setTimeout(() => process.exit(STOP_EXIT_CODE[signal]), FINISHED_EXIT_GRACE_MS).unref();
    }
  };
  listen(onSignal);
  try {
    return await work(abort.signal);
  } finally {
    finished = true;
  }
}
