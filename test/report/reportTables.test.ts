/**
 * The tables of report.html (run and experiment reports, issue #11): each
 * per-patient glucose figure once, from the metrics (floored), never
 * negative; "< 1" with its note where simulated glucose went below 1 mg/dL;
 * a unit in every header; no table too wide for the page. Built from small
 * synthetic traces, not from simulated cohorts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES, METRIC_UNITS } from '../../src/metrics/index.js';
import { jobOutcome, writeExperimentReport } from '../../src/report/experimentReport.js';
import { BELOW_FLOOR_NOTE, glucoseCell, meanSdText, withFloorNote } from '../../src/report/glucoseCell.js';
import { formatCell, MAX_TABLE_COLUMNS, type ReportTable, splitColumns } from '../../src/report/html.js';
import {
  analysePatient,
  bloodGlucoseSeries,
  type DayWindow,
  lastDaysWindow,
  type PatientAnalysis,
  SIMULATED_BG_FLOOR_MG_DL,
  wholeRunSeries,
} from '../../src/report/patientAnalysis.js';
import { phaseMetrics } from '../../src/report/phaseMetrics.js';
import { type RunReportInput, writeRunReport } from '../../src/report/runReport.js';
import { loadExperiment, planExperiment } from '../../src/sim/experiment.js';
import { createTrace, summariseTrace, type Trace } from '../../src/sim/trace.js';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glucosim-report-tables-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---- synthetic traces ----------------------------------------------------------

const MINUTES_PER_DAY = 1440;
const DAYS = 2;
/** What the model's positivity guard leaves of a glucose run down to 0 (child#003 of randomised-10day shows −2.73e-7). */
const GUARD_OVERSHOOT_MG_DL = -2.73e-7;

/** Meals at 08:00, 12:30 and 19:00 with a bolus each, a constant basal, CGM every 5 minutes. */
function withTherapy(trace: Trace): Trace {
  for (let m = 0; m < trace.minutes; m++) {
    trace.basalUPerMin[m] = 0.9 / 60;
    if (m % 5 === 0) trace.cgmMgDl[m] = trace.bgMgDl[m] + 3;
    const t = m % MINUTES_PER_DAY;
    for (const meal of [8 * 60, 12 * 60 + 30, 19 * 60]) {
      if (t === meal) trace.bolusU[m] = 6;
      if (t >= meal && t < meal + 10) trace.carbsEatenG[m] = 5;
    }
  }
  return trace;
}

/** Glucose swinging between 75 and 245 mg/dL. */
function steadyTrace(patient: string, phaseMin: number): Trace {
  const trace = createTrace(patient, DAYS * MINUTES_PER_DAY, 0);
  for (let m = 0; m < trace.minutes; m++) trace.bgMgDl[m] = 160 + 85 * Math.sin((2 * Math.PI * (m + phaseMin)) / 300);
  return withTherapy(trace);
}

/**
 * Glucose from 120 mg/dL down to 0 over 06:00–12:00 of day 1, then held at
 * 0 by the positivity guard (with its overshoots) to the end: day 2 is below
 * 1 mg/dL throughout.
 */
function crashTrace(patient: string): Trace {
  const trace = createTrace(patient, DAYS * MINUTES_PER_DAY, 0);
  for (let m = 0; m < trace.minutes; m++) {
    if (m < 360) trace.bgMgDl[m] = 120;
    else if (m < 720) trace.bgMgDl[m] = (120 * (720 - m)) / 360;
    else trace.bgMgDl[m] = m % 97 === 0 ? GUARD_OVERSHOOT_MG_DL : 0;
  }
  return withTherapy(trace);
}

const PATIENTS = [
  { name: 'adolescent#001', group: 'adolescents' }, // the longest names the report shows
  { name: 'adult#001', group: 'adults' },
  { name: 'child#003', group: 'children' },
];
const CRASHED = 'child#003';
const PHASES = [
  { name: 'learning (ε-greedy)', fromDay: 1, toDay: 1 },
  { name: 'exploitation (greedy Q-policy)', fromDay: 2, toDay: 2 },
];

function traces(): Trace[] {
  return [steadyTrace('adolescent#001', 0), steadyTrace('adult#001', 77), crashTrace(CRASHED)];
}

interface RunReport {
  readonly dir: string;
  readonly html: string;
  readonly traces: readonly Trace[];
  readonly analyses: readonly PatientAnalysis[];
}

function runReport(name: string, window: DayWindow, extra: Partial<RunReportInput> = {}): RunReport {
  const dir = join(work, name);
  const ts = traces();
  const analyses = ts.map((t) => analysePatient(t, window, { cvgaPoints: extra.cvgaPoints }));
  writeRunReport(dir, {
    glucosimVersion: '0.0.0-test',
    scenarioName: 'synthetic',
    scenarioFile: 'synthetic.json',
    seed: 1,
    days: DAYS,
    window,
    patients: PATIENTS,
    summaries: ts.map(summariseTrace),
    analyses,
    phases: PHASES,
    phaseOutcomes: ts.map((t) => PHASES.map((p) => phaseMetrics(t, p))),
    ...extra,
  });
  return { dir, html: readFileSync(join(dir, 'report.html'), 'utf8'), traces: ts, analyses };
}

// ---- reading the tables back out of report.html ----------------------------------

interface HtmlTable {
  readonly caption: string;
  /** The label over each column: its header group's, '' without one. */
  readonly groupOf: readonly string[];
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly note: string | undefined;
}

function decode(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function tablesOf(html: string): HtmlTable[] {
  const tables: HtmlTable[] = [];
  for (const m of html.matchAll(/<table>([\s\S]*?)<\/table>(?:\n<p class="note">([\s\S]*?)<\/p>)?/g)) {
    const [, body, note] = m;
    const headRows = [.../<thead>([\s\S]*?)<\/thead>/.exec(body)![1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1].matchAll(/<th(?: colspan="(\d+)")?>([\s\S]*?)<\/th>/g)].map((c) => ({ label: decode(c[2]), span: Number(c[1] ?? 1) })),
    );
    const header = headRows[headRows.length - 1].map((c) => c.label);
    const groupOf = headRows.length > 1 ? headRows[0].flatMap((g) => Array.from({ length: g.span }, () => g.label)) : header.map(() => '');
    expect(groupOf, 'header groups span the header').toHaveLength(header.length);
    const rows = [.../<tbody>([\s\S]*?)<\/tbody>/.exec(body)![1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1])));
    for (const row of rows) expect(row, 'a cell per column').toHaveLength(header.length);
    tables.push({ caption: decode(/<caption>([\s\S]*?)<\/caption>/.exec(body)![1]), groupOf, header, rows, note: note === undefined ? undefined : decode(note) });
  }
  expect(tables.length, 'every table parsed').toBe(html.match(/<table>/g)?.length ?? 0);
  return tables;
}

/** Per patient, every figure the tables show of them: figure (header without its unit) → cells. */
/** Every patient's every glucose figure appears in exactly one cell, and every patient has figures. */
function expectEachFigureOnce(tables: readonly HtmlTable[], patients: readonly string[]): void {
  const byPatient = figuresByPatient(tables);
  expect([...byPatient.keys()].sort()).toEqual([...patients].sort());
  for (const [patient, figures] of byPatient) {
    expect(figures.size, patient).toBeGreaterThan(0);
    for (const [figure, cells] of figures) expect(cells, `${patient}: ${figure}`).toHaveLength(1);
  }
}

function figuresByPatient(tables: readonly HtmlTable[]): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const t of tables) {
    const key = t.header.indexOf('patient');
    if (key < 0) continue;
    for (const row of t.rows) {
      const figures = out.get(row[key]) ?? new Map<string, string[]>();
      out.set(row[key], figures);
      t.header.forEach((h, j) => {
        if (j === key) return;
        // "mean BG (mg/dL)" and "mean (mg/dL)" are the same figure.
        const figure = h.replace(/\s*\([^)]*\)$/, '').replace(/\bBG\b\s*/, '').trim();
        figures.set(figure, [...(figures.get(figure) ?? []), row[j]]);
      });
    }
  }
  return out;
}

/** A cell as the report shows it, read back. */
function shown(value: string | number): string {
  return decode(formatCell(value));
}

function cell(t: HtmlTable, patient: string, header: string): string {
  const j = t.header.indexOf(header);
  expect(j, `${t.caption}: column ${header}`).toBeGreaterThanOrEqual(0);
  const row = t.rows.find((r) => r[t.header.indexOf('patient')] === patient);
  expect(row, `${t.caption}: row ${patient}`).toBeDefined();
  return row![j];
}

function tableWith(tables: readonly HtmlTable[], header: string): HtmlTable {
  const found = tables.filter((t) => t.header.includes(header));
  expect(found.map((t) => t.caption), header).toHaveLength(1);
  return found[0];
}

/** Floored glucose of minutes [from, to) of a trace, as the test computes it itself. */
function flooredBg(trace: Trace, fromDay: number, toDay: number): number[] {
  return Array.from(trace.bgMgDl.subarray((fromDay - 1) * MINUTES_PER_DAY, toDay * MINUTES_PER_DAY), (bg) => Math.max(bg, SIMULATED_BG_FLOOR_MG_DL));
}

// ---- what the checks allow ------------------------------------------------------

/** Columns that name their row rather than measure it. */
const LABEL_COLUMNS = new Set(['patient', 'group', 'arm', 'arms', 'phase', 'days', 'CVGA zone', 'CVGA zone, whole window']);
/** Unitless indices: the metrics without a unit in METRIC_UNITS, and the phase tables' names of LBGI, HBGI and the MDP reward. */
const UNITLESS = new Set([...METRIC_NAMES.filter((m) => METRIC_UNITS[m] === ''), 'LBGI', 'HBGI', 'mean reward']);
/** A unit as the headers write it: in brackets at the end, or a group header "% of …". */
const UNIT = /\((mg\/dL|%|U|g|U\/day|U\/h|U\/g|bits|patients|patient-days|days|per day)\)$/;

function columnsWithoutUnit(t: HtmlTable): string[] {
  return t.header.filter((h, j) => !(LABEL_COLUMNS.has(h) || UNITLESS.has(h) || UNIT.test(h) || /^% of /.test(t.groupOf[j])));
}

/**
 * Narrowest width a browser can lay a table out at, px: each column as wide
 * as its longest word (headers and cells wrap at spaces, nowhere else) plus
 * padding and border. 9 px a character is the widest average glyph of the
 * usual system-ui fonts at the tables' 13.6 px (DejaVu Sans Bold, the widest,
 * ≈ 0.66 em); padding 2 × 0.5 em plus a 1 px border ≈ 15 px.
 */
function minimumWidthPx(t: HtmlTable): number {
  const CHAR_PX = 9;
  const CELL_PX = 15;
  const longestWord = (text: string) => Math.max(0, ...text.split(/\s+/).map((w) => [...w].length));
  return t.header.reduce((sum, h, j) => sum + CHAR_PX * Math.max(longestWord(h), ...t.rows.map((r) => longestWord(r[j]))) + CELL_PX, 1);
}

/** A 1000 px page less the browser's scroll bar and some slack. */
const PAGE_WIDTH_PX = 960;

function expectTablesFitThePage(tables: readonly HtmlTable[]): void {
  for (const t of tables) {
    expect(t.header.length, `${t.caption}: ${t.header.join(' | ')}`).toBeLessThanOrEqual(MAX_TABLE_COLUMNS);
    expect(minimumWidthPx(t), `${t.caption}: ${t.header.join(' | ')}`).toBeLessThanOrEqual(PAGE_WIDTH_PX);
  }
}

// ---- the run report ---------------------------------------------------------------

describe('report.html of a run: the tables', () => {
  let whole: RunReport;
  let windowed: RunReport;
  /** With CVGA points per patient-day: a zone-share table over patient-days, and a column more in the per-patient tables. */
  let perDay: RunReport;
  beforeAll(() => {
    whole = runReport('whole', lastDaysWindow(DAYS));
    windowed = runReport('windowed', lastDaysWindow(DAYS, 1));
    perDay = runReport('patient-day', lastDaysWindow(DAYS), { cvgaPoints: 'patient-day' });
  });

  it('the synthetic crash is the issue\'s: the raw summary has a negative minimum and a lower mean than the floored metrics', () => {
    const raw = summariseTrace(whole.traces[2]);
    expect(raw.minBgMgDl).toBe(GUARD_OVERSHOOT_MG_DL);
    expect(whole.analyses[2].metrics.mean).toBeGreaterThan(raw.meanBgMgDl + 0.2);
  });

  it('over the whole run, each patient\'s glucose figures appear once, with the metrics\' (floored) values', () => {
    const tables = tablesOf(whole.html);
    expectEachFigureOnce(tables, PATIENTS.map((p) => p.name));
    const levels = tableWith(tables, 'mean (mg/dL)');
    whole.analyses.forEach((a, i) => {
      const floored = flooredBg(whole.traces[i], 1, DAYS);
      expect(cell(levels, a.patient, 'mean (mg/dL)')).toBe(shown(glucoseCell(a.metrics.mean)));
      expect(a.extremes.minMgDl).toBe(Math.min(...floored));
      expect(a.extremes.maxMgDl).toBe(Math.max(...floored));
      expect(cell(levels, a.patient, 'min (mg/dL)')).toBe(shown(glucoseCell(Math.min(...floored))));
      expect(cell(levels, a.patient, 'max (mg/dL)')).toBe(shown(glucoseCell(Math.max(...floored))));
    });
    // The whole-run table has no glucose of its own: it would repeat the metrics.
    const insulin = tableWith(tables, 'insulin (U)');
    expect(insulin.header.filter((h) => /mg\/dL/.test(h))).toEqual([]);
    const raw = summariseTrace(whole.traces[0]);
    expect(cell(insulin, 'adolescent#001', 'insulin (U)')).toBe(shown(raw.totalInsulinU));
    expect(cell(insulin, 'adolescent#001', 'carbs (g)')).toBe(shown(raw.totalCarbsG));
  });

  it('with a window, the whole run\'s glucose is floored too and labelled as all days, each figure still once', () => {
    const tables = tablesOf(windowed.html);
    expectEachFigureOnce(tables, PATIENTS.map((p) => p.name));
    const allDays = tableWith(tables, 'mean BG, all days (mg/dL)');
    windowed.analyses.forEach((a, i) => {
      const floored = flooredBg(windowed.traces[i], 1, DAYS);
      const mean = floored.reduce((s, x) => s + x, 0) / floored.length;
      expect(a.wholeRun.meanMgDl, a.patient).toBeCloseTo(mean, 9);
      // Over the same minutes the whole-run mean is the metrics' mean exactly (one function).
      expect(a.wholeRun.meanMgDl, a.patient).toBe(whole.analyses[i].metrics.mean);
      expect(cell(allDays, a.patient, 'mean BG, all days (mg/dL)')).toBe(shown(glucoseCell(mean)));
      expect(cell(allDays, a.patient, 'min BG, all days (mg/dL)')).toBe(shown(glucoseCell(Math.min(...floored))));
      expect(cell(allDays, a.patient, 'max BG, all days (mg/dL)')).toBe(shown(glucoseCell(Math.max(...floored))));
      // The window's own figures are day 2's.
      const day2 = flooredBg(windowed.traces[i], 2, 2);
      expect(cell(tableWith(tables, 'min (mg/dL)'), a.patient, 'min (mg/dL)')).toBe(shown(glucoseCell(Math.min(...day2))));
    });
  });

  it('no glucose, nor any other figure, is negative', () => {
    for (const r of [whole, windowed]) {
      for (const t of tablesOf(r.html)) for (const row of t.rows) for (const c of row) expect(c, `${t.caption}: ${c}`).not.toMatch(/^[-−]|e-\d/);
    }
  });

  it('glucose below 1 mg/dL is "< 1" in the HTML, with the note on the positivity guard and the floor; the files keep numbers', () => {
    const tables = tablesOf(whole.html);
    const levels = tableWith(tables, 'min (mg/dL)');
    expect(cell(levels, CRASHED, 'min (mg/dL)')).toBe('< 1');
    expect(cell(levels, 'adult#001', 'min (mg/dL)')).not.toBe('< 1');
    expect(levels.note).toBe(BELOW_FLOOR_NOTE);
    expect(levels.note).toMatch(/positivity guard/);
    expect(levels.note).toMatch(/counts? them at 1 mg\/dL/);
    // Only where a cell is below the floor.
    for (const t of tables) expect(t.note !== undefined, t.caption).toBe(t.rows.some((r) => r.some((c) => c.startsWith('< 1'))));
    // Day 2 of the crash is all below the floor: the window's mean, min and max and the phase's mean BG.
    const day2 = tablesOf(windowed.html);
    for (const h of ['mean (mg/dL)', 'min (mg/dL)', 'max (mg/dL)']) expect(cell(tableWith(day2, h), CRASHED, h), h).toBe('< 1');
    expect(cell(tableWith(day2, 'min BG, all days (mg/dL)'), CRASHED, 'min BG, all days (mg/dL)')).toBe('< 1');
    // metrics.csv and metrics.json keep the number.
    const json = JSON.parse(readFileSync(join(windowed.dir, 'metrics.json'), 'utf8')) as { patients: Record<string, { metrics: Record<string, number> }> };
    expect(json.patients[CRASHED].metrics.mean).toBe(SIMULATED_BG_FLOOR_MG_DL);
    const csv = readFileSync(join(windowed.dir, 'metrics.csv'), 'utf8').split('\n');
    const mean = csv[0].split(',').indexOf('mean');
    expect(csv.find((l) => l.startsWith(CRASHED))!.split(',')[mean]).toBe(String(SIMULATED_BG_FLOOR_MG_DL));
  });

  it('every metric has one column, in the tables of the glucose metrics', () => {
    const headers = tablesOf(whole.html).flatMap((t) => t.header);
    for (const m of METRIC_NAMES) expect(headers.filter((h) => h === (METRIC_UNITS[m] ? `${m} (${METRIC_UNITS[m]})` : m)), m).toHaveLength(1);
  });

  it('every header has a unit, or is a label or a unitless index', () => {
    for (const r of [whole, windowed, perDay]) {
      for (const t of tablesOf(r.html)) expect(columnsWithoutUnit(t), t.caption).toEqual([]);
    }
  });

  it('the check finds a header without a unit (as "min BG" was)', () => {
    const t: HtmlTable = { caption: 'old', groupOf: ['', '', ''], header: ['patient', 'mean BG (mg/dL)', 'min BG'], rows: [], note: undefined };
    expect(columnsWithoutUnit(t)).toEqual(['min BG']);
  });

  it('every table fits a 1000 px page: at most MAX_TABLE_COLUMNS columns, and narrow enough when wrapped', () => {
    for (const r of [whole, windowed, perDay]) expectTablesFitThePage(tablesOf(r.html));
  });

  it('the check finds the old per-patient metrics table too wide', () => {
    const tables = tablesOf(whole.html).filter((t) => t.caption.startsWith('Per patient'));
    const header = ['patient', 'group', ...METRIC_NAMES.map((m) => (METRIC_UNITS[m] ? `${m} (${METRIC_UNITS[m]})` : m)), 'CVGA zone'];
    const old: HtmlTable = { caption: 'Per patient', groupOf: header.map(() => ''), header, rows: tables[0].rows.map(() => header.map(() => '123.4')), note: undefined };
    expect(header.length).toBeGreaterThan(MAX_TABLE_COLUMNS);
    expect(minimumWidthPx(old)).toBeGreaterThan(PAGE_WIDTH_PX);
  });

  it('a controller\'s wide table is split into tables that fit, each with its first column', () => {
    const levels = Array.from({ length: 16 }, (_, k) => `${40 + 20 * k}–${60 + 20 * k}`);
    const policy = { title: 'Learned policy', header: ['slot', ...levels], rows: ['breakfast', 'lunch', 'dinner', 'bedtime'].map((s) => [s, ...levels.map((_, k) => `R${k % 5} N${k % 3} (${k})`)]) };
    const r = runReport('controller', lastDaysWindow(DAYS), { controllerTables: PATIENTS.map(() => [policy]) });
    const parts = tablesOf(r.html).filter((t) => t.caption.startsWith('adult#001: Learned policy'));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flatMap((t) => t.header.slice(1))).toEqual(levels);
    for (const t of parts) expect(t.rows.map((row) => row[0])).toEqual(['breakfast', 'lunch', 'dinner', 'bedtime']);
    expectTablesFitThePage(tablesOf(r.html));
  });
});

describe('splitColumns and the floor note', () => {
  const wide: ReportTable = { caption: 'wide', header: ['name', ...Array.from({ length: 20 }, (_, k) => `c${k}`)], rows: [['x', ...Array.from({ length: 20 }, (_, k) => k)]], note: 'n' };

  it('splits into even parts, each repeating the key columns, cells in order, the note once under the last', () => {
    const parts = splitColumns(wide, 8, 1);
    expect(parts.map((t) => t.header.length)).toEqual([8, 8, 7]); // 20 = 7 + 7 + 6 → 1 + 7, 1 + 7, 1 + 6
    expect(parts[2].header).toEqual(['name', 'c14', 'c15', 'c16', 'c17', 'c18', 'c19']);
    expect(parts.flatMap((t) => t.rows[0].slice(1))).toEqual(wide.rows[0].slice(1));
    expect(parts.map((t) => t.rows[0][0])).toEqual(['x', 'x', 'x']);
    expect(parts.map((t) => t.note)).toEqual([undefined, undefined, 'n']);
    expect(parts.map((t) => t.caption)).toEqual(['wide (1 of 3)', 'wide (2 of 3)', 'wide (3 of 3)']);
    expect(splitColumns({ ...wide, header: wide.header.slice(0, 8) }, 8)).toHaveLength(1);
  });

  it('spreads the columns so that the parts differ by one at most (111 in parts of 11: one of 11 and ten of 10, not ten of 11 and one of 1)', () => {
    const table = (rest: number): ReportTable => ({ caption: 't', header: ['key', ...Array.from({ length: rest }, (_, k) => `c${k}`)], rows: [] });
    expect(splitColumns(table(111), 12).map((t) => t.header.length - 1)).toEqual([11, ...Array<number>(10).fill(10)]);
    for (let maxColumns = 2; maxColumns <= MAX_TABLE_COLUMNS; maxColumns++) {
      for (let rest = maxColumns; rest <= 150; rest++) {
        const t = table(rest);
        const sizes = splitColumns(t, maxColumns).map((part) => part.header.length - 1);
        const label = `${rest} columns in parts of at most ${maxColumns - 1}`;
        expect(sizes.length, label).toBe(Math.ceil(rest / (maxColumns - 1)));
        expect(Math.max(...sizes) - Math.min(...sizes), label).toBeLessThanOrEqual(1);
        expect(Math.max(...sizes), label).toBeLessThanOrEqual(maxColumns - 1);
        expect(splitColumns(t, maxColumns).flatMap((part) => part.header.slice(1)), label).toEqual(t.header.slice(1));
      }
    }
  });

  it('refuses what it cannot split', () => {
    expect(() => splitColumns({ ...wide, headerGroups: [{ label: 'u', span: 21 }] })).toThrow(/header groups/);
    expect(() => splitColumns(wide, 2, 2)).toThrow(/key columns/);
  });

  it('glucoseCell: "< 1" at and below the floor (and for the guard\'s overshoot), the number above it', () => {
    expect(glucoseCell(0)).toBe('< 1');
    expect(glucoseCell(GUARD_OVERSHOOT_MG_DL)).toBe('< 1');
    expect(glucoseCell(SIMULATED_BG_FLOOR_MG_DL)).toBe('< 1');
    expect(glucoseCell(1.2)).toBe(1.2);
    expect(Number.isNaN(glucoseCell(NaN))).toBe(true);
  });

  it('meanSdText: "mean ± SD", the mean alone without an SD, a glucose mean at the floor as "< 1"', () => {
    expect(meanSdText(150.25, 2.5, true)).toBe('150.3 ± 2.50');
    expect(meanSdText(150.25, NaN, true)).toBe('150.3');
    expect(meanSdText(0, 0, true)).toBe('< 1 ± 0');
    expect(meanSdText(0, 0, false)).toBe('0 ± 0');
    expect(meanSdText(NaN, NaN, false)).toBe('');
  });

  it('withFloorNote adds the note only to a table with a "< 1" cell, after a note it has', () => {
    const t: ReportTable = { caption: 't', header: ['a', 'b'], rows: [['x', 12]] };
    expect(withFloorNote(t).note).toBeUndefined();
    expect(withFloorNote({ ...t, rows: [['x', '< 1 ± 0']] }).note).toBe(BELOW_FLOOR_NOTE);
    expect(withFloorNote({ ...t, rows: [['x', '< 10']] }).note).toBeUndefined();
    expect(withFloorNote({ ...t, rows: [['x', '< 1']], note: 'First.' }).note).toBe(`First. ${BELOW_FLOOR_NOTE}`);
  });
});

describe('analysePatient: the whole run\'s series', () => {
  it('is the window\'s own series when the window is every day (no second copy), else every minute of the run', () => {
    const trace = steadyTrace('adult#001', 0);
    const everyDay = bloodGlucoseSeries(trace, lastDaysWindow(DAYS));
    expect(wholeRunSeries(trace, lastDaysWindow(DAYS), everyDay)).toBe(everyDay);
    for (const window of [lastDaysWindow(DAYS, 1), { fromDay: 1, toDay: DAYS - 1 }]) {
      const windowSeries = bloodGlucoseSeries(trace, window);
      const all = wholeRunSeries(trace, window, windowSeries);
      expect(all, JSON.stringify(window)).not.toBe(windowSeries);
      expect(Array.from(all.timesMin)).toEqual(Array.from(everyDay.timesMin));
      expect(Array.from(all.glucoseMgDl)).toEqual(Array.from(everyDay.glucoseMgDl));
    }
  });
});

// ---- the experiment report --------------------------------------------------------

describe('report.html of an experiment: the tables', () => {
  /** Every job of a shipped experiment (one seed) given the same synthetic trace, crashed or not. */
  function experimentReport(file: string, crash: boolean): HtmlTable[] {
    const experiment = loadExperiment(join(root, 'experiments', file));
    const plan = planExperiment(experiment, 1);
    const minutes = (experiment.runInDays + experiment.scenario.days) * MINUTES_PER_DAY;
    const trace = withTherapy(createTrace('synthetic', minutes, 0));
    for (let m = 0; m < minutes; m++) trace.bgMgDl[m] = crash ? (m % 97 === 0 ? GUARD_OVERSHOOT_MG_DL : 0) : 150 + 70 * Math.sin((2 * Math.PI * m) / 400);
    // The outcome depends on the arm (its phases) only.
    const perArm = plan.phases.map((phases) => jobOutcome(trace, experiment, 10, phases));
    const dir = join(work, `${file}-${crash}`);
    writeExperimentReport(dir, experiment, plan, plan.jobs.map((j) => perArm[j.arm]), {});
    return tablesOf(readFileSync(join(dir, 'report.html'), 'utf8'));
  }

  it('ac-initialisation (exclusions, published figures) and mdp-t2dm (phases, MDP reward): units in every header, tables that fit', () => {
    for (const file of ['ac-initialisation.json', 'mdp-t2dm.json']) {
      const tables = experimentReport(file, false);
      expect(tables.length, file).toBeGreaterThanOrEqual(4);
      for (const t of tables) expect(columnsWithoutUnit(t), `${file}: ${t.caption}`).toEqual([]);
      expectTablesFitThePage(tables);
      for (const t of tables) expect(t.note, t.caption).toBeUndefined();
      // The phase outcomes in two tables; the MDP reward only where the experiment scores it.
      const phaseTables = tables.filter((t) => t.caption.startsWith('Per arm and phase'));
      const reward = file === 'mdp-t2dm.json';
      expect(phaseTables.map((t) => t.caption), file).toEqual(['Per arm and phase: glucose', `Per arm and phase: ${reward ? 'risk, insulin and reward' : 'risk and insulin'}`]);
      expect(phaseTables[1].header.includes('mean reward'), file).toBe(reward);
    }
  });

  it('a cohort held at 0 mg/dL: the phases\' mean BG is "< 1" with the note, nothing negative', () => {
    const tables = experimentReport('ac-initialisation.json', true);
    const glucose = tableWith(tables, 'mean BG (mg/dL)');
    const j = glucose.header.indexOf('mean BG (mg/dL)');
    for (const row of glucose.rows) expect(row[j]).toMatch(/^< 1( |$)/);
    expect(glucose.note).toBe(BELOW_FLOOR_NOTE);
    // Nothing negative, except in the columns of signed differences (arm − arm, ours − published) and slopes, which are signed by what they are.
    const signed = /^Δ|gap|slope/;
    for (const t of tables) for (const row of t.rows) row.forEach((c, j) => signed.test(t.header[j] ?? '') || expect(c, `${t.caption}: ${c}`).not.toMatch(/^[-−]|e-\d/));
    for (const t of tables) for (const row of t.rows) for (const c of row) expect(c, `${t.caption}: ${c}`).not.toMatch(/e-\d/);
  });
});
