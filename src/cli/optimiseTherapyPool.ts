/**
 * `glucosim optimise-therapy`'s patients on worker threads, one patient at a
 * time per worker, handed out as workers free up. The simulation pool of
 * src/sim/cohortRun.ts runs one closed loop per job; here a job is a whole
 * search of a few hundred standard days, whose score needs the metrics stage
 * (which the sim stage may not import), so it has this minimal pool of its
 * own: the first failure or the user's stop ends every worker and rejects;
 * nothing is written by the workers.
 */
import { Worker } from 'node:worker_threads';
import { builtWorkerFile } from '../io/paths.js';
import { PatientRunError } from '../sim/cohortRun.js';
import type { StandardDay } from '../sim/standardDay.js';
import type { TherapyOptimum } from '../sim/therapyOptimisation.js';
import type { TherapyGrid } from '../sim/therapySearch.js';

/** What every worker is given (plain data). */
export interface OptimiserSetup {
  readonly day: StandardDay;
  readonly grid: TherapyGrid;
}

export type ToOptimiser = { readonly type: 'run'; readonly job: number; readonly patient: string };

export type FromOptimiser =
  | { readonly type: 'evaluation'; readonly job: number }
  | { readonly type: 'done'; readonly job: number; readonly optimum: TherapyOptimum }
  | { readonly type: 'error'; readonly job: number; readonly patient: string; readonly message: string; readonly userFixable: boolean };

export interface OptimiseCohortOptions {
  readonly setup: OptimiserSetup;
  readonly patients: readonly string[];
  readonly workers: number;
  /** After each standard day simulated, with the job (index into `patients`). */
  readonly onEvaluation?: (job: number) => void;
  /** After each patient's search, with its result. */
  readonly onPatient?: (job: number, optimum: TherapyOptimum) => void;
  /** The user's stop: every worker is ended at once and the pool rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Every patient's optimum, in the order of `patients`. */
export function optimiseCohort(options: OptimiseCohortOptions): Promise<TherapyOptimum[]> {
  const { patients } = options;
  options.signal?.throwIfAborted();
  if (patients.length === 0) return Promise.resolve([]);
  const results = new Array<TherapyOptimum | undefined>(patients.length);
  const workerCount = Math.max(1, Math.min(options.workers, patients.length));
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', stop);
      // A synchronous simulation reads no messages: only ending its thread stops it.
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => (err === undefined ? resolve(results as TherapyOptimum[]) : reject(err)));
    };
    const stop = () => settle(options.signal!.reason);
    options.signal?.addEventListener('abort', stop, { once: true });
    const post = (worker: Worker) => {
      if (next < patients.length) {
        const job = next++;
        worker.postMessage({ type: 'run', job, patient: patients[job] } satisfies ToOptimiser);
      }
    };
    /** The job each worker runs. */
    const running = new Map<Worker, number>();
    for (let i = 0; i < workerCount; i++) {
      const worker = new Worker(builtWorkerFile(import.meta.url, 'src/cli/optimiseTherapyWorker.js'), { workerData: options.setup });
      workers.push(worker);
      worker.on('message', (message: FromOptimiser) => {
        if (settled) return;
        if (message.type === 'evaluation') {
          options.onEvaluation?.(message.job);
          return;
        }
        if (message.type === 'error') return settle(new PatientRunError(message.patient, message.message, undefined, message.userFixable));
        results[message.job] = message.optimum;
        done++;
        running.delete(worker);
        try {
          options.onPatient?.(message.job, message.optimum);
        } catch (err) {
          return settle(err);
        }
        if (done === patients.length) return settle();
        if (next < patients.length) {
          running.set(worker, next);
          post(worker);
        }
      });
      worker.on('error', (err) => {
        const job = running.get(worker);
        settle(job === undefined ? err : new PatientRunError(patients[job], `its worker stopped: ${err.message}`));
      });
      worker.on('exit', (code) => {
        const job = running.get(worker);
        if (!settled) settle(new Error(`a worker stopped (exit code ${code})${job === undefined ? '' : ` while optimising ${patients[job]}`}`));
      });
      running.set(worker, next);
      post(worker);
    }
  });
}
