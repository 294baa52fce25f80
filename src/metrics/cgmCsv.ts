/**
 * Read a CGM export: a CSV with a subject column, a time column and a glucose
 * column (defaults `id`, `time`, `gl`, as iglu's example data), one reading
 * per line, several subjects per file.
 *
 * - RFC 4180 quoting: quoted headers and cells (`"id"`, `"Subject 1"`),
 *   doubled quotes inside quotes, commas and line breaks inside quotes; a
 *   UTF-8 BOM, CRLF line ends and blank lines are accepted; other columns
 *   (such as iglu's unnamed row-number column) are ignored.
 * - Times: naive wall clock `YYYY-MM-DD HH:MM[:SS[.fff]]` (or with `T`), read
 *   without any time zone (see series.ts).
 * - Glucose: a number in `unit` (default mg/dL). An empty cell, `NA` or `NaN`
 *   is a missing reading (kept as `NaN`, skipped by the metrics); zero or
 *   negative values are missing too (series.ts). Anything else that is not a
 *   number is an error.
 * - Repeated times: two or more readings of a subject at the same instant
 *   are reported (time and lines, {@link CgmSubject}); the series keeps the
 *   last valid one (as iglu, see series.ts) or their mean (`duplicates`).
 *
 * Errors are `InputError`s naming the file, the line (1-based, of the record's
 * first line) and the column.
 */
import { InputError } from '../io/errors.js';
import { readTextFile } from '../io/readText.js';
import { buildSeries, type GlucoseSeries, type GlucoseUnit, isValidGlucose, MGDL_PER_MMOLL, parseWallClock } from './series.js';

/** Column names read when none are given: those of iglu's example data (`example_data_5_subject`: `id`, `time`, `gl`). */
export const CGM_CSV_COLUMNS = { id: 'id', time: 'time', glucose: 'gl' } as const;

export interface CgmCsvOptions {
  /** Subject column; `null` when the file has one subject and no such column (then named `defaultSubject`). Default `id`. */
  readonly id?: string | null;
  /** Time column; default `time`. */
  readonly time?: string;
  /** Glucose column; default `gl`. */
  readonly glucose?: string;
  /** Glucose unit of the file; default mg/dL. */
  readonly unit?: GlucoseUnit;
  /** mg/dL per mmol/L; default 18 (see series.ts). */
  readonly mmolFactor?: number;
  /** Subject name when `id` is `null`; default `1` (as iglu's `process_data`). */
  readonly defaultSubject?: string;
  /**
   * Readings of a subject at the same time: `last` keeps the last valid one
   * (default, as iglu); `average` keeps the mean of the valid ones (missing
   * if none is valid).
   */
  readonly duplicates?: 'last' | 'average';
}

/** A time at which a subject has more than one reading. */
export interface DuplicateTime {
  /** The time as written on the first of its lines. */
  readonly time: string;
  /** The lines (1-based) of its readings, in file order. */
  readonly lines: readonly number[];
  /** How many of those readings are valid (not missing): `average` takes the mean of these. */
  readonly validReadings: number;
}

export interface CgmSubject {
  readonly series: GlucoseSeries;
  /** Times with more than one reading, in order of their first line. */
  readonly duplicates: readonly DuplicateTime[];
}

interface CsvRecord {
  readonly cells: string[];
  readonly line: number;
}

/** Split CSV text into records (RFC 4180), remembering each record's first line. */
export function splitCsvRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quotedCell = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const endCell = () => {
    cells.push(quotedCell ? cell : cell.trim());
    cell = '';
    quotedCell = false;
  };
  const endRecord = () => {
    endCell();
    if (!(cells.length === 1 && cells[0] === '')) records.push({ cells, line: recordLine });
    cells = [];
  };
  for (; i < n; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"') {
      if (cell.trim() !== '') throw new InputError(file, `line ${line}`, 'a quote inside an unquoted cell');
      cell = '';
      inQuotes = true;
      quotedCell = true;
    } else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (quotedCell) {
      if (c !== ' ' && c !== '\t') throw new InputError(file, `line ${line}`, 'text after a closing quote');
    } else cell += c;
  }
  if (inQuotes) throw new InputError(file, `line ${recordLine}`, 'a quoted cell is not closed');
  if (cell !== '' || cells.length > 0 || quotedCell) endRecord();
  return records;
}

const MISSING = new Set(['', 'NA', 'NaN', 'nan', 'N/A', 'null']);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parse a CGM CSV into one series per subject, subjects in order of first
 * appearance. `file` is used in error messages only.
 */
export function parseCgmCsv(text: string, file: string, options: CgmCsvOptions = {}): Map<string, GlucoseSeries> {
  return new Map([...parseCgmCsvSubjects(text, file, options)].map(([subject, s]) => [subject, s.series]));
}

/** {@link parseCgmCsv} with each subject's repeated times. */
export function parseCgmCsvSubjects(text: string, file: string, options: CgmCsvOptions = {}): Map<string, CgmSubject> {
  const idName = options.id === undefined ? CGM_CSV_COLUMNS.id : options.id;
  const timeName = options.time ?? CGM_CSV_COLUMNS.time;
  const glName = options.glucose ?? CGM_CSV_COLUMNS.glucose;
  const records = splitCsvRecords(text, file);
  if (records.length === 0) throw new InputError(file, '', 'empty file: a header line is required');
  const header = records[0].cells;
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new InputError(file, `column ${name}`, `required column is missing (header: ${header.join(',')})`);
    return i;
  };
  const idCol = idName === null ? -1 : col(idName);
  const timeCol = col(timeName);
  const glCol = col(glName);
  const need = Math.max(idCol, timeCol, glCol) + 1;
  const bySubject = new Map<string, SubjectRows>();
  const defaultSubject = options.defaultSubject ?? '1';
  for (let r = 1; r < records.length; r++) {
    const { cells, line } = records[r];
    if (cells.length < need) throw new InputError(file, `line ${line}`, `has ${cells.length} cells, at least ${need} are needed for columns ${[idName, timeName, glName].filter((c) => c !== null).join(', ')}`);
    const subject = idCol < 0 ? defaultSubject : cells[idCol];
    const timeText = cells[timeCol];
    const t = parseWallClock(timeText);
    if (t === undefined) {
      throw new InputError(file, `line ${line}, column ${timeName}`, `'${timeText}' is not a time (expected YYYY-MM-DD HH:MM[:SS], wall clock)`);
    }
    const glText = cells[glCol];
    let g: number;
    if (MISSING.has(glText)) g = NaN;
    else {
      g = DECIMAL.test(glText) ? Number(glText) : NaN;
      if (!Number.isFinite(g)) throw new InputError(file, `line ${line}, column ${glName}`, `'${glText}' is not a number`);
    }
    let s = bySubject.get(subject);
    if (!s) {
      s = { t: [], g: [], lines: [], timeTexts: [] };
      bySubject.set(subject, s);
    }
    s.t.push(t);
    s.g.push(g);
    s.lines.push(line);
    s.timeTexts.push(timeText);
  }
  const seriesOptions = { unit: options.unit ?? 'mg/dL', mmolFactor: options.mmolFactor ?? MGDL_PER_MMOLL };
  const out = new Map<string, CgmSubject>();
  for (const [subject, s] of bySubject) {
    const rowsAt = rowsByTime(s.t);
    const duplicates: DuplicateTime[] = [];
    for (const rows of rowsAt.values()) {
      if (rows.length > 1) {
        duplicates.push({ time: s.timeTexts[rows[0]], lines: rows.map((r) => s.lines[r]), validReadings: rows.filter((r) => isValidGlucose(s.g[r])).length });
      }
    }
    let series: GlucoseSeries;
    if (options.duplicates === 'average' && duplicates.length > 0) {
      const times = [...rowsAt.keys()];
      series = buildSeries(times, times.map((time) => meanOfValid(rowsAt.get(time)!.map((r) => s.g[r]))), seriesOptions);
    } else series = buildSeries(s.t, s.g, seriesOptions);
    out.set(subject, { series, duplicates });
  }
  return out;
}

interface SubjectRows {
  readonly t: number[];
  readonly g: number[];
  readonly lines: number[];
  readonly timeTexts: string[];
}

/** Row indices per time, times in order of first appearance. */
function rowsByTime(times: readonly number[]): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  times.forEach((t, i) => {
    const at = rows.get(t);
    if (at) at.push(i);
    else rows.set(t, [i]);
  });
  return rows;
}

/** Mean of the valid readings; `NaN` (missing) when none is valid, so a missing cell never pulls the mean down. */
function meanOfValid(values: readonly number[]): number {
  const valid = values.filter(isValidGlucose);
  return valid.length === 0 ? NaN : valid.reduce((a, b) => a + b, 0) / valid.length;
}

/** Read and parse a CGM CSV file (see {@link parseCgmCsv}); an unreadable file is an `InputError`. */
export function readCgmCsv(path: string, options: CgmCsvOptions = {}): Map<string, GlucoseSeries> {
  return parseCgmCsv(readTextFile(path, 'CGM CSV file'), path, options);
}

/** Read and parse a CGM CSV file with each subject's repeated times (see {@link parseCgmCsvSubjects}). */
export function readCgmCsvSubjects(path: string, options: CgmCsvOptions = {}): Map<string, CgmSubject> {
  return parseCgmCsvSubjects(readTextFile(path, 'CGM CSV file'), path, options);
}
