/**
 * The run report with CVGA points per patient-day (src/metrics/cvgaDays.ts):
 * cvga.svg, report.html's CVGA summary and metrics.json's patient-day shares
 * count patient-days; everything the default report writes stays as it is.
 * Built from hand-made traces whose per-day zones are known.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analysePatient, type DayWindow, lastDaysWindow } from '../../src/report/patientAnalysis.js';
import { type RunReportInput, writeRunReport } from '../../src/report/runReport.js';
import { cvgaPlotSvg } from '../../src/report/svg.js';
import { createTrace, summariseTrace, type Trace } from '../../src/sim/trace.js';
import type { CvgaPoints } from '../../src/metrics/cvgaDays.js';

const work = mkdtempSync(join(tmpdir(), 'glucosim-cvga-days-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DAY = 1440;
const DAYS = 3;

/** 120 mg/dL with, per day, an optional block of `minutes` at `level` from 03:00. */
function trace(patient: string, blocks: readonly ({ minutes: number; level: number } | null)[]): Trace {
  const t = createTrace(patient, DAYS * DAY, 0);
  t.bgMgDl.fill(120);
  blocks.forEach((b, d) => {
    if (b) t.bgMgDl.fill(b.level, d * DAY + 180, d * DAY + 180 + b.minutes);
  });
  for (let m = 0; m < t.minutes; m += 5) t.cgmMgDl[m] = t.bgMgDl[m];
  return t;
}

/**
 * adult#001: day 1 A; day 2 an hour at 50 (2.5th percentile 50: Lower C); day 3 two hours at
 * 250 (97.5th percentile 250: Upper B). Over all 3 days the hypo hour is 1.4 % of the minutes:
 * Upper B. child#001: two hours at 320 every day: Upper C each day and overall.
 */
const PATIENTS = [
  { name: 'adult#001', group: 'adults' },
  { name: 'child#001', group: 'children' },
];

function traces(): Trace[] {
  return [
    trace('adult#001', [null, { minutes: 60, level: 50 }, { minutes: 120, level: 250 }]),
    trace('child#001', [{ minutes: 120, level: 320 }, { minutes: 120, level: 320 }, { minutes: 120, level: 320 }]),
  ];
}

function report(name: string, window: DayWindow, cvgaPoints?: CvgaPoints, extra: Partial<RunReportInput> = {}): string {
  const dir = join(work, name);
  const ts = traces();
  writeRunReport(dir, {
    glucosimVersion: '0.0.0-test',
    scenarioName: 'synthetic',
    scenarioFile: 'synthetic.json',
    seed: 1,
    days: DAYS,
    window,
    patients: PATIENTS,
    summaries: ts.map(summariseTrace),
    analyses: ts.map((t) => analysePatient(t, window, cvgaPoints === undefined ? {} : { cvgaPoints })),
    ...(cvgaPoints === undefined ? {} : { cvgaPoints }),
    ...extra,
  });
  return dir;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const json = (dir: string) => JSON.parse(read(dir, 'metrics.json'));

describe('analysePatient with cvgaPoints', () => {
  it('adds a point per scenario day of the window only when asked', () => {
    const [adult] = traces();
    const whole = lastDaysWindow(DAYS);
    expect('cvgaDays' in analysePatient(adult, whole)).toBe(false);
    expect('cvgaDays' in analysePatient(adult, whole, { cvgaPoints: 'patient' })).toBe(false);
    const a = analysePatient(adult, whole, { cvgaPoints: 'patient-day' });
    expect(a.cvgaDays!.map((d) => [d.day, d.zone])).toEqual([
      [1, 'A'],
      [2, 'Lower C'],
      [3, 'Upper B'],
    ]);
    expect(a.cvga.zone).toBe('Upper B');
    // The last two days: scenario days 2 and 3.
    const last2 = analysePatient(adult, lastDaysWindow(DAYS, 2), { cvgaPoints: 'patient-day' });
    expect(last2.cvgaDays!.map((d) => [d.day, d.zone])).toEqual([
      [2, 'Lower C'],
      [3, 'Upper B'],
    ]);
  });
});

describe('writeRunReport with cvgaPoints', () => {
  const window = lastDaysWindow(DAYS);
  const byDefault = report('default', window);
  const perPatient = report('patient', window, 'patient');
  const perDay = report('patient-day', window, 'patient-day');

  it('writes the default report whether patient is given or left out, with no patient-day files or fields', () => {
    for (const file of ['metrics.json', 'metrics.csv', 'daily.csv', 'cvga.svg', 'report.html']) expect(read(perPatient, file)).toBe(read(byDefault, file));
    expect(existsSync(join(byDefault, 'cvga-days.csv'))).toBe(false);
    const m = json(byDefault);
    expect(m.cvgaPoints).toBeUndefined();
    expect(m.cohort.cvgaPatientDays).toBeUndefined();
    expect(m.patients['adult#001'].cvgaDays).toBeUndefined();
    expect(read(byDefault, 'cvga.svg')).toContain('n = 2.');
  });

  it('counts patient-days in metrics.json beside the per-patient shares, which stay as they were', () => {
    const m = json(perDay);
    const d = json(byDefault);
    expect(m.cvgaPoints).toBe('patient-day');
    expect(m.cohort.cvga).toEqual(d.cohort.cvga);
    expect(m.cohort.groups).toEqual(d.cohort.groups);
    // adult: A, Lower C, Upper B; child: Upper C ×3. A+B: 2 of 6.
    expect(m.cohort.cvgaPatientDays.cvga.n).toBe(6);
    expect(m.cohort.cvgaPatientDays.cvga.percentAB).toBeCloseTo(100 / 3, 12);
    expect(m.cohort.cvgaPatientDays.cvga.percent['Upper C']).toBe(50);
    expect(m.cohort.cvgaPatientDays.groups.adults.percentAB).toBeCloseTo(200 / 3, 12);
    expect(m.cohort.cvgaPatientDays.groups.children.percentAB).toBe(0);
    // Per patient: adult Upper B, child Upper C: 50 % in A+B.
    expect(d.cohort.cvga.percentAB).toBe(50);
    expect(m.patients['adult#001'].cvgaDays.map((x: { day: number; zone: string }) => [x.day, x.zone])).toEqual([
      [1, 'A'],
      [2, 'Lower C'],
      [3, 'Upper B'],
    ]);
    expect(m.patients['adult#001'].cvgaDays[1]).toMatchObject({ minMgDl: 50, maxMgDl: 120 });
    // Everything else of the file is the default's.
    const { cvgaPoints: _p, patients, cohort, ...rest } = m;
    const { patients: dPatients, cohort: dCohort, ...dRest } = d;
    expect(rest).toEqual(dRest);
    for (const [name, record] of Object.entries(patients as Record<string, Record<string, unknown>>)) {
      const { cvgaDays: _d, ...same } = record;
      expect(same).toEqual(dPatients[name]);
    }
    const { cvgaPatientDays: _c, ...cohortRest } = cohort;
    expect(cohortRest).toEqual(dCohort);
  });

  it('writes cvga-days.csv, one row per patient-day, and leaves metrics.csv and daily.csv as they were', () => {
    expect(read(perDay, 'cvga-days.csv').split('\n')).toEqual([
      'patient,group,day,cvga_min_mg_dl,cvga_max_mg_dl,cvga_zone',
      'adult#001,adults,1,110,120,A',
      'adult#001,adults,2,50,120,Lower C',
      'adult#001,adults,3,110,250,Upper B',
      'child#001,children,1,110,320,Upper C',
      'child#001,children,2,110,320,Upper C',
      'child#001,children,3,110,320,Upper C',
      '',
    ]);
    expect(read(perDay, 'metrics.csv')).toBe(read(byDefault, 'metrics.csv'));
    expect(read(perDay, 'daily.csv')).toBe(read(byDefault, 'daily.csv'));
  });

  it('plots patient-days and says so in the plot, the summary and the subtitle', () => {
    const svg = read(perDay, 'cvga.svg');
    expect(svg.match(/class="point"/g)).toHaveLength(6);
    expect(svg).toContain('one point per patient-day');
    expect(svg).toContain('n = 6 patient-days. A+B 33.3%');
    expect(svg).toContain('<title>adult#001, day 2 (adults): min 50, max 120 mg/dL, zone Lower C</title>');
    const html = read(perDay, 'report.html');
    expect(html).toContain('<caption>Zone shares per group, over patient-days</caption>');
    expect(html).toContain('<th>n (patient-days)</th>');
    expect(html).toContain('% of patient-days in zone');
    expect(html).toContain('Control variability grid: one point per patient-day, coloured by group.');
    expect(html).toContain('CVGA A+B 33.33 % of patient-days');
    expect(html).toMatch(/<tr><td>all<\/td><td>6<\/td><td>33\.33<\/td>/);
    // Each patient's own point over the window stays in the per-patient table, beside its days in A+B.
    expect(html).toContain('<th>CVGA zone, whole window</th><th>CVGA A+B (days)</th>');
    expect(html).toMatch(/<td>Upper B<\/td><td>2\/3<\/td>/);
    expect(html).toContain('Magni et al. 2008');
    const plain = read(byDefault, 'report.html');
    expect(plain).toContain('<th>n (patients)</th>');
    expect(plain).not.toContain('patient-day');
  });

  it('over a window, takes its days only', () => {
    const dir = report('patient-day-last2', lastDaysWindow(DAYS, 2), 'patient-day');
    expect(read(dir, 'cvga-days.csv').split('\n').slice(1, 3)).toEqual(['adult#001,adults,2,50,120,Lower C', 'adult#001,adults,3,110,250,Upper B']);
    expect(json(dir).cohort.cvgaPatientDays.cvga.n).toBe(4);
  });

  it('refuses analyses made without their days', () => {
    const ts = traces();
    expect(() =>
      report('mismatch', window, undefined, { cvgaPoints: 'patient-day', analyses: ts.map((t) => analysePatient(t, window)) }),
    ).toThrow(/adult#001 has no cvgaDays/);
  });
});

describe('cvgaPlotSvg points', () => {
  it('names patient-days in an empty plot and in its skipped points', () => {
    expect(cvgaPlotSvg([])).toContain('No patients to plot.');
    expect(cvgaPlotSvg([], { points: 'patient-day' })).toContain('No patient-days to plot.');
    const skipped = cvgaPlotSvg([{ label: 'a, day 1', group: 'g', minMgDl: NaN, maxMgDl: NaN }], { points: 'patient-day' });
    expect(skipped).toContain('1 patient-day without BG readings not shown.');
  });
});
