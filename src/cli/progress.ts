/**
 * A progress line on stderr: rewritten in place on a terminal; elsewhere a
 * line per finished patient and, in a long patient (a 365-day run takes
 * seconds per patient), at least one line every `quietIntervalMs`. Once a
 * little work is done, the line adds the estimated time left.
 */
import type { CohortProgress } from '../sim/cohortRun.js';

/** Off a terminal (a log file, CI), the longest silence while patient-days advance, ms. */
const QUIET_INTERVAL_MS = 10_000;
/** No estimate before this share of the patient-days is done or this much time has passed: the first days include start-up. */
const ESTIMATE_FROM_SHARE = 0.02;
const ESTIMATE_FROM_MS = 2_000;

/** `42 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Time left at the rate so far (patient-days per second since the start),
 * or undefined while there is too little to go on.
 */
export function estimatedSecondsLeft(p: CohortProgress, elapsedMs: number): number | undefined {
  if (p.patientDays === 0 || p.patientDaysDone === 0 || p.patientDaysDone >= p.patientDays) return undefined;
  if (p.patientDaysDone / p.patientDays < ESTIMATE_FROM_SHARE && elapsedMs < ESTIMATE_FROM_MS) return undefined;
  return ((elapsedMs / p.patientDaysDone) * (p.patientDays - p.patientDaysDone)) / 1000;
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  clock: () => number = () => performance.now(),
): {
  update(progress: CohortProgress): void;
  finish(): void;
} {
  const started = clock();
  let lastPatients = -1;
  let lastDraw = started;
  const line = (p: CohortProgress, now: number) => {
    const elapsed = now - started;
    const left = estimatedSecondsLeft(p, elapsed);
    return (
      `${label}: ${p.patientsDone}/${p.patients} patients, ${p.patientDaysDone}/${p.patientDays} patient-days, ${(elapsed / 1000).toFixed(1)} s` +
      (left === undefined ? '' : `, about ${formatDuration(left)} left`)
    );
  };
  return {
    update(p) {
      const now = clock();
      if (stream.isTTY) {
        if (now - lastDraw < 100 && p.patientsDone === lastPatients) return;
        lastDraw = now;
        lastPatients = p.patientsDone;
        stream.write(`\r${line(p, now)}\x1b[K`);
      } else if (p.patientsDone !== lastPatients || now - lastDraw >= QUIET_INTERVAL_MS) {
        lastDraw = now;
        lastPatients = p.patientsDone;
        stream.write(`${line(p, now)}\n`);
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
