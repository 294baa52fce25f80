/**
 * End-to-end tests of `glucosim --help` and `glucosim run`, through the built
 * CLI in a child process.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectInputFailure,
  listDir,
  makeTempDir,
  numericColumn,
  PACKAGE_VERSION,
  RANDOMISED_FILE,
  randomisedJson,
  readCsv,
  removeTempDirs,
  runCli,
  writeScenario,
  type CliResult,
  type Csv,
} from './helpers.js';

const TRACE_HEADER =
  'minute,day,time_of_day,bg_mg_dl,cgm_mg_dl,carbs_eaten_g,carbs_announced_g,carbs_estimated_g,basal_u_per_h,bolus_u,' +
  'injected_rapid_u,injected_regular_u,injected_nph_u,injected_long_u';
const MINUTES_10_DAYS = 14_400;

const ADOLESCENTS = Array.from({ length: 10 }, (_, i) => `adolescent#${String(i + 1).padStart(3, '0')}`);
const ADULTS = Array.from({ length: 10 }, (_, i) => `adult#${String(i + 1).padStart(3, '0')}`);
const CHILDREN = Array.from({ length: 10 }, (_, i) => `child#${String(i + 1).padStart(3, '0')}`);

interface PatientSummary {
  patient: string;
  meanBgMgDl: number;
  minBgMgDl: number;
  maxBgMgDl: number;
  totalInsulinU: number;
  totalBasalU: number;
  totalBolusU: number;
  totalCarbsG: number;
}

interface RunSummary {
  glucosimVersion: string;
  scenario: { name: string; file: string; days: number; controller: { name: string; options: object; timeoutMs: number; latencyMs: number } };
  seed: number | string;
  cohort: string[];
  createdAt: string;
  patients: PatientSummary[];
}

function readSummary(runDir: string): RunSummary {
  return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
}

function traceFile(runDir: string, patient: string): string {
  return join(runDir, 'traces', `${patient}.csv`);
}

/** Expect a successful run: exit 0, the run directory on stdout, only progress lines on stderr. */
function expectRunOk(result: CliResult, out: string): void {
  const context = `stderr: ${result.stderr}`;
  expect(result.status, context).toBe(0);
  expect(result.stdout).toBe(`${out}\n`);
  for (const line of result.stderr.split('\n').filter((l) => l !== '')) expect(line).toMatch(/^run .*: \d+\/\d+ patients, /);
  expect(existsSync(join(out, 'summary.json'))).toBe(true);
}

/** A copy of randomised-10day.json lasting one day, for the faster runs. */
function oneDayScenario(dir: string): string {
  const s = randomisedJson();
  s.days = 1;
  return writeScenario(dir, 'randomised-1day.json', s);
}

afterAll(removeTempDirs);

describe('glucosim --help', () => {
  it('exits 0 and lists the run and replay commands', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^glucosim <command>/);
    expect(r.stdout).toMatch(/^\s+glucosim run <scenario>\s/m);
    expect(r.stdout).toMatch(/^\s+glucosim replay\s/m);
    expect(r.stderr).toBe('');
  });

  it('run --help and replay --help list their options', () => {
    const run = runCli(['run', '--help']);
    expect(run.status).toBe(0);
    for (const option of ['--cohort', '--out', '--workers', '--seed', '--quiet']) expect(run.stdout).toContain(option);
    const replay = runCli(['replay', '--help']);
    expect(replay.status).toBe(0);
    for (const option of ['--patient', '--inputs', '--out', '--eat-rate']) expect(replay.stdout).toContain(option);
  });

  it('--version prints the package version', () => {
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(PACKAGE_VERSION);
  });

  it('no command is a usage error (exit 2, a glucosim: line on stderr)', () => {
    const r = runCli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^glucosim: /);
  });
});

describe('run randomised-10day.json on a 2-patient cohort', () => {
  const cohort = ['adult#001', 'child#001'];
  let parent: string;
  let out: string;
  let result: CliResult;
  let summary: RunSummary;
  const traces = new Map<string, Csv>();

  beforeAll(() => {
    parent = makeTempDir('run2');
    out = join(parent, 'run');
    result = runCli(['run', RANDOMISED_FILE, '--cohort', cohort.join(','), '--out', out, '--workers', '2']);
    expectRunOk(result, out);
    summary = readSummary(out);
    for (const p of cohort) traces.set(p, readCsv(traceFile(out, p)));
  });

  it('prints the run directory and reports progress on stderr', () => {
    expect(result.stdout).toBe(`${out}\n`);
    expect(result.stderr).toMatch(/^run randomised-10day\.json: 2\/2 patients, 20\/20 patient-days, /m);
  });

  it('writes traces, summary and the report, and leaves no temporary directory behind', () => {
    expect(listDir(parent)).toEqual(['run']);
    expect(listDir(out)).toEqual(['cvga.svg', 'daily.csv', 'lbgi-daily.svg', 'metrics.csv', 'metrics.json', 'plots', 'report.html', 'summary.json', 'traces']);
    expect(listDir(join(out, 'traces'))).toEqual(cohort.map((p) => `${p}.csv`).sort());
  });

  it('writes one trace row per minute, 14,400 for 10 days, under the documented header', () => {
    for (const p of cohort) {
      const csv = traces.get(p)!;
      expect(csv.header.join(',')).toBe(TRACE_HEADER);
      expect(csv.rows).toHaveLength(MINUTES_10_DAYS);
      for (const row of csv.rows) expect(row).toHaveLength(csv.header.length);
      const minute = numericColumn(csv, 'minute');
      const day = numericColumn(csv, 'day');
      expect(minute.every((m, i) => m === i)).toBe(true);
      expect(day.every((d, i) => d === Math.floor(i / 1440) + 1)).toBe(true);
      // startTime 00:00: the clock is the minute of the day.
      expect(csv.rows[0][2]).toBe('00:00');
      expect(csv.rows[61][2]).toBe('01:01');
      expect(csv.rows[1439][2]).toBe('23:59');
      expect(csv.rows[1440][2]).toBe('00:00');
      expect(csv.rows[MINUTES_10_DAYS - 1][2]).toBe('23:59');
      const bg = numericColumn(csv, 'bg_mg_dl');
      expect(bg.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
      // The sensor samples some minutes only (empty cells between), and readings are positive.
      const cgm = numericColumn(csv, 'cgm_mg_dl').filter((v) => !Number.isNaN(v));
      expect(cgm.length).toBeGreaterThan(MINUTES_10_DAYS / 60);
      expect(cgm.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
      for (const column of ['carbs_eaten_g', 'carbs_announced_g', 'carbs_estimated_g', 'basal_u_per_h', 'bolus_u']) {
        expect(numericColumn(csv, column).every((v) => Number.isFinite(v) && v >= 0), column).toBe(true);
      }
    }
  });

  it('summary.json names the version, scenario, seed, cohort and time of the run', () => {
    expect(summary.glucosimVersion).toBe(PACKAGE_VERSION);
    expect(summary.scenario.name).toBe('randomised-10day');
    expect(summary.scenario.file).toBe(RANDOMISED_FILE);
    expect(summary.scenario.days).toBe(10);
    expect(summary.scenario.controller).toEqual({ name: 'standard-therapy', options: {}, timeoutMs: 10_000, latencyMs: 0 });
    expect(summary.seed).toBe(1);
    expect(summary.cohort).toEqual(cohort);
    const created = Date.parse(summary.createdAt);
    expect(Number.isFinite(created)).toBe(true);
    expect(Math.abs(Date.now() - created)).toBeLessThan(10 * 60_000);
    expect(summary.patients.map((p) => p.patient)).toEqual(cohort);
  });

  it('per-patient numbers are finite and agree with the trace within the CSV rounding', () => {
    for (const s of summary.patients) {
      for (const key of ['meanBgMgDl', 'minBgMgDl', 'maxBgMgDl', 'totalInsulinU', 'totalBasalU', 'totalBolusU', 'totalCarbsG'] as const) {
        expect(Number.isFinite(s[key]), `${s.patient} ${key}`).toBe(true);
      }
      const csv = traces.get(s.patient)!;
      const n = csv.rows.length;
      // bg_mg_dl has 3 decimals: each cell is within 0.0005 of the value summarised.
      const bg = numericColumn(csv, 'bg_mg_dl');
      const bgTol = 0.0005 + 1e-9;
      expect(Math.abs(bg.reduce((a, b) => a + b, 0) / n - s.meanBgMgDl)).toBeLessThanOrEqual(bgTol);
      expect(Math.abs(Math.min(...bg) - s.minBgMgDl)).toBeLessThanOrEqual(bgTol);
      expect(Math.abs(Math.max(...bg) - s.maxBgMgDl)).toBeLessThanOrEqual(bgTol);
      // Basal in U/h with 4 decimals (U per minute = cell / 60), bolus in U with 4 decimals.
      const basalU = numericColumn(csv, 'basal_u_per_h').reduce((a, b) => a + b / 60, 0);
      const bolus = numericColumn(csv, 'bolus_u');
      const bolusU = bolus.reduce((a, b) => a + b, 0);
      const basalTol = (n * 0.00005) / 60 + 1e-6;
      const bolusTol = bolus.filter((v) => v !== 0).length * 0.00005 + 1e-6;
      expect(Math.abs(basalU - s.totalBasalU)).toBeLessThanOrEqual(basalTol);
      expect(Math.abs(bolusU - s.totalBolusU)).toBeLessThanOrEqual(bolusTol);
      expect(Math.abs(basalU + bolusU - s.totalInsulinU)).toBeLessThanOrEqual(basalTol + bolusTol);
      expect(Math.abs(s.totalBasalU + s.totalBolusU - s.totalInsulinU)).toBeLessThanOrEqual(1e-9 * s.totalInsulinU);
      expect(s.totalBolusU).toBeGreaterThan(0);
      // Carbs eaten, 3 decimals.
      const carbs = numericColumn(csv, 'carbs_eaten_g');
      const carbsTol = carbs.filter((v) => v !== 0).length * 0.0005 + 1e-6;
      expect(Math.abs(carbs.reduce((a, b) => a + b, 0) - s.totalCarbsG)).toBeLessThanOrEqual(carbsTol);
      // 10 days of breakfast (≥ 30 g) and lunch (≥ 70 g), never omitted.
      expect(s.totalCarbsG).toBeGreaterThanOrEqual(10 * (30 + 70) - 1e-6);
    }
  });

  it('is deterministic: the same command again gives byte-identical traces', () => {
    const again = join(makeTempDir('run2-again'), 'run');
    expectRunOk(runCli(['run', RANDOMISED_FILE, '--cohort', cohort.join(','), '--out', again, '--workers', '2', '--quiet']), again);
    for (const p of cohort) expect(readFileSync(traceFile(again, p)).equals(readFileSync(traceFile(out, p))), p).toBe(true);
    const { createdAt: _a, ...first } = summary;
    const { createdAt: _b, ...second } = readSummary(again);
    expect(second).toEqual(first);
  });
});

describe('run: determinism, seeds and named groups (1-day copy of randomised-10day)', () => {
  let dir: string;
  let scenario: string;
  const cohort = 'adult#001,child#001';
  const runInto = (name: string, ...extra: string[]): string => {
    const out = join(dir, name);
    expectRunOk(runCli(['run', scenario, '--cohort', cohort, '--out', out, '--workers', '2', '--quiet', ...extra]), out);
    return out;
  };
  const sameTraces = (a: string, b: string, patient: string) =>
    readFileSync(traceFile(a, patient)).equals(readFileSync(traceFile(b, patient)));

  beforeAll(() => {
    dir = makeTempDir('seed');
    scenario = oneDayScenario(dir);
  });

  it('--quiet prints nothing on stderr; traces have 1,440 rows', () => {
    const out = join(dir, 'quiet');
    const r = runCli(['run', scenario, '--cohort', cohort, '--out', out, '--workers', '2', '--quiet']);
    expectRunOk(r, out);
    expect(r.stderr).toBe('');
    expect(readCsv(traceFile(out, 'adult#001')).rows).toHaveLength(1440);
  });

  it('gives byte-identical traces twice, with 1 or 2 workers, and with --seed equal to the scenario seed', () => {
    const a = runInto('a');
    const b = runInto('b');
    const oneWorker = runInto('w1', '--workers', '1');
    const seed1 = runInto('s1', '--seed', '1');
    for (const p of cohort.split(',')) {
      expect(sameTraces(a, b, p), p).toBe(true);
      expect(sameTraces(a, oneWorker, p), p).toBe(true);
      expect(sameTraces(a, seed1, p), p).toBe(true);
    }
    expect(readSummary(seed1).seed).toBe(1);
  });

  it('--seed 2 changes the meals and the CGM noise but not the cohort', () => {
    const a = runInto('seed-default');
    const b = runInto('seed2', '--seed', '2');
    const sa = readSummary(a);
    const sb = readSummary(b);
    expect(sb.seed).toBe(2);
    expect(sb.cohort).toEqual(sa.cohort);
    expect(listDir(join(b, 'traces'))).toEqual(listDir(join(a, 'traces')));
    for (const p of cohort.split(',')) {
      expect(sameTraces(a, b, p), p).toBe(false);
      const ta = readCsv(traceFile(a, p));
      const tb = readCsv(traceFile(b, p));
      expect(numericColumn(tb, 'carbs_eaten_g'), `${p} meals`).not.toEqual(numericColumn(ta, 'carbs_eaten_g'));
      expect(numericColumn(tb, 'cgm_mg_dl'), `${p} CGM`).not.toEqual(numericColumn(ta, 'cgm_mg_dl'));
      // Same patient: the same starting glucose.
      expect(tb.rows[0][3]).toBe(ta.rows[0][3]);
    }
  });

  it('a non-numeric --seed is a seed too, and differs from the default', () => {
    const a = runInto('seed-text-default');
    const b = runInto('seed-text', '--seed', 'trial-A');
    expect(readSummary(b).seed).toBe('trial-A');
    expect(sameTraces(a, b, 'adult#001')).toBe(false);
  });

  it('--cohort children selects exactly the 10 children, in order', () => {
    const out = join(dir, 'children');
    expectRunOk(runCli(['run', scenario, '--cohort', 'children', '--out', out, '--workers', '2', '--quiet']), out);
    expect(listDir(join(out, 'traces'))).toEqual(CHILDREN.map((p) => `${p}.csv`).sort());
    const s = readSummary(out);
    expect(s.cohort).toEqual(CHILDREN);
    expect(s.patients.map((p) => p.patient)).toEqual(CHILDREN);
  });
});

describe('run scenarios/randomised-10day.json --out <dir> (the README\'s first command)', () => {
  it('runs the full default cohort of 30 patients', () => {
    const out = join(makeTempDir('full'), 'run');
    const r = runCli(['run', 'scenarios/randomised-10day.json', '--out', out], 120_000);
    expectRunOk(r, out);
    const all = [...ADOLESCENTS, ...ADULTS, ...CHILDREN];
    expect(listDir(join(out, 'traces'))).toEqual(all.map((p) => `${p}.csv`).sort());
    const s = readSummary(out);
    expect(s.cohort).toEqual(all);
    expect(s.patients).toHaveLength(30);
    for (const p of s.patients) {
      expect(Number.isFinite(p.meanBgMgDl) && Number.isFinite(p.totalInsulinU), p.patient).toBe(true);
      const text = readFileSync(traceFile(out, p.patient), 'utf8');
      expect(text.split('\n').length, p.patient).toBe(1 + MINUTES_10_DAYS + 1); // header, rows, final newline
    }
  });
});

describe('run: bad input fails with one line, names the file and field, and writes nothing', () => {
  let inputs: string;
  let outs: string;
  let out: string;

  beforeAll(() => {
    const dir = makeTempDir('bad');
    inputs = join(dir, 'inputs');
    outs = join(dir, 'outs');
    mkdirSync(inputs);
    mkdirSync(outs);
    out = join(outs, 'run');
  });

  /** Write `scenario` (an object, or raw text) and run it; afterwards nothing is in `outs`. */
  function runBad(name: string, scenario: unknown, ...extra: string[]): { file: string; result: CliResult } {
    const file = join(inputs, name);
    if (typeof scenario === 'string') writeFileSync(file, scenario);
    else writeScenario(inputs, name, scenario);
    const workers = extra.includes('--workers') ? [] : ['--workers', '2'];
    const result = runCli(['run', file, '--out', out, ...workers, ...extra]);
    expect(existsSync(out)).toBe(false);
    expect(listDir(outs)).toEqual([]); // no `.run.tmp-*` sibling either
    return { file, result };
  }

  const mutated = (change: (s: Record<string, any>) => void): Record<string, any> => {
    const s = randomisedJson();
    change(s);
    return s;
  };

  it('a missing field (days)', () => {
    const { file, result } = runBad('no-days.json', mutated((s) => delete s.days));
    expectInputFailure(result, `${file}: days: `, /required field is missing/);
  });

  it('a wrong type (days: "ten")', () => {
    const { file, result } = runBad('days-ten.json', mutated((s) => (s.days = 'ten')));
    expectInputFailure(result, `${file}: days: `, /must be integer.*"ten"/);
  });

  it('a negative carb amount (carbsG.min: -5)', () => {
    const { file, result } = runBad('negative-carbs.json', mutated((s) => (s.meals.protocol.meals[0].carbsG.min = -5)));
    expectInputFailure(result, `${file}: meals.protocol.meals[0].carbsG.min: `, /must be ≥ 0.*-5/);
  });

  it('an unknown sensor model', () => {
    const { file, result } = runBad('sensor.json', mutated((s) => (s.sensor.model = 'Libre9')));
    expectInputFailure(result, `${file}: sensor.model: `, /must be one of .*Dexcom.*Libre9/);
  });

  it('an unknown pump model', () => {
    const { file, result } = runBad('pump.json', mutated((s) => (s.pump.model = 'Omnipod9')));
    expectInputFailure(result, `${file}: pump.model: `, /must be one of .*Insulet.*Omnipod9/);
  });

  it('an unknown patient in --cohort', () => {
    const { result } = runBad('ok.json', randomisedJson(), '--cohort', 'adult#999');
    expectInputFailure(result, '--cohort: ', /unknown patient or group 'adult#999'/);
  });

  it('an unknown patient in the scenario\'s cohort field', () => {
    const { file, result } = runBad('cohort.json', mutated((s) => (s.cohort = 'adults,adult#999')));
    expectInputFailure(result, `${file}: cohort: `, /unknown patient or group 'adult#999'/);
  });

  it('an unknown controller name', () => {
    const { file, result } = runBad('controller.json', mutated((s) => (s.controller.name = 'mpc')));
    expectInputFailure(result, `${file}: controller.name: `, /unknown controller 'mpc'/);
  });

  it('an unknown controller option', () => {
    const { file, result } = runBad('option.json', mutated((s) => (s.controller.options = { targetMgDl: 120, aggressiveness: 2 })));
    expectInputFailure(result, `${file}: controller.options.aggressiveness: `, /unknown property \(allowed: correction, targetMgDl/);
  });

  it('invalid JSON', () => {
    const { file, result } = runBad('invalid.json', '{\n  "name": "x",\n  "days": 1,,\n}\n');
    expectInputFailure(result, `${file}: `, /^invalid JSON at line 3, column \d+/);
  });

  it('a missing scenario file', () => {
    const file = join(inputs, 'does-not-exist.json');
    const result = runCli(['run', file, '--out', out]);
    expect(existsSync(out)).toBe(false);
    expect(listDir(outs)).toEqual([]);
    expectInputFailure(result, `${file}: `, /^file not found$/);
  });

  it('--workers 0', () => {
    const { result } = runBad('ok-workers.json', randomisedJson(), '--cohort', 'adult#001', '--workers', '0');
    expectInputFailure(result, '--workers: ', /whole number ≥ 1/);
  });

  it('an empty --seed', () => {
    const { result } = runBad('ok-seed.json', randomisedJson(), '--cohort', 'adult#001', '--seed=');
    expectInputFailure(result, '--seed: ', /must not be empty/);
  });

  it('an option given twice (--seed 1 --seed 2, --cohort a --cohort b)', () => {
    const seeds = runBad('ok-twice.json', randomisedJson(), '--cohort', 'adult#001', '--seed', '1', '--seed', '2');
    expectInputFailure(seeds.result, '--seed: ', /given 2 times/);
    const cohorts = runBad('ok-twice.json', randomisedJson(), '--cohort', 'adult#001', '--cohort', 'adult#002');
    expectInputFailure(cohorts.result, '--cohort: ', /given 2 times/);
  });

  it('an --out that already exists is refused and left untouched', () => {
    const existing = join(outs, 'existing');
    mkdirSync(existing);
    const marker = join(existing, 'keep.txt');
    writeFileSync(marker, 'precious\n');
    const before = statSync(marker).mtimeMs;
    const result = runCli(['run', RANDOMISED_FILE, '--cohort', 'adult#001', '--out', existing, '--workers', '2']);
    expectInputFailure(result, '--out: ', new RegExp(`${existing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already exists`));
    expect(listDir(outs)).toEqual(['existing']);
    expect(listDir(existing)).toEqual(['keep.txt']);
    expect(readFileSync(marker, 'utf8')).toBe('precious\n');
    expect(statSync(marker).mtimeMs).toBe(before);
  });
});
