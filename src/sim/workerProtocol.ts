/** Messages between a cohort run and its worker threads. */
import type { Scenario } from '../scenario/types.js';
import type { TraceSummary } from './trace.js';

export interface WorkerSetup {
  readonly scenario: Scenario;
  readonly seed: number | string;
  /** Where traces go; none: summaries only (benchmarks). */
  readonly tracesDir?: string;
}

export type ToWorker = { readonly type: 'run'; readonly patient: string } | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'day'; readonly patient: string; readonly day: number }
  | { readonly type: 'done'; readonly patient: string; readonly summary: TraceSummary }
  | { readonly type: 'error'; readonly patient: string; readonly message: string };
