/**
 * Import of one file of the UCI "Diabetes" data set (AIM-94 data set
 * provided by Michael Kahn, MD, PhD, Washington University, St. Louis, MO;
 * UCI Machine Learning Repository): tab-separated rows
 * `MM-DD-YYYY<TAB>HH:MM<TAB>code<TAB>value`, codes as in aim94Codes.ts.
 *
 * Every quirk of the original files is handled explicitly (docs/records.md
 * lists each, where it occurs and why it is handled so): a row is either
 * kept, repaired where the repair is unambiguous, or skipped, and every
 * repair and skip is counted under a stable kebab-case name. Nothing is
 * invented: a censored meter reading ("0Hi", "0Lo") is not turned into a
 * number, an impossible date or time is not guessed. Pure, and total: any
 * text (random bytes, an empty or binary file) gives records and counts,
 * never an exception.
 */
import { aim94Code, aim94Meaning, codeMeans, type Aim94Meaning } from './aim94Codes.js';
import { formatWallClock, isCalendarDate, wallClockMinute, wallClockParts } from './wallClock.js';
import type { PatientRecord } from './types.js';

/**
 * The quirks, in the order docs/records.md gives them, with what the importer
 * does: `skipped` rows are left out; `repaired` rows are kept, mended;
 * `kept` rows are kept as they are and only counted.
 */
export const AIM94_QUIRKS = {
  'blank-line': 'skipped',
  'malformed-line': 'skipped',
  'impossible-date': 'skipped',
  'impossible-time': 'skipped',
  'ambiguous-time': 'skipped',
  'undocumented-code': 'skipped',
  'censored-high': 'skipped',
  'censored-low': 'skipped',
  'non-numeric-value': 'skipped',
  'implausible-glucose': 'skipped',
  'implausible-dose': 'skipped',
  'duplicate-record': 'skipped',
  'split-record-joined': 'repaired',
  'time-repaired': 'repaired',
  'out-of-order': 'repaired',
  'decimal-dose': 'kept',
  'zero-dose': 'kept',
  'event-value-ignored': 'kept',
  'overlaps-file': 'kept',
} as const;

export type Aim94Quirk = keyof typeof AIM94_QUIRKS;
export const AIM94_QUIRK_NAMES = Object.keys(AIM94_QUIRKS) as Aim94Quirk[];

/**
 * A single dose above this is skipped as a recording error. No dose in the
 * 70 files lies between 60 and 94 U; the eleven at or above 94 U are NPH 94
 * and 163 U in data-01 (its other NPH doses 13–16 U), regular 99 U in
 * data-25 (others 2–5 U), regular 344 U in data-70 (others 0–5 U), and the
 * only seven NPH records of data-65, 110–388 U, a patient otherwise on
 * regular (6–21 U) and UltraLente (23–30 U): glucose readings keyed under an
 * insulin code, by every sign. (data-29's one regular dose of 60 U, its
 * others 3–8 U, is kept: below the limit, and the limit is not tuned per
 * patient.)
 */
export const MAX_PLAUSIBLE_DOSE_U = 80;
/** A glucose reading outside this range (mg/dL) is no reading: 0 occurs once (data-09); the files' largest is 501. */
export const PLAUSIBLE_GLUCOSE_MG_DL = { min: 1, max: 1000 } as const;

export interface Aim94Import {
  /** Kept records, sorted by time (rows of the same minute in file order). */
  readonly records: PatientRecord[];
  /** Count per quirk that occurred (AIM94_QUIRKS names, in that order). */
  readonly quirks: Record<string, number>;
  /** Rows read: the file's lines (the newline that ends the last starts none), a split record's two lines counting as one. rows = records + skipped. */
  readonly rows: number;
}

/** The patient a file holds: its base name (`data-01`), as the data set names its 70 patients. */
export function aim94Patient(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return base === '' ? fileName : base;
}

interface Row {
  readonly fields: readonly string[];
  readonly joined: boolean;
}

/**
 * A record split over two lines, as in data-27 (once) and data-29 (ten
 * times), always at a morning's first three records:
 *
 *     05-25-1990<TAB>7:00<TAB>0<TAB>
 *     <TAB>201<TAB>33<TAB>3A
 *
 * The first line holds date and time (with code 0 and no value), the second
 * the value and, in its last field, the code in hexadecimal: 3A = 58
 * (pre-breakfast glucose), 21 = 33 (regular), 22 = 34 (NPH). The data bear
 * this reading out: every one of the 11 mornings gives 3A, 21, 22 in
 * that order, the patient's own order on every other morning, with values in
 * the ranges of those codes (glucose 138–226 mg/dL; regular 4–6 U, NPH
 * 16–20 U, as on the days around). The third field (always 33) has no known
 * meaning and is checked, not used. Only this exact shape is joined.
 */
const SPLIT_HEAD = /^([^\t]*)\t([^\t]*)\t0\t$/;
const SPLIT_TAIL = /^\t(\d+(?:\.\d+)?)\t33\t([0-9A-Fa-f]{2})$/;

/** The file's rows; split records joined into one row of four fields. */
function rowsOf(text: string): Row[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // The newline ending the last line ends the file; it does not start a row.
  if (lines[lines.length - 1] === '') lines.pop();
  const rows: Row[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = SPLIT_HEAD.exec(lines[i]!);
    const tail = head && i + 1 < lines.length ? SPLIT_TAIL.exec(lines[i + 1]!) : null;
    if (head && tail) {
      rows.push({ fields: [head[1]!, head[2]!, String(parseInt(tail[2]!, 16)), tail[1]!], joined: true });
      i++;
    } else {
      rows.push({ fields: lines[i]!.split('\t'), joined: false });
    }
  }
  return rows;
}

/** A row read: a record to keep (with the quirks it carries) or the quirk that skips it. */
type RowResult =
  | { readonly skip: Aim94Quirk }
  | { readonly minute: number; readonly code: number; readonly meaning: Aim94Meaning; readonly value: number; readonly notes: readonly Aim94Quirk[] };

const DATE = /^(\d{2})-(\d{2})-(\d{4})$/;
const TIME = /^(\d+):(\d+)$/;
const CODE = /^\d{1,9}$/;
const NUMBER = /^\d+(?:\.\d+)?$/;

/** Minutes after midnight of an AIM-94 time ("7:35", "07:35"), or the quirk that makes it unusable. */
function timeOfDay(text: string): { minutes: number; repaired: boolean } | Aim94Quirk {
  const m = TIME.exec(text);
  if (!m) return 'malformed-line';
  const [hourText, minuteText] = [m[1]!, m[2]!];
  const hour = Number(hourText);
  const minute = Number(minuteText);
  // 56:35, 188:00 (data-67): no reading of them is certain (188:00 may be 18:00, or 18:08).
  if (hourText.length > 2 || minuteText.length > 2 || hour > 23 || minute > 59) return 'impossible-time';
  if (minuteText.length === 1) {
    // 11:0 (data-29) is 11:00 however it lost a digit; 11:5 could be 11:05 or 11:50.
    return minute === 0 ? { minutes: hour * 60, repaired: true } : 'ambiguous-time';
  }
  return { minutes: hour * 60 + minute, repaired: false };
}

function readRow(row: Row): RowResult {
  const f = row.fields;
  if (f.length === 1 && f[0]!.trim() === '') return { skip: 'blank-line' };
  if (f.length !== 4) return { skip: 'malformed-line' };
  const [dateText, timeText, codeText, valueText] = f as [string, string, string, string];
  const date = DATE.exec(dateText);
  if (!date || !CODE.test(codeText)) return { skip: 'malformed-line' };
  const time = timeOfDay(timeText);
  if (typeof time === 'string') return { skip: time };
  const [month, day, year] = [Number(date[1]), Number(date[2]), Number(date[3])];
  if (!isCalendarDate(year, month, day)) return { skip: 'impossible-date' };
  const code = Number(codeText);
  const meaning = aim94Meaning(code);
  if (meaning === undefined) return { skip: 'undocumented-code' };

  const notes: Aim94Quirk[] = [];
  if (row.joined) notes.push('split-record-joined');
  if (time.repaired) notes.push('time-repaired');
  const minute = wallClockMinute(year, month, day, 0, time.minutes);
  if (meaning.kind === 'event') {
    // Events carry no value; the files give 0 for every one.
    if (!(NUMBER.test(valueText) && Number(valueText) === 0)) notes.push('event-value-ignored');
    return { minute, code, meaning, value: 0, notes };
  }
  if (!NUMBER.test(valueText)) {
    // A meter's "HI"/"LO" (above or below its range, data-02): censored, not a number.
    if (/^0*hi$/i.test(valueText)) return { skip: 'censored-high' };
    if (/^0*lo$/i.test(valueText)) return { skip: 'censored-low' };
    return { skip: 'non-numeric-value' };
  }
  const value = Number(valueText);
  if (meaning.kind === 'glucose') {
    if (value < PLAUSIBLE_GLUCOSE_MG_DL.min || value > PLAUSIBLE_GLUCOSE_MG_DL.max) return { skip: 'implausible-glucose' };
  } else {
    if (value > MAX_PLAUSIBLE_DOSE_U) return { skip: 'implausible-dose' };
    if (!Number.isInteger(value)) notes.push('decimal-dose');
    if (value === 0) notes.push('zero-dose');
  }
  return { minute, code, meaning, value, notes };
}

function toRecord(patient: string, r: Extract<RowResult, { minute: number }>): PatientRecord {
  const base = { patient, time: formatWallClock(r.minute), minute: r.minute };
  const m = r.meaning;
  if (m.kind === 'glucose') return { ...base, kind: 'glucose', context: m.context, valueMgDl: r.value, sourceCode: r.code };
  if (m.kind === 'insulin') return { ...base, kind: 'insulin', preparation: m.preparation, units: r.value, sourceCode: r.code };
  return { ...base, kind: 'event', event: m.event, sourceCode: r.code };
}

/** Counts in AIM94_QUIRKS order, those that occurred only. */
export function orderedQuirks(counts: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of AIM94_QUIRK_NAMES) {
    const n = counts.get(name) ?? 0;
    if (n > 0) out[name] = n;
  }
  return out;
}

/**
 * The records of one AIM-94 file and the quirks met. `fileName` names the
 * patient (its base name). Exact duplicates (same minute, code and value) are
 * dropped after the first; records are sorted by time, those that came after
 * a later one counted `out-of-order`.
 */
export function importAim94(text: string, fileName: string): Aim94Import {
  const patient = aim94Patient(fileName);
  const counts = new Map<string, number>();
  const count = (q: Aim94Quirk) => counts.set(q, (counts.get(q) ?? 0) + 1);
  const rows = rowsOf(text);
  const seen = new Set<string>();
  const kept: Extract<RowResult, { minute: number }>[] = [];
  let latest = -Infinity;
  for (const row of rows) {
    const r = readRow(row);
    if ('skip' in r) {
      count(r.skip);
      continue;
    }
    const key = `${r.minute}/${r.code}/${r.value}`;
    if (seen.has(key)) {
      count('duplicate-record');
      continue;
    }
    seen.add(key);
    for (const q of r.notes) count(q);
    if (r.minute < latest) count('out-of-order');
    latest = Math.max(latest, r.minute);
    kept.push(r);
  }
  // Array.prototype.sort is stable: rows of one minute keep the file's order.
  kept.sort((a, b) => a.minute - b.minute);
  return { records: kept.map((r) => toRecord(patient, r)), quirks: orderedQuirks(counts), rows: rows.length };
}

function meaningOf(r: PatientRecord): Aim94Meaning {
  if (r.kind === 'glucose') return { kind: 'glucose', context: r.context };
  if (r.kind === 'insulin') return { kind: 'insulin', preparation: r.preparation };
  return { kind: 'event', event: r.event };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * One patient's records in the AIM-94 tab format, in the given order: the
 * record's `sourceCode` when it has the record's meaning in AIM-94, else the
 * first code of that meaning (48 for an unspecified reading); events with the
 * value 0, as the files give them; numbers as String(x). Importing the result
 * gives the same records.
 */
export function formatAim94(records: readonly PatientRecord[]): string {
  const patients = new Set(records.map((r) => r.patient));
  if (patients.size > 1) throw new Error(`formatAim94: one patient's records make an AIM-94 file, got ${patients.size} patients`);
  return records
    .map((r) => {
      const meaning = meaningOf(r);
      const code = r.sourceCode !== undefined && codeMeans(r.sourceCode, meaning) ? r.sourceCode : aim94Code(meaning);
      const value = r.kind === 'glucose' ? r.valueMgDl : r.kind === 'insulin' ? r.units : 0;
      const t = wallClockParts(r.minute);
      return `${pad2(t.month)}-${pad2(t.day)}-${String(t.year).padStart(4, '0')}\t${pad2(t.hour)}:${pad2(t.minute)}\t${code}\t${String(value)}\n`;
    })
    .join('');
}
