/**
 * End-to-end tests of the report files `glucosim run` writes (issue #3, item
 * 4): metrics.csv, metrics.json, daily.csv, the SVG figures and report.html,
 * checked against the traces the same run wrote, recomputed with the metrics
 * library; the `--window-days` option and `--no-report`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVGA_AB_ZONES, CVGA_MAX_CUTS, CVGA_MIN_CUTS, CVGA_ZONES, cvgaPoint } from '../../src/metrics/cvga.js';
import { bgRisk, computeMetrics, METRIC_NAMES, type MetricName, type Metrics } from '../../src/metrics/index.js';
import { gradeScore } from '../../src/metrics/variability.js';
import { bloodGlucoseSeries, type DayWindow } from '../../src/report/patientAnalysis.js';
import { createTrace } from '../../src/sim/trace.js';
import {
  expectInputFailure,
  listDir,
  makeTempDir,
  numericColumn,
  PACKAGE_VERSION,
  randomisedJson,
  readCsv,
  removeTempDirs,
  runCli,
  writeScenario,
  type CliResult,
  type Csv,
} from './helpers.js';

/** Three groups, two adults: group shares are not all 0 or 100 by construction. */
const COHORT = ['adolescent#001', 'adult#001', 'adult#002', 'child#001'];
const GROUP: Record<string, string> = {
  'adolescent#001': 'adolescents',
  'adult#001': 'adults',
  'adult#002': 'adults',
  'child#001': 'children',
};
const DAYS = 2;
const REPORT_FILES = ['cvga.svg', 'daily.csv', 'lbgi-daily.svg', 'metrics.csv', 'metrics.json', 'plots', 'report.html', 'summary.json', 'traces'];

interface MetricsJson {
  format: string;
  glucosimVersion: string;
  scenario: string;
  seed: number | string;
  series: string;
  window: DayWindow;
  metricNames: string[];
  patients: Record<
    string,
    { group: string; metrics: Record<string, number | null>; cvga: { minMgDl: number; maxMgDl: number; zone: string } | null }
  >;
  cohort: {
    cvga: { n: number; percent: Record<string, number>; percentAB: number };
    groups: Record<string, { n: number; percent: Record<string, number>; percentAB: number }>;
  };
}

function readMetricsJson(run: string): MetricsJson {
  return JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as MetricsJson;
}

/** Every file under `dir`, as paths relative to it. */
function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, name)).isDirectory() ? allFiles(join(dir, name), rel) : [rel];
  });
}

function expectRunOk(result: CliResult, out: string): void {
  expect(result.status, `stderr: ${result.stderr}`).toBe(0);
  expect(result.stdout).toBe(`${out}\n`);
}

// ---- recomputing from the trace CSV ------------------------------------------

/** bg_mg_dl is written with 3 decimals: each cell is within this of the value the report used. */
const DELTA = 0.0005 * (1 + 1e-9);
/** Room for floating-point summation order (the bounds below are exact otherwise). */
const FLOAT = 1e-9;

/** The trace CSV's blood glucose as a library Trace (only what `bloodGlucoseSeries` reads). */
function traceFromCsv(csv: Csv, patient: string) {
  const bg = numericColumn(csv, 'bg_mg_dl');
  const trace = createTrace(patient, bg.length, 0); // randomised-10day starts at 00:00
  trace.bgMgDl.set(bg);
  return trace;
}

/**
 * Largest change of each metric when every reading moves by at most DELTA,
 * from the readings as the CSV gives them (first order is exact enough: the
 * per-reading functions are smooth and monotone over ±0.0005 mg/dL):
 * - mean, percentiles (CVGA): ≤ δ; SD ≤ δ·√(n/(n−1)); MODD, CONGA and MAGE
 *   are built from differences of two (interpolated) readings: ≤ 2δ each
 *   (CONGA an SD of those: ×√(c/(c−1)));
 * - per-reading averages (LBGI, HBGI, BGRI, M-value, GRADE): the mean over
 *   readings of the largest change of that reading's term; ADRR: twice the
 *   largest change of one reading's risk (a daily max of low plus of high risk);
 * - count-based ranges (and GRI) only change if a reading lies within δ of a
 *   threshold: 100/n per such reading (GRI: × at most 2.4 per band step);
 * - CV, GMI, eA1c, J-index: propagated from the bounds of mean and SD.
 */
function roundingTolerances(g: ArrayLike<number>, m: Metrics): Record<MetricName, number> {
  const n = g.length;
  const change = (h: (x: number) => number) => {
    let sum = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.max(Math.abs(h(g[i] + DELTA) - h(g[i])), Math.abs(h(g[i] - DELTA) - h(g[i])));
      sum += d;
      max = Math.max(max, d);
    }
    return { mean: (1.01 * sum) / n, max: 1.01 * max };
  };
  const risk = change(bgRisk);
  const mTerm = change((x) => 1000 * Math.abs(Math.log10(x / 90)) ** 3);
  const gradeTerm = change(gradeScore);
  const nearThreshold = Array.from(g).filter((x) => [54, 70, 180, 250].some((t) => Math.abs(x - t) <= DELTA)).length;
  const rangeTol = (100 * nearThreshold) / n + FLOAT;
  const dMean = DELTA;
  const dSd = DELTA * Math.sqrt(n / (n - 1));
  const s = m.mean + m.sd;
  return {
    mean: dMean + FLOAT,
    sd: dSd + FLOAT,
    cv: (100 * (dSd * m.mean + m.sd * dMean)) / (m.mean * (m.mean - dMean)) + FLOAT,
    gmi: 0.02392 * dMean + FLOAT,
    ea1c: dMean / 28.7 + FLOAT,
    j_index: 0.001 * ((s + dMean + dSd) ** 2 - s * s) + FLOAT,
    tir: rangeTol,
    below_70: rangeTol,
    below_54: rangeTol,
    above_180: rangeTol,
    above_250: rangeTol,
    lbgi: risk.mean + FLOAT,
    hbgi: risk.mean + FLOAT,
    bgri: risk.mean + FLOAT,
    adrr: 2 * risk.max + FLOAT,
    gri: 2.4 * rangeTol + FLOAT,
    m_value: mTerm.mean + FLOAT,
    grade: gradeTerm.mean + FLOAT,
    modd: 2 * DELTA + FLOAT,
    conga: 2.01 * DELTA + FLOAT,
    mage: 2 * DELTA + FLOAT,
  };
}

/** The report's metrics of one patient agree with the library on the CSV's readings within the rounding bounds. */
function expectMetricsMatchTrace(
  record: MetricsJson['patients'][string],
  csv: Csv,
  patient: string,
  window: DayWindow,
): { ours: Metrics; tol: Record<MetricName, number> } {
  const series = bloodGlucoseSeries(traceFromCsv(csv, patient), window);
  expect(series.glucoseMgDl.length).toBe((window.toDay - window.fromDay + 1) * 1440);
  const ours = computeMetrics(series);
  const tol = roundingTolerances(series.glucoseMgDl, ours);
  for (const metric of METRIC_NAMES) {
    const reported = record.metrics[metric];
    // A metric without a value (e.g. MODD and 24-h CONGA on a 1-day window) is NaN in the library, null in JSON.
    if (Number.isNaN(ours[metric])) {
      expect(reported, `${patient} ${metric}`).toBeNull();
      continue;
    }
    expect(reported, `${patient} ${metric} is null`).not.toBeNull();
    expect(Math.abs(reported! - ours[metric]), `${patient} ${metric}: report ${reported}, from trace ${ours[metric]}, tolerance ${tol[metric]}`).toBeLessThanOrEqual(
      tol[metric],
    );
  }
  // CVGA: percentiles move by at most δ; the zone is the same unless a percentile sits within δ of a cut.
  const point = cvgaPoint(series.glucoseMgDl);
  expect(record.cvga).not.toBeNull();
  expect(Math.abs(record.cvga!.minMgDl - point.minMgDl), `${patient} CVGA min`).toBeLessThanOrEqual(DELTA + FLOAT);
  expect(Math.abs(record.cvga!.maxMgDl - point.maxMgDl), `${patient} CVGA max`).toBeLessThanOrEqual(DELTA + FLOAT);
  const nearCut = CVGA_MIN_CUTS.some((c) => Math.abs(point.rawMinMgDl - c) <= DELTA) || CVGA_MAX_CUTS.some((c) => Math.abs(point.rawMaxMgDl - c) <= DELTA);
  if (!nearCut) expect(record.cvga!.zone, `${patient} CVGA zone`).toBe(point.zone);
  return { ours, tol };
}

/** Zone shares sum to 100 and agree with the zones of the patients they cover. */
function expectShares(shares: MetricsJson['cohort']['cvga'], zones: string[], what: string): void {
  expect(shares.n, what).toBe(zones.length);
  expect(Object.keys(shares.percent).sort(), what).toEqual([...CVGA_ZONES].sort());
  const total = Object.values(shares.percent).reduce((a, b) => a + b, 0);
  expect(Math.abs(total - 100), `${what}: zone percentages sum to ${total}`).toBeLessThanOrEqual(1e-9);
  for (const z of CVGA_ZONES) {
    expect(shares.percent[z], `${what} ${z}`).toBeCloseTo((100 * zones.filter((x) => x === z).length) / zones.length, 10);
  }
  const ab = CVGA_AB_ZONES.reduce((sum, z) => sum + shares.percent[z], 0);
  expect(shares.percentAB, `${what} A+B`).toBeCloseTo(ab, 10);
}

// ---- the runs ------------------------------------------------------------------

let dir: string;
let scenario: string;

/** Run the 2-day scenario on COHORT into `dir/name`. */
function runInto(name: string, ...extra: string[]): string {
  const out = join(dir, name);
  expectRunOk(runCli(['run', scenario, '--cohort', COHORT.join(','), '--out', out, '--workers', '2', '--quiet', ...extra]), out);
  return out;
}

beforeAll(() => {
  dir = makeTempDir('report');
  const s = randomisedJson();
  s.days = DAYS;
  scenario = writeScenario(dir, 'randomised-2day.json', s);
});

afterAll(removeTempDirs);

describe('glucosim run writes the report (2-day copy of randomised-10day, 4 patients)', () => {
  let out: string;
  let metrics: MetricsJson;
  const traces = new Map<string, Csv>();

  beforeAll(() => {
    out = runInto('full');
    metrics = readMetricsJson(out);
    for (const p of COHORT) traces.set(p, readCsv(join(out, 'traces', `${p}.csv`)));
  });

  it('writes traces, summary, metrics, daily values, figures and report.html, and nothing else', () => {
    expect(listDir(out)).toEqual(REPORT_FILES);
    expect(listDir(join(out, 'plots'))).toEqual(COHORT.map((p) => `${p}.svg`).sort());
    expect(listDir(join(out, 'traces'))).toEqual(COHORT.map((p) => `${p}.csv`).sort());
    for (const f of allFiles(out)) expect(statSync(join(out, f)).size, f).toBeGreaterThan(0);
  });

  it('no output file contains NaN, Infinity or undefined', () => {
    for (const f of allFiles(out)) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text, f).not.toMatch(/NaN|Infinity|undefined/);
    }
  });

  it('metrics.json: format, scenario, seed, window, metric names, one record per patient with its group', () => {
    expect(metrics.format).toBe('glucosim-metrics/1');
    expect(metrics.glucosimVersion).toBe(PACKAGE_VERSION);
    expect(metrics.scenario).toBe('randomised-10day');
    expect(metrics.seed).toBe(1);
    expect(metrics.series).toBe('bg');
    expect(metrics.window).toEqual({ fromDay: 1, toDay: DAYS });
    expect(metrics.metricNames).toEqual([...METRIC_NAMES]);
    expect(Object.keys(metrics.patients)).toEqual(COHORT);
    for (const p of COHORT) {
      const r = metrics.patients[p];
      expect(r.group, p).toBe(GROUP[p]);
      expect(Object.keys(r.metrics), p).toEqual([...METRIC_NAMES]);
      for (const m of METRIC_NAMES) expect(Number.isFinite(r.metrics[m]), `${p} ${m} = ${r.metrics[m]}`).toBe(true);
      expect(r.cvga, p).not.toBeNull();
      expect(CVGA_ZONES as readonly string[], p).toContain(r.cvga!.zone);
    }
  });

  it('metrics.json: every metric and CVGA point agrees with the library on each trace (within the 3-decimal rounding)', () => {
    for (const p of COHORT) expectMetricsMatchTrace(metrics.patients[p], traces.get(p)!, p, { fromDay: 1, toDay: DAYS });
  });

  it('metrics.json: over all days, the mean is summary.json\'s mean BG of the same minutes', () => {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { patients: { patient: string; meanBgMgDl: number }[] };
    for (const s of summary.patients) expect(metrics.patients[s.patient].metrics.mean, s.patient).toBeCloseTo(s.meanBgMgDl, 9);
  });

  it('metrics.json: cohort and group CVGA zone shares sum to 100 and match the patients\' zones', () => {
    const zoneOf = (p: string) => metrics.patients[p].cvga!.zone;
    expectShares(metrics.cohort.cvga, COHORT.map(zoneOf), 'cohort');
    expect(Object.keys(metrics.cohort.groups)).toEqual(['adolescents', 'adults', 'children']);
    for (const [group, shares] of Object.entries(metrics.cohort.groups)) {
      expectShares(shares, COHORT.filter((p) => GROUP[p] === group).map(zoneOf), group);
    }
  });

  it('metrics.csv: one row per patient with group, every metric and the CVGA point, equal to metrics.json', () => {
    const csv = readCsv(join(out, 'metrics.csv'));
    expect(csv.header).toEqual(['patient', 'group', ...METRIC_NAMES, 'cvga_min_mg_dl', 'cvga_max_mg_dl', 'cvga_zone']);
    expect(csv.rows.map((r) => r[0])).toEqual(COHORT);
    for (const row of csv.rows) {
      expect(row, row[0]).toHaveLength(csv.header.length);
      const record = metrics.patients[row[0]];
      expect(row[1]).toBe(GROUP[row[0]]);
      METRIC_NAMES.forEach((m, i) => expect(Number(row[2 + i]), `${row[0]} ${m}`).toBe(record.metrics[m]));
      const k = 2 + METRIC_NAMES.length;
      expect(Number(row[k])).toBe(record.cvga!.minMgDl);
      expect(Number(row[k + 1])).toBe(record.cvga!.maxMgDl);
      expect(row[k + 2]).toBe(record.cvga!.zone);
    }
  });

  it('daily.csv: LBGI, HBGI, TIR and mean per patient and day, as the library computes them on that day of the trace', () => {
    const csv = readCsv(join(out, 'daily.csv'));
    expect(csv.header).toEqual(['patient', 'group', 'day', 'lbgi', 'hbgi', 'tir', 'mean_mg_dl']);
    expect(csv.rows.map((r) => `${r[0]} ${r[1]} ${r[2]}`)).toEqual(COHORT.flatMap((p) => [1, 2].map((d) => `${p} ${GROUP[p]} ${d}`)));
    for (const row of csv.rows) {
      const [patient, , day] = row;
      const series = bloodGlucoseSeries(traceFromCsv(traces.get(patient)!, patient), { fromDay: Number(day), toDay: Number(day) });
      const ours = computeMetrics(series);
      const tol = roundingTolerances(series.glucoseMgDl, ours);
      const values = { lbgi: Number(row[3]), hbgi: Number(row[4]), tir: Number(row[5]), mean: Number(row[6]) };
      for (const [m, v] of Object.entries(values) as [MetricName, number][]) {
        expect(Math.abs(v - ours[m]), `${patient} day ${day} ${m}: ${v} vs ${ours[m]}`).toBeLessThanOrEqual(tol[m]);
      }
    }
  });

  it('the SVG files are standalone SVG documents; the CVGA plot has one point per patient', () => {
    const svgs = ['cvga.svg', 'lbgi-daily.svg', ...COHORT.map((p) => `plots/${p}.svg`)];
    for (const f of svgs) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text, f).toMatch(/^(<\?xml[^>]*>\s*)?<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(text, f).toMatch(/<svg [^>]*width="\d+(\.\d+)?" height="\d+(\.\d+)?"/);
      expect(text.trimEnd().endsWith('</svg>'), f).toBe(true);
    }
    const cvga = readFileSync(join(out, 'cvga.svg'), 'utf8');
    for (const p of COHORT) expect(cvga, p).toContain(p);
    const lbgi = readFileSync(join(out, 'lbgi-daily.svg'), 'utf8');
    for (const g of ['adolescents', 'adults', 'children']) expect(lbgi, g).toContain(g);
  });

  it('report.html inlines every SVG and shows the metric and CVGA tables', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/); // opens offline
    for (const f of ['cvga.svg', 'lbgi-daily.svg', ...COHORT.map((p) => `plots/${p}.svg`)]) {
      const svg = readFileSync(join(out, f), 'utf8').replace(/^<\?xml[^>]*>\s*/, '');
      expect(html.includes(svg), `${f} is inlined`).toBe(true);
    }
    expect(html.match(/<table>/g)?.length).toBeGreaterThanOrEqual(3);
    for (const m of METRIC_NAMES) expect(html, m).toMatch(new RegExp(`<th>${m}( \\([^)]*\\))?</th>`));
    for (const z of CVGA_ZONES) expect(html, z).toContain(`<th>${z}</th>`);
    for (const p of COHORT) expect(html.match(new RegExp(`<td>${p}</td>`, 'g'))?.length, p).toBeGreaterThanOrEqual(2);
  });
});

describe('glucosim run --window-days 1 on the 2-day scenario', () => {
  let full: string;
  let windowed: string;
  let metrics: MetricsJson;
  let fullMetrics: MetricsJson;

  beforeAll(() => {
    full = runInto('window-full');
    windowed = runInto('window-1', '--window-days', '1');
    metrics = readMetricsJson(windowed);
    fullMetrics = readMetricsJson(full);
  });

  it('metrics.json covers day 2 only, and its metrics are day 2\'s (not days 1–2)', () => {
    expect(metrics.window).toEqual({ fromDay: 2, toDay: 2 });
    for (const p of COHORT) {
      const csv = readCsv(join(windowed, 'traces', `${p}.csv`));
      const { ours, tol } = expectMetricsMatchTrace(metrics.patients[p], csv, p, { fromDay: 2, toDay: 2 });
      // The window matters: the whole-run values differ from day 2's by far more than the tolerances.
      const whole = fullMetrics.patients[p].metrics;
      for (const m of ['mean', 'sd', 'lbgi', 'hbgi'] as const) {
        expect(Math.abs(whole[m]! - ours[m]), `${p} ${m}: days 1–2 ${whole[m]}, day 2 ${ours[m]}`).toBeGreaterThan(100 * tol[m]);
      }
    }
    expectShares(metrics.cohort.cvga, COHORT.map((p) => metrics.patients[p].cvga!.zone), 'cohort');
  });

  it('daily.csv still has both days, identical to the whole-run report, and day 2 agrees with the window metrics', () => {
    const daily = readFileSync(join(windowed, 'daily.csv'), 'utf8');
    expect(daily).toBe(readFileSync(join(full, 'daily.csv'), 'utf8'));
    const csv = readCsv(join(windowed, 'daily.csv'));
    expect(csv.rows).toHaveLength(COHORT.length * DAYS);
    for (const row of csv.rows.filter((r) => r[2] === '2')) {
      const m = metrics.patients[row[0]].metrics;
      // Same definitions on the same minutes, by two code paths: equal up to summation order.
      expect(Number(row[3])).toBeCloseTo(m.lbgi!, 9);
      expect(Number(row[4])).toBeCloseTo(m.hbgi!, 9);
      expect(Number(row[5])).toBeCloseTo(m.tir!, 9);
      expect(Number(row[6])).toBeCloseTo(m.mean!, 9);
    }
  });

  it('metrics without a value on one day (MODD, 24-h CONGA) are null in metrics.json and empty in metrics.csv, never NaN', () => {
    const csv = readCsv(join(windowed, 'metrics.csv'));
    for (const m of ['modd', 'conga']) {
      for (const p of COHORT) expect(metrics.patients[p].metrics[m], `${p} ${m}`).toBeNull();
      expect(csv.rows.map((r) => r[csv.header.indexOf(m)]), m).toEqual(COHORT.map(() => ''));
    }
    for (const f of allFiles(windowed)) expect(readFileSync(join(windowed, f), 'utf8'), f).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('the traces are those of the whole run; the report says which days it covers', () => {
    for (const p of COHORT) {
      expect(readFileSync(join(windowed, 'traces', `${p}.csv`)).equals(readFileSync(join(full, 'traces', `${p}.csv`))), p).toBe(true);
    }
    expect(listDir(windowed)).toEqual(REPORT_FILES);
    expect(readFileSync(join(windowed, 'report.html'), 'utf8')).toContain('days 2–2 of 2');
    expect(readFileSync(join(full, 'report.html'), 'utf8')).toContain('all 2 days');
  });
});

describe('glucosim run --no-report and bad --window-days', () => {
  it('--no-report writes only traces and summary.json', () => {
    const out = runInto('no-report', '--no-report');
    expect(listDir(out)).toEqual(['summary.json', 'traces']);
    expect(listDir(join(out, 'traces'))).toEqual(COHORT.map((p) => `${p}.csv`).sort());
  });

  for (const bad of ['0', '3', '1.5', '-1']) {
    it(`--window-days ${bad} is refused (exit 2, one line naming --window-days) and nothing is written`, () => {
      const out = join(dir, `bad-window-${bad}`);
      const before = listDir(dir);
      const r = runCli(['run', scenario, '--cohort', 'adult#001', '--out', out, '--workers', '2', '--quiet', '--window-days', bad]);
      expectInputFailure(r, '--window-days: ', new RegExp(`whole number of days from 1 to the scenario's 2, got ${bad.replace('.', '\\.')}$`));
      expect(existsSync(out)).toBe(false);
      expect(listDir(dir)).toEqual(before);
    });
  }
});

/**
 * Under the simulator's own therapy some children's BG runs down to 0 (the
 * model's positivity guard). Those minutes are the deepest hypoglycaemia, not
 * missing data: the report counts them at SIMULATED_BG_FLOOR_MG_DL (1 mg/dL).
 */
describe('a patient whose simulated BG reaches 0 mg/dL (child#008, 2 days)', () => {
  it('the report counts those minutes: mean within the floor of summary.json, below_54 at least the trace\'s share', () => {
    const out = join(dir, 'zero-bg');
    expectRunOk(runCli(['run', scenario, '--cohort', 'child#008', '--out', out, '--workers', '1', '--quiet']), out);
    const bg = numericColumn(readCsv(join(out, 'traces', 'child#008.csv')), 'bg_mg_dl');
    expect(bg.some((v) => v <= 0)).toBe(true); // the premise: BG reaches 0
    const m = readMetricsJson(out).patients['child#008'].metrics;
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { patients: { meanBgMgDl: number }[] };
    const belowFloor = bg.filter((v) => v < 1).length / bg.length;
    expect(Math.abs(m.mean! - summary.patients[0].meanBgMgDl)).toBeLessThanOrEqual(belowFloor * 1 + DELTA);
    expect(m.below_54!).toBeGreaterThanOrEqual((100 * bg.filter((v) => v < 54 - DELTA).length) / bg.length);
    expect(m.modd).not.toBeNull();
  });
});
