/**
 * End-to-end tests of `--cvga-points patient|patient-day` through the built
 * CLI: `glucosim run` of 2 patients × 2 days whose patient-day points and
 * zone shares are recomputed here from the run's own trace CSVs; a run
 * without the option is unchanged; shards of a patient-day run merge into
 * the single run; `glucosim metrics` per subject-day on a CGM export made of
 * the traces; and the one-line errors of bad values.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVGA_AB_ZONES, CVGA_ZONES, classifyCvga, type CvgaZone } from '../../src/metrics/cvga.js';
import { expectInputFailure, expectSameStudyOutput, makeTempDir, numericColumn, randomisedJson, readCsv, removeTempDirs, runCli, writeScenario } from './helpers.js';

const COHORT = 'adult#001,child#002';
const PATIENTS = ['adult#001', 'child#002'];
const DAYS = 2;
/** The report's floor for simulated glucose (SIMULATED_BG_FLOOR_MG_DL): a 0 of the model counts as 1 mg/dL. */
const FLOOR_MG_DL = 1;

let dir: string;
let scenario: string;
let perDay: string;
let plain: string;

/** Percentile by Hyndman & Fan definition 7 (NumPy's default), written out here apart from src/metrics. */
function percentile(sorted: readonly number[], p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

interface DayPoint {
  readonly rawMin: number;
  readonly rawMax: number;
  readonly zone: CvgaZone;
}

function pointOf(values: readonly number[]): DayPoint {
  const sorted = [...values].sort((a, b) => a - b);
  const rawMin = percentile(sorted, 2.5);
  const rawMax = percentile(sorted, 97.5);
  return { rawMin, rawMax, zone: classifyCvga(rawMin, rawMax) };
}

/** A patient's points per scenario day, from the `day` and `bg_mg_dl` columns of its trace CSV (floored as the report's). */
function tracePoints(runDir: string, patient: string): Map<number, DayPoint> {
  const csv = readCsv(join(runDir, 'traces', `${patient}.csv`));
  const days = numericColumn(csv, 'day');
  const bg = numericColumn(csv, 'bg_mg_dl');
  const byDay = new Map<number, number[]>();
  days.forEach((d, i) => {
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d)!.push(Math.max(bg[i], FLOOR_MG_DL));
  });
  return new Map([...byDay].map(([d, values]) => [d, pointOf(values)]));
}

const clampMin = (x: number) => Math.min(Math.max(x, 50), 110);
const clampMax = (x: number) => Math.max(Math.min(x, 400), 110);

beforeAll(() => {
  dir = makeTempDir('cvga-points');
  scenario = writeScenario(dir, 'two-days.json', { ...randomisedJson(), name: 'two-days', days: DAYS });
  perDay = join(dir, 'patient-day');
  plain = join(dir, 'patient');
  for (const [out, extra] of [
    [perDay, ['--cvga-points', 'patient-day']],
    [plain, []],
  ] as const) {
    const r = runCli(['run', scenario, '--cohort', COHORT, '--out', out, '--quiet', ...extra]);
    expect(r.status, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(removeTempDirs);

describe('glucosim run --cvga-points patient-day', () => {
  it('writes one point per patient and day, as recomputed from the traces', () => {
    const csv = readCsv(join(perDay, 'cvga-days.csv'));
    expect(csv.header).toEqual(['patient', 'group', 'day', 'cvga_min_mg_dl', 'cvga_max_mg_dl', 'cvga_zone']);
    expect(csv.rows.map((r) => [r[0], r[2]])).toEqual(PATIENTS.flatMap((p) => [[p, '1'], [p, '2']]));
    for (const row of csv.rows) {
      const expected = tracePoints(perDay, row[0]).get(Number(row[2]))!;
      // The trace CSV keeps 3 decimals of each reading, so a percentile of them is within 0.0005 of the report's.
      expect(Math.abs(Number(row[3]) - clampMin(expected.rawMin)), row.join(',')).toBeLessThan(1e-3);
      expect(Math.abs(Number(row[4]) - clampMax(expected.rawMax)), row.join(',')).toBeLessThan(1e-3);
      expect(row[5], row.join(',')).toBe(expected.zone);
    }
  });

  it('gives the zone shares of the 4 patient-days in metrics.json and report.html, the per-patient shares left as they are', () => {
    const zones = PATIENTS.flatMap((p) => [...tracePoints(perDay, p).values()].map((d) => d.zone));
    expect(zones).toHaveLength(PATIENTS.length * DAYS);
    const count = (z: CvgaZone) => zones.filter((x) => x === z).length;
    const ab = CVGA_AB_ZONES.reduce((s, z) => s + count(z), 0);
    const metrics = JSON.parse(readFileSync(join(perDay, 'metrics.json'), 'utf8'));
    const days = metrics.cohort.cvgaPatientDays.cvga;
    expect(metrics.cvgaPoints).toBe('patient-day');
    expect(days.n).toBe(4);
    for (const z of CVGA_ZONES) expect(days.percent[z], z).toBeCloseTo((100 * count(z)) / 4, 12);
    expect(days.percentAB).toBeCloseTo((100 * ab) / 4, 12);
    for (const p of PATIENTS) {
      expect(metrics.patients[p].cvgaDays.map((d: { day: number; zone: string }) => d.zone)).toEqual([...tracePoints(perDay, p).values()].map((d) => d.zone));
    }
    // The per-patient shares, as a run without the option writes them.
    const plainMetrics = JSON.parse(readFileSync(join(plain, 'metrics.json'), 'utf8'));
    expect(metrics.cohort.cvga).toEqual(plainMetrics.cohort.cvga);
    expect(metrics.cohort.cvga.n).toBe(2);
    const html = readFileSync(join(perDay, 'report.html'), 'utf8');
    expect(html).toContain('<th>n (patient-days)</th>');
    expect(html).toContain(`<tr><td>all</td><td>4</td><td>${Number(((100 * ab) / 4).toFixed(2))}</td>`);
    const svg = readFileSync(join(perDay, 'cvga.svg'), 'utf8');
    expect(svg.match(/class="point"/g)).toHaveLength(4);
    expect(svg).toContain('n = 4 patient-days.');
  });

  it('leaves every file of a run without it as it was, and writes no cvga-days.csv there', () => {
    expect(existsSync(join(plain, 'cvga-days.csv'))).toBe(false);
    for (const file of ['metrics.csv', 'daily.csv', 'lbgi-daily.svg', 'traces/adult#001.csv', 'plots/child#002.svg']) {
      expect(readFileSync(join(perDay, file), 'utf8') === readFileSync(join(plain, file), 'utf8'), file).toBe(true);
    }
    const asked = join(dir, 'patient-asked');
    expect(runCli(['run', scenario, '--cohort', COHORT, '--out', asked, '--quiet', '--cvga-points', 'patient']).status).toBe(0);
    expectSameStudyOutput(asked, plain);
  });

  it('merges shards of a patient-day run into the single run, the option recorded in their manifests', () => {
    const shards = [1, 2].map((k) => {
      const out = join(dir, `shard-${k}`);
      const r = runCli(['run', scenario, '--cohort', COHORT, '--shard', `${k}/2`, '--out', out, '--quiet', '--cvga-points', 'patient-day']);
      expect(r.status, r.stderr).toBe(0);
      return out;
    });
    const manifest = JSON.parse(readFileSync(join(shards[0], 'shard.json'), 'utf8'));
    expect(manifest.study.invocation).toEqual({ kind: 'run', file: scenario, cohort: COHORT, seed: '1', windowDays: DAYS, report: true, cvgaPoints: 'patient-day' });
    const merged = join(dir, 'merged');
    const r = runCli(['merge', ...shards, '--out', merged, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expectSameStudyOutput(merged, perDay);
  });

  it('refuses a value it does not know, and the option without a report, in one line', () => {
    const out = join(dir, 'refused');
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--out', out, '--cvga-points', 'day']), '--cvga-points: ', /must be one of patient, patient-day, got 'day'/);
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--out', out, '--cvga-points', 'patient-day', '--no-report']), '--cvga-points: ', /--no-report/);
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--out', out, '--cvga-points', 'patient', '--cvga-points', 'patient-day']), '--cvga-points: ', /given 2 times/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('glucosim metrics --cvga-points patient-day', () => {
  let cgmFile: string;
  /** subject → date → CGM readings (mg/dL), as written to the file. */
  const readings = new Map<string, Map<string, number[]>>();

  beforeAll(() => {
    // A CGM export of the run's sensor readings: wall-clock times from 2024-03-01 00:00.
    const lines = ['id,time,gl'];
    for (const p of PATIENTS) {
      const csv = readCsv(join(plain, 'traces', `${p}.csv`));
      const minutes = numericColumn(csv, 'minute');
      const cgm = numericColumn(csv, 'cgm_mg_dl');
      const byDate = new Map<string, number[]>();
      minutes.forEach((m, i) => {
        if (Number.isNaN(cgm[i])) return;
        const date = `2024-03-0${1 + Math.floor(m / 1440)}`;
        const clock = `${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        lines.push(`${p},${date} ${clock},${cgm[i]}`);
        if (!byDate.has(date)) byDate.set(date, []);
        byDate.get(date)!.push(cgm[i]);
      });
      readings.set(p, byDate);
    }
    cgmFile = join(dir, 'cgm.csv');
    writeFileSync(cgmFile, lines.join('\n') + '\n');
  });

  it('adds a point per subject and date, and the shares of those subject-days', () => {
    const r = runCli(['metrics', cgmFile, '--cvga-points', 'patient-day']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.cvgaPoints).toBe('patient-day');
    const zones: string[] = [];
    for (const p of PATIENTS) {
      const expected = [...readings.get(p)!].map(([date, values]) => ({ date, ...pointOf(values) }));
      const got = out.subjects[p].cvgaDays as { date: string; minMgDl: number; maxMgDl: number; zone: string }[];
      expect(got.map((d) => d.date)).toEqual(['2024-03-01', '2024-03-02']);
      got.forEach((d, i) => {
        expect(d.zone).toBe(expected[i].zone);
        expect(d.minMgDl).toBeCloseTo(clampMin(expected[i].rawMin), 9);
        expect(d.maxMgDl).toBeCloseTo(clampMax(expected[i].rawMax), 9);
      });
      zones.push(...got.map((d) => d.zone));
    }
    const days = out.cohort.cvgaPatientDays;
    expect(days.n).toBe(4);
    for (const z of CVGA_ZONES) expect(days.counts[z], z).toBe(zones.filter((x) => x === z).length);
    // The per-subject point and shares are the default output's.
    const plainOut = JSON.parse(runCli(['metrics', cgmFile]).stdout);
    expect(out.cohort.cvga).toEqual(plainOut.cohort.cvga);
    expect(out.subjects['adult#001'].cvga).toEqual(plainOut.subjects['adult#001'].cvga);
    expect(plainOut.cvgaPoints).toBeUndefined();
    expect(plainOut.subjects['adult#001'].cvgaDays).toBeUndefined();
    expect(runCli(['metrics', cgmFile, '--cvga-points', 'patient']).stdout).toBe(runCli(['metrics', cgmFile]).stdout);
  });

  it('writes the day table and counts subject-days in the CSV format', () => {
    const r = runCli(['metrics', cgmFile, '--cvga-points', 'patient-day', '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    const tables = r.stdout.trimEnd().split('\n\n');
    expect(tables).toHaveLength(3);
    const days = tables[1].split('\n');
    expect(days[0]).toBe('subject,date,cvga_min_mg_dl,cvga_max_mg_dl,cvga_zone');
    expect(days.slice(1).map((l) => l.split(',').slice(0, 2).join(' '))).toEqual(['adult#001 2024-03-01', 'adult#001 2024-03-02', 'child#002 2024-03-01', 'child#002 2024-03-02']);
    const zones = tables[2].split('\n');
    expect(zones[0]).toBe('cvga_zone,patient_days,percent');
    const total = zones.slice(1, 1 + CVGA_ZONES.length).reduce((s, l) => s + Number(l.split(',')[1]), 0);
    expect(total).toBe(4);
    // Without the option: the subject table and the zones of subjects, as before.
    const plainTables = runCli(['metrics', cgmFile, '--format', 'csv']).stdout.trimEnd().split('\n\n');
    expect(plainTables).toHaveLength(2);
    expect(tables[0]).toBe(plainTables[0]);
    expect(plainTables[1].split('\n')[0]).toBe('cvga_zone,subjects,percent');
  });

  it('refuses a value it does not know', () => {
    expectInputFailure(runCli(['metrics', cgmFile, '--cvga-points', 'subject-day']), '--cvga-points: ', /must be one of patient, patient-day, got 'subject-day'/);
  });
});
