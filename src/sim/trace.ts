/**
 * What a closed-loop run records for one patient, minute by minute, in typed
 * arrays (one row per simulated minute), and its CSV form.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { AsciiBuffer, INTEGER_BYTES_MAX, putAscii, putInteger, putPadded } from '../io/asciiBuffer.js';
import { fixedBytesMax, putFixed } from '../io/numberFormat.js';
import { INSULIN_PREPARATIONS, type InsulinPreparation } from '../model/patientModel.js';

export interface Trace {
  readonly patient: string;
  readonly minutes: number;
  readonly startTimeOfDayMin: number;
  /** True blood glucose Gs/Vg at the start of each minute, mg/dL. */
  readonly bgMgDl: Float64Array;
  /** Sensor reading, mg/dL; NaN at minutes without a sample. */
  readonly cgmMgDl: Float64Array;
  /** Carbohydrate eaten during the minute, g. */
  readonly carbsEatenG: Float64Array;
  /** True carbs and the estimate given to the controller, g, at the minute a meal is announced. */
  readonly carbsAnnouncedG: Float64Array;
  readonly carbsEstimatedG: Float64Array;
  /** Delivered basal rate, U/min, and bolus, U, per minute. */
  readonly basalUPerMin: Float64Array;
  readonly bolusU: Float64Array;
  /** Pen injections per preparation, U, at the minute given. */
  readonly injectionsU: Readonly<Record<InsulinPreparation, Float64Array>>;
  /** A learning controller's daily series (Controller.dailyLog), if it keeps one. */
  readonly controllerLog?: Readonly<Record<string, readonly number[]>>;
}

export function createTrace(patient: string, minutes: number, startTimeOfDayMin: number): Trace {
  return {
    patient,
    minutes,
    startTimeOfDayMin,
    bgMgDl: new Float64Array(minutes),
    cgmMgDl: new Float64Array(minutes).fill(NaN),
    carbsEatenG: new Float64Array(minutes),
    carbsAnnouncedG: new Float64Array(minutes),
    carbsEstimatedG: new Float64Array(minutes),
    basalUPerMin: new Float64Array(minutes),
    bolusU: new Float64Array(minutes),
    injectionsU: { rapid: new Float64Array(minutes), regular: new Float64Array(minutes), nph: new Float64Array(minutes), long: new Float64Array(minutes) },
  };
}

/** The trace's array buffers, to transfer it between threads without copying. */
export function traceBuffers(trace: Trace): ArrayBuffer[] {
  return [
    trace.bgMgDl,
    trace.cgmMgDl,
    trace.carbsEatenG,
    trace.carbsAnnouncedG,
    trace.carbsEstimatedG,
    trace.basalUPerMin,
    trace.bolusU,
    ...INSULIN_PREPARATIONS.map((p) => trace.injectionsU[p]),
  ].map((a) => a.buffer as ArrayBuffer);
}

export const TRACE_CSV_HEADER =
  'minute,day,time_of_day,bg_mg_dl,cgm_mg_dl,carbs_eaten_g,carbs_announced_g,carbs_estimated_g,basal_u_per_h,bolus_u,' +
  'injected_rapid_u,injected_regular_u,injected_nph_u,injected_long_u';

/** Room for this many bytes per trace file: a day's rows (~68 KB) in about one write, and a bound on memory whatever the trace's length. */
const TRACE_FILE_BUFFER_BYTES = 64 * 1024;
/** A real trace's CSV is ~48 bytes a minute (a 10-day trace ~686 KB): traceToCsv's first buffer. */
const CSV_BYTES_PER_MINUTE_GUESS = 48;
const COMMA = 44;
const NEWLINE = 10;
const DIGIT_ZERO = 48;
const COLON = 58;
/** The longest `clock` text: an hour of up to 4 characters (`0-24`), a colon, a minute of up to 25 (`0` and the longest double). */
const CLOCK_BYTES_MAX = 30;
/**
 * The most bytes a row takes, whatever its values: minute and day, the
 * clock, 11 fixed cells of at most 4 digits, 14 separators (the bounds at
 * putInteger, putFixed and CLOCK_BYTES_MAX; test/sim/traceCsv.test.ts writes
 * the widest row).
 */
const ROW_BYTES_MAX = 2 * INTEGER_BYTES_MAX + CLOCK_BYTES_MAX + 11 * fixedBytesMax(4) + 14;

/** `HH:MM` of a minute of the day (below 10 zero-padded). */
function clock(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/** Put `clock(minuteOfDay)`: two digits each for whole minutes 0 … 1439, through the string otherwise. */
function putClock(bytes: Uint8Array, at: number, minuteOfDay: number): number {
  if (!(Number.isInteger(minuteOfDay) && minuteOfDay >= 0 && minuteOfDay < 1440)) return putAscii(bytes, at, clock(minuteOfDay));
  const h = Math.floor(minuteOfDay / 60);
  at = putPadded(bytes, at, h, 2);
  bytes[at++] = COLON;
  return putPadded(bytes, at, minuteOfDay - h * 60, 2);
}

/** The number columns, in the header's order, with the factor to their unit and their digits. */
const NUMBER_COLUMNS = 11;
const COLUMN_FACTOR = [1, 1, 1, 1, 1, 60, 1, 1, 1, 1, 1]; // basal: U/min → U/h
const COLUMN_DIGITS = [3, 3, 3, 3, 3, 4, 4, 2, 2, 2, 2];

function numberColumns(trace: Trace): Float64Array[] {
  const { rapid, regular, nph, long } = trace.injectionsU;
  return [trace.bgMgDl, trace.cgmMgDl, trace.carbsEatenG, trace.carbsAnnouncedG, trace.carbsEstimatedG, trace.basalUPerMin, trace.bolusU, rapid, regular, nph, long];
}

/**
 * Put the cell of `column[m] × factor` after a comma: the true BG (`full`)
 * as it is, even 0 or NaN; the others zero as `0` to keep files small, NaN
 * empty. Given the column, not the value: a double passed to a call V8 does
 * not inline is boxed (measured: 23 KB of garbage a patient-day).
 */
function putCell(bytes: Uint8Array, at: number, column: Float64Array, m: number, factor: number, digits: number, full: boolean): number {
  const value = column[m] * factor; // × 1 is exact: the same double, NaN and −0 too
  bytes[at++] = COMMA;
  if (!full && value === 0) bytes[at++] = DIGIT_ZERO;
  else if (full || !Number.isNaN(value)) at = putFixed(bytes, at, value, digits);
  return at;
}

/**
 * CSV rows of minutes [from, to), each ending in a newline, written into
 * `out` with no string per row or cell (issue #17). Basal is written in U/h
 * (the unit pumps are programmed in); `day` is 1-based and counts from the
 * scenario start; pen injections per preparation in U.
 */
export function writeTraceCsvRows(out: AsciiBuffer, trace: Trace, from: number, to: number): void {
  const startTimeOfDayMin = trace.startTimeOfDayMin;
  const columns = numberColumns(trace);
  for (let m = from; m < to; m++) {
    out.reserve(ROW_BYTES_MAX);
    const bytes = out.bytes;
    let at = putInteger(bytes, out.length, m);
    bytes[at++] = COMMA;
    at = putInteger(bytes, at, Math.floor(m / 1440) + 1);
    bytes[at++] = COMMA;
    at = putClock(bytes, at, (startTimeOfDayMin + m) % 1440);
    for (let c = 0; c < NUMBER_COLUMNS; c++) at = putCell(bytes, at, columns[c], m, COLUMN_FACTOR[c], COLUMN_DIGITS[c], c === 0);
    bytes[at++] = NEWLINE;
    out.length = at;
  }
}

/** The whole trace as one CSV text (header, then one row per minute): for short traces and tests. */
export function traceToCsv(trace: Trace): string {
  const out = new AsciiBuffer(TRACE_CSV_HEADER.length + 1 + Math.max(trace.minutes, 0) * CSV_BYTES_PER_MINUTE_GUESS);
  out.length = putAscii(out.bytes, 0, `${TRACE_CSV_HEADER}\n`);
  writeTraceCsvRows(out, trace, 0, trace.minutes);
  return out.text();
}

/**
 * A trace CSV written while the patient is simulated: `append(trace, upTo)`
 * writes the rows of the minutes simulated since the last call, so a file of
 * any length costs one buffer of memory (the whole CSV as one string, half a
 * million row strings for 365 days, kept a 30 × 365-day run at 2.2 GB peak;
 * streamed it is bench's longRunPeakRssMB). Rows are written as bytes into a
 * reused buffer, each spilled to the file when full and at the end of an
 * append: per-row strings cost as much as the simulation (issue #17). The
 * bytes are those of `traceToCsv` (test/sim/traceCsv.test.ts).
 */
export class TraceCsvFile {
  private fd: number | undefined;
  private written = 0;
  private readonly out = new AsciiBuffer(TRACE_FILE_BUFFER_BYTES, (bytes, length) => this.writeAll(bytes, length));

  constructor(readonly path: string) {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, `${TRACE_CSV_HEADER}\n`);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
  }

  append(trace: Trace, upToMinute: number): void {
    if (upToMinute <= this.written) return;
    if (this.fd === undefined) throw new Error(`${this.path}: trace file already closed`);
    writeTraceCsvRows(this.out, trace, this.written, upToMinute);
    this.out.flush();
    this.written = upToMinute;
  }

  private writeAll(bytes: Uint8Array, length: number): void {
    const fd = this.fd as number; // append checked it is open
    try {
      // writeSync may write less than asked (a nearly full disk): go on until all is written.
      for (let done = 0; done < length; ) done += writeSync(fd, bytes, done, length - done);
    } catch (err) {
      // A full disk's ENOSPC names no file: say which one, keeping the code.
      const errno = err as NodeJS.ErrnoException;
      if (typeof errno.message === 'string' && !errno.message.includes(this.path)) errno.message = `${this.path}: ${errno.message}`;
      throw err;
    }
  }

  /** Close the file (again: nothing). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface TraceSummary {
  readonly patient: string;
  readonly meanBgMgDl: number;
  readonly minBgMgDl: number;
  readonly maxBgMgDl: number;
  readonly totalInsulinU: number;
  readonly totalBasalU: number;
  readonly totalBolusU: number;
  readonly totalInjectedU: number;
  readonly totalCarbsG: number;
}

export function summariseTrace(trace: Trace): TraceSummary {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let basal = 0;
  let bolus = 0;
  let carbs = 0;
  let injected = 0;
  for (const p of INSULIN_PREPARATIONS) for (const u of trace.injectionsU[p]) injected += u;
  for (let m = 0; m < trace.minutes; m++) {
    const bg = trace.bgMgDl[m];
    sum += bg;
    if (bg < min) min = bg;
    if (bg > max) max = bg;
    basal += trace.basalUPerMin[m];
    bolus += trace.bolusU[m];
    carbs += trace.carbsEatenG[m];
  }
  return {
    patient: trace.patient,
    meanBgMgDl: sum / trace.minutes,
    minBgMgDl: min,
    maxBgMgDl: max,
    totalInsulinU: basal + bolus + injected,
    totalBasalU: basal,
    totalBolusU: bolus,
    totalInjectedU: injected,
    totalCarbsG: carbs,
  };
}
