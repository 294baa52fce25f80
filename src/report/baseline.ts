/**
 * Regression checks on glucose metrics: a baseline holds a run's metrics with
 * a tolerance rule per metric (absolute and relative tolerance, and which
 * direction counts as worse); `checkAgainstBaseline` lists every metric of
 * every patient that moved the wrong way by more than its tolerance.
 */
import { InputError } from '../io/errors.js';

export type WorseDirection = 'higher' | 'lower' | 'either';

export interface ToleranceRule {
  /** A change is tolerated while |Δ| ≤ max(absolute, relative·|baseline|). */
  readonly absolute: number;
  readonly relative: number;
  readonly worse: WorseDirection;
}

/** Metric values per patient (null where a metric has no value, e.g. no readings). */
export type MetricTable = Readonly<Record<string, Readonly<Record<string, number | null>>>>;

export interface Baseline {
  readonly format: typeof BASELINE_FORMAT;
  /** Where the values came from (scenario, seed, version, window), for the reader. */
  readonly source: Readonly<Record<string, unknown>>;
  readonly rules: Readonly<Record<string, ToleranceRule>>;
  readonly patients: MetricTable;
  /** Cohort-level values (e.g. `cvga_percent_ab`). */
  readonly cohort: Readonly<Record<string, number | null>>;
}

export const BASELINE_FORMAT = 'glucosim-baseline/1';

/**
 * Which way is worse, per metric. Mean glucose and the A1c estimates derived
 * from it are flagged in either direction: lower is not better when it comes
 * with hypoglycaemia, which the hypoglycaemia metrics judge on their own.
 */
const LOWER_IS_WORSE = new Set(['tir']);
const EITHER_IS_WORSE = new Set(['mean', 'gmi', 'ea1c']);
/** Cohort values named `cvga_percent_ab` or `cvga_percent_ab_<group>`: a lower share in A+B is worse. */
const LOWER_IS_WORSE_PREFIX = 'cvga_percent_ab';

/** Default relative tolerance: 0.1 % — far above run-to-run noise (runs are bit-reproducible), far below a real change. */
export const DEFAULT_RELATIVE_TOLERANCE = 1e-3;
export const DEFAULT_ABSOLUTE_TOLERANCE = 1e-9;

export function defaultRule(metric: string, relative = DEFAULT_RELATIVE_TOLERANCE): ToleranceRule {
  const worse: WorseDirection =
    LOWER_IS_WORSE.has(metric) || metric.startsWith(LOWER_IS_WORSE_PREFIX) ? 'lower' : EITHER_IS_WORSE.has(metric) ? 'either' : 'higher';
  return { absolute: DEFAULT_ABSOLUTE_TOLERANCE, relative, worse };
}

/**
 * A baseline of a run's values. `strict`: every change beyond tolerance
 * counts, in either direction — for golden runs, where any change of physics
 * or control must show up, improvements included.
 */
export function createBaseline(
  source: Record<string, unknown>,
  patients: MetricTable,
  cohort: Record<string, number | null>,
  relative = DEFAULT_RELATIVE_TOLERANCE,
  strict = false,
): Baseline {
  const metrics = new Set<string>(Object.keys(cohort));
  for (const values of Object.values(patients)) for (const m of Object.keys(values)) metrics.add(m);
  const rules: Record<string, ToleranceRule> = {};
  for (const m of metrics) rules[m] = strict ? { ...defaultRule(m, relative), worse: 'either' } : defaultRule(m, relative);
  return { format: BASELINE_FORMAT, source, rules, patients, cohort };
}

export interface Regression {
  /** Patient name, or `cohort`. */
  readonly subject: string;
  readonly metric: string;
  readonly baseline: number;
  /** null: the run has no value where the baseline has one. */
  readonly current: number | null;
  readonly tolerance: number;
  readonly worse: WorseDirection;
}

export interface CheckResult {
  readonly compared: number;
  readonly regressions: readonly Regression[];
  /** Subjects of the baseline that the run lacks. */
  readonly missingSubjects: readonly string[];
}

/** True when moving from `baseline` to `current` is worse than the rule allows. */
export function isRegression(rule: ToleranceRule, baseline: number, current: number): boolean {
  const tolerance = Math.max(rule.absolute, rule.relative * Math.abs(baseline));
  const delta = current - baseline;
  if (rule.worse === 'higher') return delta > tolerance;
  if (rule.worse === 'lower') return -delta > tolerance;
  return Math.abs(delta) > tolerance;
}

/** Compare a run's values with a baseline; `relativeOverride` replaces every rule's relative tolerance. */
export function checkAgainstBaseline(
  baseline: Baseline,
  patients: MetricTable,
  cohort: Readonly<Record<string, number | null>>,
  relativeOverride?: number,
): CheckResult {
  const regressions: Regression[] = [];
  const missingSubjects: string[] = [];
  let compared = 0;
  const compare = (subject: string, expected: Readonly<Record<string, number | null>>, actual: Readonly<Record<string, number | null>>) => {
    for (const [metric, base] of Object.entries(expected)) {
      if (base === null) continue;
      const stored = baseline.rules[metric] ?? defaultRule(metric);
      const rule = relativeOverride === undefined ? stored : { ...stored, relative: relativeOverride };
      const current = actual[metric];
      compared++;
      const tolerance = Math.max(rule.absolute, rule.relative * Math.abs(base));
      if (current === null || current === undefined || !Number.isFinite(current)) {
        regressions.push({ subject, metric, baseline: base, current: null, tolerance, worse: rule.worse });
      } else if (isRegression(rule, base, current)) {
        regressions.push({ subject, metric, baseline: base, current, tolerance, worse: rule.worse });
      }
    }
  };
  for (const [subject, expected] of Object.entries(baseline.patients)) {
    const actual = patients[subject];
    if (!actual) {
      missingSubjects.push(subject);
      continue;
    }
    compare(subject, expected, actual);
  }
  compare('cohort', baseline.cohort, cohort);
  return { compared, regressions, missingSubjects };
}

function formatNumber(x: number): string {
  return Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(4) : x.toFixed(4);
}

/** One line per regression: subject, metric, baseline → current, change, rule. */
export function formatRegressions(result: CheckResult): string[] {
  const lines = result.regressions.map((r) => {
    if (r.current === null) return `${r.subject} ${r.metric}: ${formatNumber(r.baseline)} → missing`;
    const delta = r.current - r.baseline;
    const pct = r.baseline !== 0 ? ` (${delta >= 0 ? '+' : ''}${((100 * delta) / Math.abs(r.baseline)).toFixed(2)} %)` : '';
    return (
      `${r.subject} ${r.metric}: ${formatNumber(r.baseline)} → ${formatNumber(r.current)}, ` +
      `Δ ${delta >= 0 ? '+' : ''}${formatNumber(delta)}${pct}; tolerance ${formatNumber(r.tolerance)}, worse if ${r.worse}`
    );
  });
  for (const s of result.missingSubjects) lines.push(`${s}: in the baseline, not in the run`);
  return lines;
}

// ---- reading a baseline file -------------------------------------------------

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function valueTable(x: unknown, file: string, field: string): Record<string, number | null> {
  if (!isRecord(x)) throw new InputError(file, field, 'must be an object of metric values');
  for (const [k, v] of Object.entries(x)) {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new InputError(file, `${field}.${k}`, `must be a number or null, got ${JSON.stringify(v)}`);
    }
  }
  return x as Record<string, number | null>;
}

/** Check the shape of a parsed baseline; errors name the file and the field. */
export function parseBaseline(json: unknown, file: string): Baseline {
  if (!isRecord(json)) throw new InputError(file, '', 'a baseline must be a JSON object');
  if (json.format !== BASELINE_FORMAT) {
    throw new InputError(file, 'format', `must be "${BASELINE_FORMAT}", got ${JSON.stringify(json.format)}`);
  }
  if (!isRecord(json.source)) throw new InputError(file, 'source', 'required object is missing');
  if (!isRecord(json.rules)) throw new InputError(file, 'rules', 'required object is missing');
  for (const [metric, rule] of Object.entries(json.rules)) {
    const field = `rules.${metric}`;
    if (!isRecord(rule)) throw new InputError(file, field, 'must be an object {absolute, relative, worse}');
    for (const key of ['absolute', 'relative'] as const) {
      const v = rule[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new InputError(file, `${field}.${key}`, `must be a number ≥ 0, got ${JSON.stringify(v)}`);
      }
    }
    if (rule.worse !== 'higher' && rule.worse !== 'lower' && rule.worse !== 'either') {
      throw new InputError(file, `${field}.worse`, `must be one of higher, lower, either, got ${JSON.stringify(rule.worse)}`);
    }
  }
  if (!isRecord(json.patients)) throw new InputError(file, 'patients', 'required object is missing');
  const patients: Record<string, Record<string, number | null>> = {};
  for (const [name, values] of Object.entries(json.patients)) patients[name] = valueTable(values, file, `patients.${name}`);
  const cohort = json.cohort === undefined ? {} : valueTable(json.cohort, file, 'cohort');
  return { format: BASELINE_FORMAT, source: json.source, rules: json.rules as Record<string, ToleranceRule>, patients, cohort };
}
