/** Messages between a pool of simulation jobs and its worker threads. */
import type { Scenario } from '../scenario/types.js';
import type { Trace, TraceSummary } from './trace.js';

export interface WorkerSetup {
  /** The scenarios jobs refer to by index (one for a cohort run; one per arm for an experiment). */
  readonly scenarios: readonly Scenario[];
  /** Where traces go (`<patient>.csv`); none: no files (experiments, benchmarks). */
  readonly tracesDir?: string;
  /** Send each trace back (its arrays transferred, not copied). */
  readonly returnTraces?: boolean;
  /** URLs of ES modules exporting `controllerEntries`: controllers beyond the built-in ones (src/control/registry.ts). */
  readonly controllerModules?: readonly string[];
  /**
   * Make each job's part in the worker: `module` (a URL) exports
   * `createPartMaker(recipe, context)` (src/sim/jobRunner.ts); the result
   * then carries the part instead of the trace.
   */
  readonly analysis?: { readonly module: string; readonly recipe: unknown };
}

/** One patient through one scenario under one seed. */
export interface SimulationJob {
  readonly scenario: number;
  readonly patient: string;
  readonly seed: number | string;
  /** Which run of a study this is, for messages (`arm S1, seed 3`). */
  readonly label?: string;
}

export interface PatientResult {
  readonly summary: TraceSummary;
  readonly trace?: Trace;
  /** What the study keeps of the job, when the pool was given an analysis module. */
  readonly part?: unknown;
}

/** `run` a job (a worker may run several at once); `abort` every job it is running (their controllers are closed). */
export type ToWorker = { readonly type: 'run'; readonly job: number; readonly spec: SimulationJob } | { readonly type: 'abort'; readonly reason: string };

export type FromWorker =
  | { readonly type: 'day'; readonly job: number; readonly day: number }
  | { readonly type: 'done'; readonly job: number; readonly result: PatientResult }
  | {
      readonly type: 'error';
      readonly job: number;
      readonly patient: string;
      readonly message: string;
      /** The user's to fix (the model could not be integrated; a file could not be written: a full disk, no permission), not the controller's or ours. */
      readonly userFixable?: boolean;
    };
