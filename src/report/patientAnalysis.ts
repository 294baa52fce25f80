/**
 * What the report needs from one patient's trace, computed where the trace
 * is (in the worker): metrics, lowest and highest glucose and CVGA point over
 * the run's window, mean, lowest and highest glucose over all days, daily
 * indices for every day, the trace plot, and when asked a CVGA point per day
 * of the window.
 */
import { computeMetrics, meanGlucose, type Metrics } from '../metrics/index.js';
import { RISK_SCALE, riskCoordinate } from '../metrics/risk.js';
import { isValidGlucose } from '../metrics/series.js';
import { cvgaPoint, type CvgaPoint } from '../metrics/cvga.js';
import { type CvgaPoints, cvgaPointsPerDay } from '../metrics/cvgaDays.js';
import type { GlucoseSeries } from '../metrics/series.js';
import type { Trace } from '../sim/trace.js';
import { glucoseTraceInputFromTrace, glucoseTraceSvg } from './svg.js';

const MINUTES_PER_DAY = 1440;

/** Days of a scenario, 1-based and inclusive. */
export interface DayWindow {
  readonly fromDay: number;
  readonly toDay: number;
}

export interface DailyIndices {
  readonly lbgi: number[];
  readonly hbgi: number[];
  readonly tir: number[];
  readonly mean: number[];
}

/** Lowest and highest blood glucose of a stretch of days, mg/dL (floored, see SIMULATED_BG_FLOOR_MG_DL). */
export interface GlucoseExtremes {
  readonly minMgDl: number;
  readonly maxMgDl: number;
}

export interface PatientAnalysis {
  readonly patient: string;
  readonly metrics: Metrics;
  /** Over the window, from the same floored series as `metrics` (which has no min or max). */
  readonly extremes: GlucoseExtremes;
  /** Over all days of the run, floored likewise: the mean is `metrics.mean` when the window is the whole run. */
  readonly wholeRun: GlucoseExtremes & { readonly meanMgDl: number };
  readonly cvga: CvgaPoint;
  /**
   * With `cvgaPoints: 'patient-day'`: one CVGA point per day of the window,
   * from the same floored series as `cvga`, `day` being the scenario day
   * (1-based). Absent otherwise.
   */
  readonly cvgaDays?: readonly CvgaScenarioDayPoint[];
  readonly daily: DailyIndices;
  readonly traceSvg: string;
}

/** A CVGA point of one scenario day (1-based, as the `day` column of traces and daily.csv). */
export interface CvgaScenarioDayPoint extends CvgaPoint {
  readonly day: number;
}

export interface AnalysisOptions {
  /** What a CVGA point stands for (default `patient`: `cvga` alone). */
  readonly cvgaPoints?: CvgaPoints;
}

/** The window of the last `days` days of a `totalDays` run (all days when undefined). */
export function lastDaysWindow(totalDays: number, days?: number): DayWindow {
  const n = days === undefined ? totalDays : Math.min(days, totalDays);
  return { fromDay: totalDays - n + 1, toDay: totalDays };
}

/** Whether `window` covers every day of a `totalDays` run. */
export function isWholeRun(window: DayWindow, totalDays: number): boolean {
  return window.fromDay === 1 && window.toDay >= totalDays;
}

/**
 * Floor for simulated blood glucose in metrics, mg/dL. Under a gross insulin
 * overdose the model's plasma glucose runs down to 0 (its positivity guard,
 * docs/model.md §1, stops it there) — some S2008 children do under the simulator's
 * own therapy. The metrics library skips readings ≤ 0 as missing, as a CGM
 * export's zeros are; for the simulator they are the deepest hypoglycaemia,
 * so they are counted at this floor instead (the risk indices clamp at 20).
 */
export const SIMULATED_BG_FLOOR_MG_DL = 1;

function floored(bg: number): number {
  return bg > SIMULATED_BG_FLOOR_MG_DL ? bg : SIMULATED_BG_FLOOR_MG_DL;
}

/**
 * True blood glucose, minute by minute, over scenario days [fromDay, toDay]
 * (floored, see SIMULATED_BG_FLOOR_MG_DL), stamped with wall-clock minutes
 * from midnight of day 1 (so day-based metrics cut at clock midnight, as for
 * CGM exports).
 */
export function bloodGlucoseSeries(trace: Trace, window: DayWindow): GlucoseSeries {
  const from = (window.fromDay - 1) * MINUTES_PER_DAY;
  const to = Math.min(window.toDay * MINUTES_PER_DAY, trace.minutes);
  const timesMin = new Float64Array(to - from);
  const glucoseMgDl = new Float64Array(to - from);
  for (let m = from; m < to; m++) {
    timesMin[m - from] = trace.startTimeOfDayMin + m;
    glucoseMgDl[m - from] = floored(trace.bgMgDl[m]);
  }
  return { timesMin, glucoseMgDl };
}

/** Lowest and highest valid reading of a series, mg/dL (NaN without one). */
export function glucoseExtremes(series: GlucoseSeries): GlucoseExtremes {
  let min = Infinity;
  let max = -Infinity;
  for (const bg of series.glucoseMgDl) {
    if (!isValidGlucose(bg)) continue;
    if (bg < min) min = bg;
    if (bg > max) max = bg;
  }
  return min > max ? { minMgDl: NaN, maxMgDl: NaN } : { minMgDl: min, maxMgDl: max };
}

/**
 * LBGI, HBGI, % in 70–180 mg/dL and mean per scenario day, in one pass over
 * the minutes: the same definitions as the metrics library (floored BG as
 * bloodGlucoseSeries; LBGI/HBGI = 22.77·mean of the squared low/high risk coordinate;
 * range bounds inclusive), without building a series per day.
 */
export function dailyIndices(trace: Trace): DailyIndices {
  const days = Math.ceil(trace.minutes / MINUTES_PER_DAY);
  const out: DailyIndices = { lbgi: [], hbgi: [], tir: [], mean: [] };
  for (let d = 0; d < days; d++) {
    let n = 0;
    let low = 0;
    let high = 0;
    let inRange = 0;
    let sum = 0;
    const end = Math.min((d + 1) * MINUTES_PER_DAY, trace.minutes);
    for (let m = d * MINUTES_PER_DAY; m < end; m++) {
      const bg = floored(trace.bgMgDl[m]);
      if (!isValidGlucose(bg)) continue;
      n++;
      sum += bg;
      if (bg >= 70 && bg <= 180) inRange++;
      const u = riskCoordinate(bg);
      if (u < 0) low += u * u;
      else high += u * u;
    }
    out.lbgi.push(n > 0 ? (RISK_SCALE * low) / n : NaN);
    out.hbgi.push(n > 0 ? (RISK_SCALE * high) / n : NaN);
    out.tir.push(n > 0 ? (100 * inRange) / n : NaN);
    out.mean.push(n > 0 ? sum / n : NaN);
  }
  return out;
}

/**
 * The series of all days of the run: `windowSeries` itself when `window`
 * already covers them (the default window), instead of a second copy of every
 * minute (16 bytes a minute, ≈ 8 MB per patient-year).
 */
export function wholeRunSeries(trace: Trace, window: DayWindow, windowSeries: GlucoseSeries): GlucoseSeries {
  const days = Math.ceil(trace.minutes / MINUTES_PER_DAY);
  return isWholeRun(window, days) ? windowSeries : bloodGlucoseSeries(trace, { fromDay: 1, toDay: days });
}

/**
 * One CVGA point per scenario day of `window`, from its floored series
 * (bloodGlucoseSeries). The series starts at the window's first minute, a
 * scenario day's start, so its 1440-minute blocks are the scenario days.
 */
export function cvgaScenarioDays(windowSeries: GlucoseSeries, window: DayWindow): CvgaScenarioDayPoint[] {
  return cvgaPointsPerDay(windowSeries.glucoseMgDl).map(({ dayIndex, ...point }) => ({ ...point, day: window.fromDay + dayIndex }));
}

export function analysePatient(trace: Trace, window: DayWindow, options: AnalysisOptions = {}): PatientAnalysis {
  const series = bloodGlucoseSeries(trace, window);
  const all = wholeRunSeries(trace, window, series);
  return {
    patient: trace.patient,
    metrics: computeMetrics(series),
    extremes: glucoseExtremes(series),
    // meanGlucose is the metrics' own mean, so over the same minutes it is the same number.
    wholeRun: { meanMgDl: meanGlucose(all), ...glucoseExtremes(all) },
    cvga: cvgaPoint(series.glucoseMgDl),
    // Only when asked, so that a default run's parts (and shard files) are what they were.
    ...(options.cvgaPoints === 'patient-day' ? { cvgaDays: cvgaScenarioDays(series, window) } : {}),
    daily: dailyIndices(trace),
    // 1,200 points per line is more than the plot's 820-pixel-wide axis can show.
    traceSvg: glucoseTraceSvg(glucoseTraceInputFromTrace(trace), {
      title: `${trace.patient}: glucose and insulin`,
      startTimeOfDayMin: trace.startTimeOfDayMin,
      maxPointsPerLine: 1200,
    }),
  };
}
