/**
 * `glucosim baseline <results-dir>` and `glucosim check <results-dir> --baseline <file>`:
 * regression checks on a run's glucose metrics (its `metrics.json`).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import {
  type Baseline,
  type CheckResult,
  checkAgainstBaseline,
  createBaseline,
  formatRegressions,
  type MetricTable,
  parseBaseline,
} from '../report/baseline.js';
import { cohortBaselineValues, parseRunMetrics } from '../report/runMetricsFile.js';
import { checkOutputFile } from './outputDir.js';

function relativeTolerance(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) throw new InputError('--tolerance', '', `must be a number ≥ 0 (relative, 0.01 = 1 %), got ${value}`);
  return value;
}

function loadRun(dir: string): { patients: MetricTable; cohort: Record<string, number | null>; source: Record<string, unknown> } {
  const file = join(dir, 'metrics.json');
  const run = parseRunMetrics(readJsonFile(file, 'metrics file'), file);
  const patients: Record<string, Record<string, number | null>> = {};
  for (const [name, record] of Object.entries(run.patients)) patients[name] = record.metrics;
  return {
    patients,
    cohort: cohortBaselineValues(run),
    source: { scenario: run.scenario, seed: run.seed, glucosimVersion: run.glucosimVersion, window: run.window, series: run.series },
  };
}

export function baselineCommand(args: { dir: string; out?: string; tolerance?: number; strict?: boolean; force?: boolean }): string {
  const tolerance = relativeTolerance(args.tolerance);
  const out = args.out ?? join(args.dir, 'baseline.json');
  checkOutputFile(out, args.force ?? false, '--out', [join(args.dir, 'metrics.json')]);
  const run = loadRun(args.dir);
  const baseline = createBaseline(run.source, run.patients, run.cohort, tolerance, args.strict ?? false);
  writeFileAtomic(out, JSON.stringify(baseline, null, 2) + '\n');
  return out;
}

export function checkCommand(args: { dir: string; baseline: string; tolerance?: number }): { result: CheckResult; lines: string[] } {
  const baseline: Baseline = parseBaseline(readJsonFile(args.baseline, 'baseline file'), args.baseline);
  const run = loadRun(args.dir);
  // A baseline of another scenario, seed or window would pass or fail by accident.
  for (const key of ['scenario', 'seed', 'window'] as const) {
    const expected = JSON.stringify(baseline.source[key]);
    const actual = JSON.stringify(run.source[key]);
    if (baseline.source[key] !== undefined && expected !== actual) {
      throw new InputError(args.baseline, `source.${key}`, `the baseline is of ${expected}, the run in ${args.dir} of ${actual}`);
    }
  }
  const result = checkAgainstBaseline(baseline, run.patients, run.cohort, relativeTolerance(args.tolerance));
  return { result, lines: formatRegressions(result) };
}
