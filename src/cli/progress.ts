/** A progress line on stderr: rewritten in place on a terminal, a line per patient otherwise. */
import type { CohortProgress } from '../sim/cohortRun.js';

export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): {
  update(progress: CohortProgress): void;
  finish(): void;
} {
  const started = performance.now();
  let lastPatients = -1;
  let lastDraw = 0;
  const line = (p: CohortProgress) =>
    `${label}: ${p.patientsDone}/${p.patients} patients, ${p.patientDaysDone}/${p.patientDays} patient-days, ${((performance.now() - started) / 1000).toFixed(1)} s`;
  return {
    update(p) {
      if (stream.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && p.patientsDone === lastPatients) return;
        lastDraw = now;
        lastPatients = p.patientsDone;
        stream.write(`\r${line(p)}\x1b[K`);
      } else if (p.patientsDone !== lastPatients) {
        lastPatients = p.patientsDone;
        stream.write(`${line(p)}\n`);
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
