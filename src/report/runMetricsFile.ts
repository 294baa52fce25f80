/**
 * The `metrics.json` of a run directory: per-patient metrics and CVGA point
 * over the run's window, and the CVGA zone shares of the cohort and of each
 * group. NaN (a metric without a value) is written as null. A run with
 * `--cvga-points patient-day` adds `cvgaPoints`, each patient's `cvgaDays`
 * and the cohort's `cvgaPatientDays` (src/metrics/cvgaDays.ts); without it
 * the file has none of them.
 */
import { InputError } from '../io/errors.js';

export const RUN_METRICS_FORMAT = 'glucosim-metrics/1';

export interface CvgaShares {
  /** Patients (in `cvgaPatientDays`: patient-days) with a zone. */
  readonly n: number;
  /** Percent of patients (patient-days) per zone. */
  readonly percent: Readonly<Record<string, number>>;
  /** Percent in A, lower B, upper B and B together. */
  readonly percentAB: number;
}

export interface PatientMetricsRecord {
  readonly group: string;
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly cvga: { readonly minMgDl: number; readonly maxMgDl: number; readonly zone: string } | null;
  /** Per patient-day only: the point of each scenario day of the window (nulls for a day without readings). */
  readonly cvgaDays?: readonly CvgaDayRecord[];
}

export interface CvgaDayRecord {
  /** Scenario day, 1-based. */
  readonly day: number;
  readonly minMgDl: number | null;
  readonly maxMgDl: number | null;
  readonly zone: string | null;
}

/** Zone shares of the cohort and of each group. */
export interface CohortCvga {
  readonly cvga: CvgaShares;
  readonly groups: Readonly<Record<string, CvgaShares>>;
}

export interface RunMetricsFile {
  readonly format: typeof RUN_METRICS_FORMAT;
  readonly glucosimVersion: string;
  readonly scenario: string;
  readonly seed: number | string;
  /** Which glucose the metrics are computed on: the true blood glucose, minute by minute. */
  readonly series: 'bg';
  /** Days of the scenario the metrics cover, 1-based, inclusive. */
  readonly window: { readonly fromDay: number; readonly toDay: number };
  /** Present only as `patient-day`: what the run was asked for (`--cvga-points`). */
  readonly cvgaPoints?: 'patient-day';
  readonly metricNames: readonly string[];
  readonly patients: Readonly<Record<string, PatientMetricsRecord>>;
  /** Over patients, whatever `cvgaPoints` (a baseline keeps these); over patient-days too when asked. */
  readonly cohort: CohortCvga & { readonly cvgaPatientDays?: CohortCvga };
}

/** NaN and ±Infinity have no JSON form: null. */
export function jsonNumber(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Check the parts of a metrics file that `check` and `baseline` read; errors name the file and field. */
export function parseRunMetrics(json: unknown, file: string): RunMetricsFile {
  if (!isRecord(json)) throw new InputError(file, '', 'a metrics file must be a JSON object');
  if (json.format !== RUN_METRICS_FORMAT) {
    throw new InputError(file, 'format', `must be "${RUN_METRICS_FORMAT}", got ${JSON.stringify(json.format)}`);
  }
  if (!isRecord(json.patients)) throw new InputError(file, 'patients', 'required object is missing');
  for (const [name, record] of Object.entries(json.patients)) {
    if (!isRecord(record) || !isRecord(record.metrics)) throw new InputError(file, `patients.${name}.metrics`, 'required object is missing');
    for (const [metric, v] of Object.entries(record.metrics)) {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw new InputError(file, `patients.${name}.metrics.${metric}`, `must be a number or null, got ${JSON.stringify(v)}`);
      }
    }
  }
  if (!isRecord(json.cohort) || !isRecord(json.cohort.cvga) || typeof json.cohort.cvga.percentAB !== 'number') {
    throw new InputError(file, 'cohort.cvga.percentAB', 'required number is missing');
  }
  return json as unknown as RunMetricsFile;
}

/** Cohort values a baseline keeps: share of CVGA A+B overall and per group. */
export function cohortBaselineValues(run: RunMetricsFile): Record<string, number | null> {
  const values: Record<string, number | null> = { cvga_percent_ab: run.cohort.cvga.percentAB };
  for (const [group, shares] of Object.entries(run.cohort.groups ?? {})) values[`cvga_percent_ab_${group}`] = shares.percentAB;
  return values;
}
