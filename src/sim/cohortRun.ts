/**
 * Simulation jobs on worker threads (one patient at a time per worker,
 * handed out as workers free up): a cohort through a scenario, or the
 * (arm, seed, patient) jobs of an experiment. Finished traces can be handed
 * to `onTrace` on this thread as they arrive.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PROJECT_ROOT } from '../io/paths.js';
import type { Scenario } from '../scenario/types.js';
import type { Trace } from './trace.js';
import type { FromWorker, PatientResult, SimulationJob, ToWorker, WorkerSetup } from './workerProtocol.js';

export interface CohortProgress {
  readonly patientsDone: number;
  readonly patients: number;
  readonly patientDaysDone: number;
  readonly patientDays: number;
}

export interface CohortRunOptions {
  readonly scenario: Scenario;
  readonly patients: readonly string[];
  readonly seed: number | string;
  readonly workers: number;
  readonly tracesDir?: string;
  /**
   * Called on this thread with each finished trace (transferred from its
   * worker), e.g. to analyse it for a report while the workers go on simulating.
   */
  readonly onTrace?: (trace: Trace) => void;
  readonly onProgress?: (progress: CohortProgress) => void;
}

/** The compiled worker: beside this module in `dist/`, or in `dist/` when running from `src/` (tests). */
function workerFile(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = join(PROJECT_ROOT, 'dist', 'src', 'sim', 'worker.js');
  if (existsSync(built)) return built;
  throw new Error(`worker not built: run 'npm run build' (looked for ${here} and ${built})`);
}

/** A cohort through one scenario under one seed: results in cohort order. */
export function runCohort(options: CohortRunOptions): Promise<PatientResult[]> {
  const { scenario, patients, seed } = options;
  return runJobs({
    scenarios: [scenario],
    jobs: patients.map((patient) => ({ scenario: 0, patient, seed })),
    workers: options.workers,
    tracesDir: options.tracesDir,
    onTrace: options.onTrace ? (_job, trace) => options.onTrace!(trace) : undefined,
    onProgress: options.onProgress,
  });
}

export interface JobRunOptions {
  readonly scenarios: readonly Scenario[];
  readonly jobs: readonly SimulationJob[];
  readonly workers: number;
  readonly tracesDir?: string;
  /** Called on this thread with each finished trace (transferred from its worker) and its job's index. */
  readonly onTrace?: (job: number, trace: Trace) => void;
  readonly onProgress?: (progress: CohortProgress) => void;
}

/**
 * Simulation jobs (scenario, patient, seed) on worker threads, handed out as
 * workers free up; results in job order.
 */
export function runJobs(options: JobRunOptions): Promise<PatientResult[]> {
  const { scenarios, jobs } = options;
  const workerCount = Math.max(1, Math.min(options.workers, jobs.length));
  const setup: WorkerSetup = { scenarios, tracesDir: options.tracesDir, returnTraces: options.onTrace !== undefined };
  const results = new Array<PatientResult | undefined>(jobs.length);
  let done = 0;
  const patientDays = jobs.reduce((s, j) => s + scenarios[j.scenario].days, 0);
  let patientDaysDone = 0;
  const report = () => options.onProgress?.({ patientsDone: done, patients: jobs.length, patientDaysDone, patientDays });
  let next = 0;

  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let failed = false;
    let finished = 0;
    // On failure, wait until every worker has stopped before rejecting, so no
    // late trace write lands in a run directory that is being removed.
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => reject(err));
    };
    const handOut = (worker: Worker) => {
      const message: ToWorker = next < jobs.length ? { type: 'run', job: next, spec: jobs[next++] } : { type: 'stop' };
      worker.postMessage(message);
    };
    for (let i = 0; i < workerCount; i++) {
      const worker = new Worker(workerFile(), { workerData: setup });
      workers.push(worker);
      worker.on('message', (message: FromWorker) => {
        if (failed) return;
        if (message.type === 'day') {
          patientDaysDone++;
          report();
        } else if (message.type === 'done') {
          const { summary, trace } = message.result;
          results[message.job] = { summary };
          done++;
          if (trace && options.onTrace) {
            try {
              options.onTrace(message.job, trace);
            } catch (err) {
              return fail(err instanceof Error ? err : new Error(String(err)));
            }
          }
          report();
          handOut(worker);
        } else {
          fail(new Error(`patient ${message.patient}: ${message.message}`));
        }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (failed) return;
        if (code !== 0) return fail(new Error(`worker stopped with exit code ${code}`));
        if (++finished === workerCount) {
          const missing = jobs.filter((_, k) => results[k] === undefined).map((j) => j.patient);
          if (missing.length > 0) return fail(new Error(`no result for ${missing.join(', ')}`));
          resolve(results as PatientResult[]);
        }
      });
      handOut(worker);
    }
  });
}
