/**
 * What a closed-loop run records for one patient, minute by minute, in typed
 * arrays (one row per simulated minute), and its CSV form.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { fixed } from '../io/numberFormat.js';
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

function clock(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/** Fixed-precision cell; zero as `0` to keep files small, NaN empty. */
function cell(value: number, digits: number): string {
  if (Number.isNaN(value)) return '';
  return value === 0 ? '0' : fixed(value, digits);
}

/**
 * CSV rows of minutes [from, to), each ending in a newline. Basal is written
 * in U/h (the unit pumps are programmed in); `day` is 1-based and counts from
 * the scenario start; pen injections per preparation in U.
 */
function traceCsvRows(trace: Trace, from: number, to: number): string {
  const rows = new Array<string>(to - from + 1);
  const injections = trace.injectionsU;
  for (let m = from; m < to; m++) {
    const wall = trace.startTimeOfDayMin + m;
    rows[m - from] =
      `${m},${Math.floor(m / 1440) + 1},${clock(wall % 1440)},${fixed(trace.bgMgDl[m], 3)},${cell(trace.cgmMgDl[m], 3)},` +
      `${cell(trace.carbsEatenG[m], 3)},${cell(trace.carbsAnnouncedG[m], 3)},${cell(trace.carbsEstimatedG[m], 3)},` +
      `${cell(trace.basalUPerMin[m] * 60, 4)},${cell(trace.bolusU[m], 4)},` +
      `${cell(injections.rapid[m], 2)},${cell(injections.regular[m], 2)},${cell(injections.nph[m], 2)},${cell(injections.long[m], 2)}`;
  }
  rows[to - from] = '';
  return rows.join('\n');
}

/** The whole trace as one CSV text (header, then one row per minute): for short traces and tests. */
export function traceToCsv(trace: Trace): string {
  return `${TRACE_CSV_HEADER}\n${trace.minutes > 0 ? traceCsvRows(trace, 0, trace.minutes) : ''}`;
}

/**
 * A trace CSV written while the patient is simulated: `append(trace, upTo)`
 * writes the rows of the minutes simulated since the last call, so a file of
 * any length costs one day's rows of memory at a time (the whole CSV as
 * one string, half a million row strings for 365 days, kept a 30 × 365-day
 * run at 2.2 GB peak; streamed it is bench's longRunPeakRssMB), and the
 * bytes are those of `traceToCsv` (test/sim/trace.test.ts).
 */
export class TraceCsvFile {
  private fd: number | undefined;
  private written = 0;

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
    const bytes = Buffer.from(traceCsvRows(trace, this.written, upToMinute));
    try {
      // writeSync may write less than asked (a nearly full disk): go on until all is written.
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
    } catch (err) {
      // A full disk's ENOSPC names no file: say which one, keeping the code.
      const errno = err as NodeJS.ErrnoException;
      if (typeof errno.message === 'string' && !errno.message.includes(this.path)) errno.message = `${this.path}: ${errno.message}`;
      throw err;
    }
    this.written = upToMinute;
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
