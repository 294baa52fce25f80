/**
 * Simulation jobs on worker threads (up to `concurrencyPerWorker` patients at
 * a time per worker, handed out as workers free up): a cohort through a
 * scenario, or the (arm, seed, patient) jobs of an experiment. Finished
 * traces can be handed to `onTrace` on this thread as they arrive. The pool
 * resolves only when every job has a result; the first failure aborts the
 * other jobs (their controllers are closed) and rejects.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { builtWorkerFile } from '../io/paths.js';
import type { Scenario } from '../scenario/types.js';
import type { Trace, TraceSummary } from './trace.js';
import { createJobRunner, JobFailure } from './jobRunner.js';
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
  /** Patients a worker runs at once (default 1). */
  readonly concurrencyPerWorker?: number;
  readonly tracesDir?: string;
  /**
   * Called on this thread with each finished trace (transferred from its
   * worker), e.g. to analyse it for a report while the workers go on simulating.
   */
  readonly onTrace?: (trace: Trace) => void;
  readonly onProgress?: (progress: CohortProgress) => void;
  /** Stops the run (the user's SIGINT): every worker is ended at once and the run rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}


/** A cohort through one scenario under one seed: results in cohort order. */
export function runCohort(options: CohortRunOptions): Promise<PatientResult[]> {
  const { scenario, patients, seed } = options;
  return runJobs({
    scenarios: [scenario],
    jobs: patients.map((patient) => ({ scenario: 0, patient, seed })),
    workers: options.workers,
    concurrencyPerWorker: options.concurrencyPerWorker,
    tracesDir: options.tracesDir,
    onTrace: options.onTrace ? (_job, trace) => options.onTrace!(trace) : undefined,
    onProgress: options.onProgress,
    signal: options.signal,
  });
}

export interface JobRunOptions {
  readonly scenarios: readonly Scenario[];
  readonly jobs: readonly SimulationJob[];
  readonly workers: number;
  /** Patients a worker runs at once (default 1): more overlaps the waits of asynchronous controllers. */
  readonly concurrencyPerWorker?: number;
  readonly tracesDir?: string;
  /** URLs of ES modules exporting `controllerEntries`, loaded by every worker (controllers beyond the built-in ones). */
  readonly controllerModules?: readonly string[];
  /** Called on this thread with each finished trace (transferred from its worker), its job's index and its summary. */
  readonly onTrace?: (job: number, trace: Trace, summary: TraceSummary) => void;
  /**
   * Make each job's part where it was simulated (WorkerSetup.analysis): the
   * results then carry parts, and no trace crosses threads (onTrace is not called).
   */
  readonly analysis?: WorkerSetup['analysis'];
  /**
   * Run the jobs on this thread instead of workers. Default: only a run too
   * small to pay for a worker's start (≤ IN_THREAD_MAX_PATIENT_DAYS), with
   * in-process built-in controllers only (a controller module of one's own,
   * secure-q's network sessions and a controller's latency timers stay in a
   * worker, whose end closes what they leave open and where an uncaught
   * error cannot end this process) and one job at a time (runsInThread).
   */
  readonly inThread?: boolean;
  readonly onProgress?: (progress: CohortProgress) => void;
  /**
   * Stops the jobs from outside (the user's SIGINT or SIGTERM): every worker is
   * ended at once — a synchronous simulation does not read messages, so
   * only ending its thread stops it — and the pool rejects with the signal's
   * reason once they are gone, so no late trace write follows.
   */
  readonly signal?: AbortSignal;
}

/**
 * A patient's run failed (its controller missed a deadline, threw, or asked
 * for a device the scenario lacks; or its worker died): the message names
 * the patient (and which run of a study, when there are several) and says
 * why, in one line; the stack of the worker is of no use to a user.
 */
export class PatientRunError extends Error {
  readonly patient: string;
  /** 2 when the user can fix it (the model could not be integrated; a file could not be written), else 1. */
  readonly exitCode: 1 | 2;

  constructor(patient: string, message: string, label?: string, userFixable = false) {
    const who = label ? `patient ${patient} (${label})` : `patient ${patient}`;
    super(message.includes(`patient ${patient}`) ? (label ? `${label}: ${message}` : message) : `${who}: ${message}`);
    this.name = 'PatientRunError';
    this.patient = patient;
    this.exitCode = userFixable ? 2 : 1;
  }
}

/** After a failure, how long the other jobs get to close their controllers before their workers are ended, ms. */
const ABORT_GRACE_MS = 5_000;

/**
 * Up to this many patient-days run on the calling thread by default. A
 * worker costs ~0.2–0.4 s to start (measured: its first simulated day ends
 * 0.24–0.43 s after it is made) and runs cold, while a patient-day takes
 * ~1.5–4 ms (bench, issue #17): below this size a worker cannot pay for
 * itself. On this thread a synchronous simulation holds off a stop (SIGINT)
 * until it ends, which this size keeps to a fraction of a second.
 */
export const IN_THREAD_MAX_PATIENT_DAYS = 20;

/**
 * Built-in controllers that hold network sessions (secure-q's TLS links to
 * its edge servers): they run in a worker, whose end closes whatever they
 * leave open, as do controllers given a latency (timers).
 */
const NETWORKED_CONTROLLERS: ReadonlySet<string> = new Set(['secure-q']);

/**
 * When the workers fill every core, V8's optimising compiler runs on their
 * own threads instead of background threads (`--no-concurrent-recompilation`,
 * a process-wide V8 flag, read by each isolate as it is made). Background
 * compile jobs then have no idle core: they compete with the simulation and
 * leave the workers in slower tiers for longer. Measured (issue #17, 30 × 30
 * patient-days, 2 workers on 2 cores, whole CLI runs): 4.4–5.4 s against
 * 6.3–6.7 s wall, 7.3–9.4 s against 10.2–11.7 s of CPU. With a core to
 * spare (1 worker on 2 cores) background compiling is free, and the flag
 * is left alone.
 */
function compileOnTheWorkersOwnThreads(): void {
  setFlagsFromString('--no-concurrent-recompilation');
}

/** Whether runJobs runs these jobs on the calling thread (JobRunOptions.inThread). */
export function runsInThread(options: Pick<JobRunOptions, 'scenarios' | 'jobs' | 'workers' | 'concurrencyPerWorker' | 'controllerModules' | 'inThread'>): boolean {
  if (options.inThread !== undefined) return options.inThread;
  const patientDays = options.jobs.reduce((s, j) => s + options.scenarios[j.scenario].days, 0);
  const inProcess = options.scenarios.every((s) => !NETWORKED_CONTROLLERS.has(s.controller.name) && s.controller.latencyMs === 0);
  return patientDays <= IN_THREAD_MAX_PATIENT_DAYS && inProcess && !options.controllerModules?.length && (options.concurrencyPerWorker ?? 1) === 1;
}

function failureOf(job: SimulationJob, err: unknown): PatientRunError {
  const failure = err instanceof JobFailure ? err : JobFailure.of(job.patient, err);
  return new PatientRunError(failure.patient, failure.message, job.label, failure.userFixable);
}

/** The jobs one after another on this thread: the same job runner as a worker's, without its start-up. */
async function runJobsInThread(options: JobRunOptions, setup: WorkerSetup, onDay: () => void, onJob: () => void): Promise<PatientResult[]> {
  // A runner that cannot be made fails the first job with its message, as a worker's would.
  const runner = await createJobRunner(setup).catch((err: unknown) => {
    throw failureOf(options.jobs[0], err);
  });
  const results: PatientResult[] = [];
  const signal = options.signal ?? new AbortController().signal;
  for (let job = 0; job < options.jobs.length; job++) {
    signal.throwIfAborted();
    const spec = options.jobs[job];
    let result: PatientResult;
    try {
      result = await runner.run(spec, signal, onDay);
    } catch (err) {
      // A stop from outside rejects with its own reason, as the pool does.
      signal.throwIfAborted();
      throw failureOf(spec, err);
    }
    if (result.trace && options.onTrace) options.onTrace(job, result.trace, result.summary);
    // As from a worker: the summary and the part; a trace only through onTrace.
    results.push(result.part === undefined ? { summary: result.summary } : { summary: result.summary, part: result.part });
    onJob();
  }
  return results;
}

/**
 * Simulation jobs (scenario, patient, seed) on worker threads, handed out as
 * workers free up; results in job order.
 */
export function runJobs(options: JobRunOptions): Promise<PatientResult[]> {
  const { scenarios, jobs } = options;
  options.signal?.throwIfAborted();
  if (jobs.length === 0) return Promise.resolve([]);
  const concurrency = options.concurrencyPerWorker ?? 1;
  // As many workers as cores (or jobs): concurrency adds jobs per worker, never takes cores away.
  const workerCount = Math.max(1, Math.min(options.workers, jobs.length));
  const setup: WorkerSetup = {
    scenarios,
    tracesDir: options.tracesDir,
    returnTraces: options.onTrace !== undefined && options.analysis === undefined,
    controllerModules: options.controllerModules,
    analysis: options.analysis,
  };
  const results = new Array<PatientResult | undefined>(jobs.length);
  let done = 0;
  const patientDays = jobs.reduce((s, j) => s + scenarios[j.scenario].days, 0);
  let patientDaysDone = 0;
  const report = () => options.onProgress?.({ patientsDone: done, patients: jobs.length, patientDaysDone, patientDays });
  if (runsInThread(options)) {
    return runJobsInThread(
      options,
      setup,
      () => {
        patientDaysDone++;
        report();
      },
      () => {
        done++;
        report();
      },
    );
  }
  // Longest jobs first (stable), so that the last ones to finish are short and every worker stays busy to the end.
  const order = jobs.map((_, k) => k).sort((a, b) => scenarios[jobs[b].scenario].days - scenarios[jobs[a].scenario].days || a - b);
  let next = 0;

  return new Promise((resolvePool, rejectPool) => {
    // Either way the pool settles, it stops listening for the user's stop.
    const resolve = (results: PatientResult[]) => {
      options.signal?.removeEventListener('abort', stop);
      resolvePool(results);
    };
    const reject = (err: unknown) => {
      options.signal?.removeEventListener('abort', stop);
      rejectPool(err);
    };
    const workers: Worker[] = [];
    /** The jobs each worker is running. */
    const inFlight = new Map<Worker, Set<number>>();
    /** Workers that are gone or ended by the pool (their exit is expected). */
    const retired = new Set<Worker>();
    let failed = false;
    let finished = 0;
    let allStopped: (() => void) | undefined;
    const running = () => [...inFlight.values()].reduce((n, jobsOf) => n + jobsOf.size, 0);
    // On failure, let the other jobs abort (closing their controllers), then
    // end every worker before rejecting, so no late trace write lands in a
    // run directory that is being removed.
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) if (!retired.has(w)) w.postMessage({ type: 'abort', reason: `run stopped: ${err.message}` } satisfies ToWorker);
      let grace: NodeJS.Timeout | undefined;
      void new Promise<void>((stopped) => {
        allStopped = stopped;
        if (running() === 0) stopped();
        grace = setTimeout(stopped, ABORT_GRACE_MS);
      })
        .then(() => {
          clearTimeout(grace);
          return Promise.allSettled(workers.map((w) => w.terminate()));
        })
        .then(() => reject(err));
    };
    const post = (worker: Worker) => {
      const job = order[next++];
      inFlight.get(worker)!.add(job);
      worker.postMessage({ type: 'run', job, spec: jobs[job] } satisfies ToWorker);
    };
    // Top a worker up to its concurrency; a worker with no job left is ended.
    const topUp = (worker: Worker) => {
      const mine = inFlight.get(worker)!;
      while (mine.size < concurrency && next < jobs.length) post(worker);
      if (mine.size === 0) {
        // Every result of this worker is in (traces are written before 'done'
        // is sent), so ending it loses nothing, whatever handles a controller left open.
        retired.add(worker);
        void worker.terminate();
      }
    };
    const jobEnded = (worker: Worker, job: number) => {
      inFlight.get(worker)!.delete(job);
      if (failed && running() === 0) allStopped?.();
    };
    /** A worker died (an uncaught error in a controller, say): its jobs fail with it. */
    const workerDied = (worker: Worker, reason: string) => {
      const lost = [...inFlight.get(worker)!];
      inFlight.get(worker)!.clear();
      retired.add(worker);
      if (failed) {
        if (running() === 0) allStopped?.();
        return;
      }
      const first = jobs[lost[0] ?? -1];
      const others = lost.length > 1 ? ` (also running: ${lost.slice(1).map((j) => jobs[j].patient).join(', ')})` : '';
      fail(first ? new PatientRunError(first.patient, `its worker stopped: ${reason}${others}`, first.label) : new Error(`a worker stopped: ${reason}`));
    };
    // The user's stop ends every worker now, also one that a failure was giving time to close.
    const stop = () => {
      const first = !failed;
      failed = true;
      const ended = Promise.allSettled(workers.map((w) => w.terminate()));
      if (first) void ended.then(() => reject(options.signal!.reason));
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    if (workerCount >= availableParallelism()) compileOnTheWorkersOwnThreads();
    for (let i = 0; i < workerCount; i++) {
      const worker = new Worker(builtWorkerFile(import.meta.url, 'src/sim/worker.js'), { workerData: setup });
      workers.push(worker);
      inFlight.set(worker, new Set());
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'day') {
          if (failed) return;
          patientDaysDone++;
          report();
          return;
        }
        jobEnded(worker, message.job);
        if (failed) return;
        if (message.type === 'done') {
          const { summary, trace, part } = message.result;
          results[message.job] = part === undefined ? { summary } : { summary, part };
          done++;
          if (trace && options.onTrace) {
            try {
              options.onTrace(message.job, trace, summary);
            } catch (err) {
              return fail(err instanceof Error ? err : new Error(String(err)));
            }
          }
          report();
          topUp(worker);
        } else {
          fail(new PatientRunError(message.patient, message.message, jobs[message.job]?.label, message.userFixable));
        }
      });
      worker.on('error', (err) => workerDied(worker, err instanceof Error ? err.message : String(err)));
      worker.on('exit', (code) => {
        if (!retired.has(worker)) return workerDied(worker, `exit code ${code}`);
        if (failed) return;
        if (++finished === workerCount) {
          const missing = jobs.filter((_, k) => results[k] === undefined).map((j) => j.patient);
          if (missing.length > 0) return fail(new Error(`no result for ${missing.join(', ')}`));
          resolve(results as PatientResult[]);
        }
      });
    }
    // Deal the first jobs round-robin, one per worker at a time, so every
    // worker is busy before any takes a second.
    for (let round = 0; round < concurrency && next < jobs.length; round++) {
      for (const worker of workers) if (next < jobs.length) post(worker);
    }
  });
}
