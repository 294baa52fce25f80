/** Messages between a cohort run and its worker threads. */
import type { Scenario } from '../scenario/types.js';
import type { Trace, TraceSummary } from './trace.js';

export interface WorkerSetup {
  readonly scenario: Scenario;
  readonly seed: number | string;
  /** Where traces go; none: summaries only (benchmarks). */
  readonly tracesDir?: string;
  /** Send each trace back (its arrays transferred, not copied). */
  readonly returnTraces?: boolean;
}

export interface PatientResult {
  readonly summary: TraceSummary;
  readonly trace?: Trace;
}

export type ToWorker = { readonly type: 'run'; readonly patient: string } | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'day'; readonly patient: string; readonly day: number }
  | { readonly type: 'done'; readonly patient: string; readonly result: PatientResult }
  | { readonly type: 'error'; readonly patient: string; readonly message: string };
