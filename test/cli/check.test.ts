/**
 * End-to-end tests of `glucosim baseline <run>` and `glucosim check <run>
 * --baseline <file>` (issue #3, item 6) through the built CLI: a baseline of
 * a run passes on that run and on an identical re-run, a deliberately
 * worsened run (over-bolusing) fails naming each regression, `--tolerance`
 * overrides the rules, and malformed baselines or run directories get a
 * one-line error naming the file and the field.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/metrics/index.js';
import {
  expectInputFailure,
  listDir,
  makeTempDir,
  PACKAGE_VERSION,
  randomisedJson,
  removeTempDirs,
  runCli,
  writeScenario,
  type CliResult,
} from './helpers.js';

/**
 * One patient per group. Over-bolusing (bolusScale 1.6) sends each of them
 * into more hypoglycaemia, while every metric of theirs that the baseline has
 * is non-zero or stays zero, and moves by less than 1000 %, so that
 * `--tolerance 10` can pass: a relative tolerance cannot absorb a change
 * from a baseline of 0 (e.g. below_54 from 0 to 5 %).
 */
const COHORT = ['adolescent#004', 'adult#001', 'child#009']; // catalogue order, as runs list them
const GROUPS = ['adolescents', 'adults', 'children'];

interface Rule {
  absolute: number;
  relative: number;
  worse: 'higher' | 'lower' | 'either';
}

interface BaselineJson {
  format: string;
  source: Record<string, unknown>;
  rules: Record<string, Rule>;
  patients: Record<string, Record<string, number | null>>;
  cohort: Record<string, number | null>;
}

interface RunMetrics {
  window: { fromDay: number; toDay: number };
  patients: Record<string, { metrics: Record<string, number | null> }>;
  cohort: { cvga: { percentAB: number }; groups: Record<string, { percentAB: number }> };
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The values a baseline keeps of a run's cohort: CVGA A+B overall and per group. */
function cohortValues(run: RunMetrics): Record<string, number> {
  const values: Record<string, number> = { cvga_percent_ab: run.cohort.cvga.percentAB };
  for (const [g, s] of Object.entries(run.cohort.groups)) values[`cvga_percent_ab_${g}`] = s.percentAB;
  return values;
}

/** Regressions computed here from the files, independently of the CLI: `subject metric` → [baseline, current]. */
function expectedRegressions(baseline: BaselineJson, run: RunMetrics, relativeOverride?: number): Map<string, [number, number | null]> {
  const out = new Map<string, [number, number | null]>();
  const compare = (subject: string, expected: Record<string, number | null>, actual: Record<string, number | null>) => {
    for (const [metric, base] of Object.entries(expected)) {
      if (base === null) continue;
      const rule = baseline.rules[metric];
      const relative = relativeOverride ?? rule.relative;
      const tolerance = Math.max(rule.absolute, relative * Math.abs(base));
      const current = actual[metric];
      if (current === null || current === undefined) {
        out.set(`${subject} ${metric}`, [base, null]);
        continue;
      }
      const delta = current - base;
      const worse = rule.worse === 'higher' ? delta > tolerance : rule.worse === 'lower' ? -delta > tolerance : Math.abs(delta) > tolerance;
      if (worse) out.set(`${subject} ${metric}`, [base, current]);
    }
  };
  for (const [p, values] of Object.entries(baseline.patients)) compare(p, values, run.patients[p].metrics);
  compare('cohort', baseline.cohort, cohortValues(run));
  return out;
}

/** A number as `check` prints it (4 decimals, or 4 in the mantissa), read back: its value within that rounding. */
function expectPrinted(text: string, value: number, what: string): void {
  const printed = Number(text);
  expect(Number.isFinite(printed), `${what}: '${text}'`).toBe(true);
  const tol = /e/.test(text) ? 5e-5 * Math.abs(value) * (1 + 1e-9) : 5e-5 + 1e-12;
  expect(Math.abs(printed - value), `${what}: printed ${text}, value ${value}`).toBeLessThanOrEqual(tol);
}

const REGRESSION_LINE = /^ {2}(\S+) (\S+): (\S+) → (\S+), Δ [+-]\S+( \([+-][\d.]+ %\))?; tolerance \S+, worse if (higher|lower|either)$/;

let dir: string;
let scenario: string;
let base: string;
let rerun: string;
let worse: string;
let baselineFile: string;
let baseline: BaselineJson;

/** Run `scenario` on COHORT into `dir/name`. */
function runInto(scenario: string, name: string, ...extra: string[]): string {
  const out = join(dir, name);
  const r = runCli(['run', scenario, '--cohort', COHORT.join(','), '--out', out, '--workers', '2', '--quiet', ...extra]);
  expect(r.status, `stderr: ${r.stderr}`).toBe(0);
  return out;
}

function check(run: string, file: string, ...extra: string[]): CliResult {
  return runCli(['check', run, '--baseline', file, ...extra]);
}

function expectPass(r: CliResult, file: string, compared: number): void {
  expect(r.status, `stderr: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(`glucosim check: ${compared} values within tolerance of ${file}\n`);
}

/** Values the baseline compares: every non-null patient and cohort value. */
function comparedCount(b: BaselineJson): number {
  const all = [...Object.values(b.patients).flatMap((v) => Object.values(v)), ...Object.values(b.cohort)];
  return all.filter((v) => v !== null).length;
}

beforeAll(() => {
  dir = makeTempDir('check');
  const s = randomisedJson();
  s.days = 2;
  scenario = writeScenario(dir, 'randomised-2day.json', s);
  s.controller = { name: 'standard-therapy', options: { bolusScale: 1.6 } };
  const worseScenario = writeScenario(dir, 'randomised-2day-overbolus.json', s);
  base = runInto(scenario, 'base');
  rerun = runInto(scenario, 'rerun');
  worse = runInto(worseScenario, 'worse');
  const r = runCli(['baseline', base]);
  expect(r.status, `stderr: ${r.stderr}`).toBe(0);
  baselineFile = join(base, 'baseline.json');
  expect(r.stdout).toBe(`${baselineFile}\n`);
  expect(r.stderr).toBe('');
  baseline = readJson<BaselineJson>(baselineFile);
});

afterAll(removeTempDirs);

describe('glucosim baseline <run>', () => {
  it('writes <run>/baseline.json: format, source, and the run\'s metrics per patient and for the cohort', () => {
    const run = readJson<RunMetrics>(join(base, 'metrics.json'));
    expect(baseline.format).toBe('glucosim-baseline/1');
    expect(baseline.source).toMatchObject({ scenario: 'randomised-10day', seed: 1, glucosimVersion: PACKAGE_VERSION, window: { fromDay: 1, toDay: 2 } });
    expect(Object.keys(baseline.patients)).toEqual(COHORT);
    for (const p of COHORT) expect(baseline.patients[p], p).toEqual(run.patients[p].metrics);
    expect(baseline.cohort).toEqual(cohortValues(run));
    expect(Object.keys(baseline.cohort).sort()).toEqual(['cvga_percent_ab', ...GROUPS.map((g) => `cvga_percent_ab_${g}`)].sort());
  });

  it('has a rule per metric: absolute and relative (default 0.1 %) tolerance, and the direction that is worse', () => {
    expect(Object.keys(baseline.rules).sort()).toEqual([...METRIC_NAMES, ...Object.keys(baseline.cohort)].sort());
    for (const [metric, rule] of Object.entries(baseline.rules)) {
      expect(Object.keys(rule).sort(), metric).toEqual(['absolute', 'relative', 'worse']);
      expect(rule.relative, metric).toBe(0.001);
      expect(rule.absolute, metric).toBeGreaterThanOrEqual(0);
      expect(rule.absolute, metric).toBeLessThan(1e-6);
    }
    for (const m of ['lbgi', 'hbgi', 'below_70', 'below_54', 'above_180', 'above_250', 'sd', 'cv', 'adrr', 'gri', 'mage']) {
      expect(baseline.rules[m].worse, m).toBe('higher');
    }
    for (const m of ['tir', 'cvga_percent_ab', 'cvga_percent_ab_children']) expect(baseline.rules[m].worse, m).toBe('lower');
    expect(baseline.rules.mean.worse).toBe('either');
  });

  it('--out writes the baseline elsewhere; --tolerance sets every relative tolerance', () => {
    const copy = join(dir, 'copy-run');
    cpSync(base, copy, { recursive: true });
    const before = listDir(copy);
    const out = join(dir, 'baselines', 'b.json');
    mkdirSync(join(dir, 'baselines'));
    const r = runCli(['baseline', copy, '--out', out, '--tolerance', '0.05']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
    expect(listDir(copy)).toEqual(before); // nothing written into the run
    expect(listDir(join(dir, 'baselines'))).toEqual(['b.json']); // no temporary file left
    const b = readJson<BaselineJson>(out);
    expect(b.patients).toEqual(baseline.patients);
    for (const [metric, rule] of Object.entries(b.rules)) expect(rule, metric).toEqual({ ...baseline.rules[metric], relative: 0.05 });
  });
});

describe('glucosim check <run> --baseline <file>', () => {
  it('passes on the baseline\'s own run, saying how many values it compared', () => {
    const n = comparedCount(baseline);
    expect(n).toBeGreaterThanOrEqual(COHORT.length * (METRIC_NAMES.length - 2)); // MODD/CONGA may lack a value
    expectPass(check(base, baselineFile), baselineFile, n);
  });

  it('passes on an identical re-run with the same seed (whose metrics.json is byte-identical)', () => {
    expect(readFileSync(join(rerun, 'metrics.json')).equals(readFileSync(join(base, 'metrics.json')))).toBe(true);
    expectPass(check(rerun, baselineFile), baselineFile, comparedCount(baseline));
  });

  it('fails (exit 1) on the over-bolusing run, naming each regression with baseline → current; hypoglycaemia is among them', () => {
    const r = check(worse, baselineFile);
    expect(r.status, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    const expected = expectedRegressions(baseline, readJson<RunMetrics>(join(worse, 'metrics.json')));
    expect(expected.size).toBeGreaterThan(0);
    expect(lines[0]).toBe(`glucosim check: ${expected.size} regression(s) against ${baselineFile}:`);
    const named = new Set<string>();
    for (const line of lines.slice(1)) {
      const m = REGRESSION_LINE.exec(line);
      expect(m, `not a regression line: '${line}'`).not.toBeNull();
      const [, subject, metric, before, after] = m!;
      const key = `${subject} ${metric}`;
      named.add(key);
      const values = expected.get(key);
      expect(values, `${key} is named but is not a regression`).toBeDefined();
      expectPrinted(before, values![0], `${key} baseline`);
      expectPrinted(after, values![1]!, `${key} current`);
    }
    expect([...named].sort()).toEqual([...expected.keys()].sort());
    // Over-bolusing: more hypoglycaemia, seen by LBGI and time below 70 mg/dL.
    for (const p of ['adult#001', 'adolescent#004']) {
      expect(named.has(`${p} lbgi`) || named.has(`${p} below_70`), `${p}: LBGI or below_70 is named`).toBe(true);
    }
    expect(lines.some((l) => /^ {2}\S+ (lbgi|below_70): [\d.e+-]+ → [\d.e+-]+, Δ \+/.test(l))).toBe(true);
  });

  it('--tolerance 10 (1000 %) makes the worsened run pass; a tighter one does not', () => {
    expect(expectedRegressions(baseline, readJson<RunMetrics>(join(worse, 'metrics.json')), 10).size).toBe(0);
    expectPass(check(worse, baselineFile, '--tolerance', '10'), baselineFile, comparedCount(baseline));
    const r = check(worse, baselineFile, '--tolerance', '0.5');
    expect(r.status).toBe(1);
    const expected = expectedRegressions(baseline, readJson<RunMetrics>(join(worse, 'metrics.json')), 0.5);
    expect(expected.size).toBeGreaterThan(0);
    expect(r.stderr.split('\n')[0]).toBe(`glucosim check: ${expected.size} regression(s) against ${baselineFile}:`);
  });

  it('a patient of the baseline missing from the run is a regression', () => {
    const partial = join(dir, 'partial-run');
    cpSync(base, partial, { recursive: true });
    const metricsFile = join(partial, 'metrics.json');
    const m = readJson<RunMetrics>(metricsFile);
    delete m.patients['child#009'];
    writeFileSync(metricsFile, JSON.stringify(m, null, 2));
    const r = check(partial, baselineFile);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ {2}child#009: in the baseline, not in the run$/m);
  });
});

describe('glucosim check / baseline: malformed input fails with one line naming the file and field', () => {
  let bad: string;

  beforeAll(() => {
    bad = join(dir, 'bad');
    mkdirSync(bad);
  });

  /** Write a mutated copy of the baseline and run `check` on the baseline's own run. */
  function checkWith(name: string, change: (b: BaselineJson) => void): { file: string; result: CliResult } {
    const b = structuredClone(baseline);
    change(b);
    const file = join(bad, name);
    writeFileSync(file, JSON.stringify(b, null, 2) + '\n');
    return { file, result: check(base, file) };
  }

  it('a wrong format', () => {
    const { file, result } = checkWith('format.json', (b) => (b.format = 'glucosim-baseline/9'));
    expectInputFailure(result, `${file}: format: `, /must be "glucosim-baseline\/1", got "glucosim-baseline\/9"/);
  });

  it('a rule with a negative tolerance (relative, absolute)', () => {
    const rel = checkWith('negative-relative.json', (b) => (b.rules.lbgi.relative = -0.01));
    expectInputFailure(rel.result, `${rel.file}: rules.lbgi.relative: `, /must be a number ≥ 0, got -0\.01/);
    const abs = checkWith('negative-absolute.json', (b) => (b.rules.tir.absolute = -1));
    expectInputFailure(abs.result, `${abs.file}: rules.tir.absolute: `, /must be a number ≥ 0, got -1/);
  });

  it('a rule with worse: "down"', () => {
    const { file, result } = checkWith('worse.json', (b) => ((b.rules.below_70 as { worse: string }).worse = 'down'));
    expectInputFailure(result, `${file}: rules.below_70.worse: `, /must be one of higher, lower, either, got "down"/);
  });

  it('a non-numeric value (patient, cohort)', () => {
    const p = checkWith('value.json', (b) => ((b.patients['adult#001'] as Record<string, unknown>).lbgi = '2.16'));
    expectInputFailure(p.result, `${p.file}: patients.adult#001.lbgi: `, /must be a number or null, got "2\.16"/);
    const c = checkWith('cohort-value.json', (b) => ((b.cohort as Record<string, unknown>).cvga_percent_ab = true));
    expectInputFailure(c.result, `${c.file}: cohort.cvga_percent_ab: `, /must be a number or null, got true/);
  });

  it('missing rules', () => {
    const { file, result } = checkWith('no-rules.json', (b) => delete (b as Partial<BaselineJson>).rules);
    expectInputFailure(result, `${file}: rules: `, /required object is missing/);
  });

  it('invalid JSON: the line and column', () => {
    const file = join(bad, 'invalid.json');
    const lines = readFileSync(baselineFile, 'utf8').split('\n');
    expect(lines[2]).toBe('  "source": {');
    lines[2] = '  "source" {'; // the ':' is missing: line 3, column 12
    writeFileSync(file, lines.join('\n'));
    expectInputFailure(check(base, file), `${file}: `, /^invalid JSON at line 3, column 12\b/);
  });

  it('a missing baseline file', () => {
    const file = join(bad, 'does-not-exist.json');
    expectInputFailure(check(base, file), `${file}: `, /^file not found$/);
  });

  it('a negative --tolerance', () => {
    expectInputFailure(check(base, baselineFile, '--tolerance', '-1'), '--tolerance: ', /must be a number ≥ 0/);
    expectInputFailure(runCli(['baseline', base, '--out', join(bad, 'x.json'), '--tolerance', '-1']), '--tolerance: ', /must be a number ≥ 0/);
    expect(existsSync(join(bad, 'x.json'))).toBe(false);
  });

  it('a run directory without metrics.json (a --no-report run) is refused by check and by baseline, naming the file', () => {
    const noReport = runInto(scenario, 'no-report', '--no-report');
    const file = join(noReport, 'metrics.json');
    expectInputFailure(check(noReport, baselineFile), `${file}: `, /^file not found$/);
    expectInputFailure(runCli(['baseline', noReport]), `${file}: `, /^file not found$/);
    expect(listDir(noReport)).toEqual(['summary.json', 'traces']);
  });

  it('a metrics.json of another format is refused, naming the file and field', () => {
    const other = join(dir, 'other-format');
    cpSync(base, other, { recursive: true });
    const file = join(other, 'metrics.json');
    writeFileSync(file, JSON.stringify({ ...readJson<object>(file), format: 'glucosim-metrics/0' }));
    expectInputFailure(check(other, baselineFile), `${file}: format: `, /must be "glucosim-metrics\/1", got "glucosim-metrics\/0"/);
  });
});
