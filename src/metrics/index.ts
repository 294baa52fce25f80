/**
 * Glucose metrics library: every metric of issue #3 for one glucose series,
 * computed the way the R package iglu 4.2.2 computes it (see each module for
 * the formula, its source and iglu's conventions).
 *
 * Missing data: readings that are `NaN`, zero or negative are skipped by every
 * metric. A metric is `NaN` only when no value can exist for the data given:
 * - no valid reading: every metric;
 * - one valid reading: `sd`, `cv`, `j_index` (SD needs two);
 * - `modd`: no two grid values 24 h apart on consecutive days;
 * - `conga`: fewer than two grid differences n hours apart;
 * - `mage`: no segment of ≥ 7 and ≥ 32 five-minute grid points with an
 *   excursion larger than its SD (also a flat trace).
 * LBGI, HBGI, BGRI, ADRR, GRI, the ranges, GRADE and M-value are finite for
 * any series with at least one valid reading. The report layer prints `NaN`
 * as an empty cell (and `null` in JSON).
 */
import { cvFrom, ea1cFrom, gmiFrom, jIndexFrom, meanOf, sdOf } from './basic.js';
import { dayByDayGrid, type GridOptions } from './grid.js';
import { type MageOptions, mageOf } from './mage.js';
import { type RangeWeighting, rangePercentsOf } from './ranges.js';
import { adrrFromCoordinates, bgIndicesFromCoordinates, griFrom, logsOf, riskCoordinatesFromLogs } from './risk.js';
import { type GlucoseSeries, validReadings } from './series.js';
import { congaOfGrid, DEFAULT_CONGA_HOURS, DEFAULT_M_VALUE_REFERENCE, gradeFromLogs, moddOfGrid, mValueFromLogs } from './variability.js';

/** Metric names, in report order (the JSON keys of issue #3). */
export const METRIC_NAMES = [
  'mean',
  'sd',
  'cv',
  'gmi',
  'ea1c',
  'j_index',
  'tir',
  'below_70',
  'below_54',
  'above_180',
  'above_250',
  'lbgi',
  'hbgi',
  'bgri',
  'adrr',
  'gri',
  'm_value',
  'grade',
  'modd',
  'conga',
  'mage',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export type Metrics = Record<MetricName, number>;

/** Units of each metric, for report headers. */
export const METRIC_UNITS: Readonly<Record<MetricName, string>> = {
  mean: 'mg/dL',
  sd: 'mg/dL',
  cv: '%',
  gmi: '%',
  ea1c: '%',
  j_index: '',
  tir: '%',
  below_70: '%',
  below_54: '%',
  above_180: '%',
  above_250: '%',
  lbgi: '',
  hbgi: '',
  bgri: '',
  adrr: '',
  gri: '',
  m_value: '',
  grade: '',
  modd: 'mg/dL',
  conga: 'mg/dL',
  mage: 'mg/dL',
};

export interface MetricOptions {
  /** Time in ranges (and GRI): `count` of readings (default, as iglu) or `time`-weighted. */
  readonly rangeWeighting?: RangeWeighting;
  /** Time weighting: longest time one reading stands for, minutes (default 45). */
  readonly rangeMaxGapMin?: number;
  /** M-value reference glucose, mg/dL (default 90, as iglu). */
  readonly mValueReference?: number;
  /** CONGA lag in hours (default 24, as iglu). */
  readonly congaHours?: number;
  /** MODD lag in days (default 1). */
  readonly moddLagDays?: number;
  /** Grid for MODD and CONGA (default: step from the data, 45-min interpolation limit). */
  readonly grid?: GridOptions;
  /** MAGE options (default: iglu's ma algorithm, 5/32, avg). */
  readonly mage?: MageOptions;
}

/** All metrics of one series. Cost: a few linear passes plus two grid interpolations. */
export function computeMetrics(series: GlucoseSeries, options: MetricOptions = {}): Metrics {
  const readings = validReadings(series);
  const g = readings.g;
  const mean = meanOf(g);
  const sd = sdOf(g, mean);
  const ranges = rangePercentsOf(readings, { weighting: options.rangeWeighting, maxGapMin: options.rangeMaxGapMin });
  const lnG = logsOf(g);
  const risk = riskCoordinatesFromLogs(lnG);
  const { lbgi, hbgi } = bgIndicesFromCoordinates(risk);
  const grid = dayByDayGrid(readings, options.grid);
  return {
    mean,
    sd,
    cv: cvFrom(mean, sd),
    gmi: gmiFrom(mean),
    ea1c: ea1cFrom(mean),
    j_index: jIndexFrom(mean, sd),
    tir: ranges.tir,
    below_70: ranges.below_70,
    below_54: ranges.below_54,
    above_180: ranges.above_180,
    above_250: ranges.above_250,
    lbgi,
    hbgi,
    bgri: lbgi + hbgi,
    adrr: adrrFromCoordinates(readings.t, risk),
    gri: g.length === 0 ? NaN : griFrom(ranges),
    m_value: mValueFromLogs(lnG, options.mValueReference ?? DEFAULT_M_VALUE_REFERENCE),
    grade: gradeFromLogs(lnG),
    modd: moddOfGrid(grid, options.moddLagDays ?? 1),
    conga: congaOfGrid(grid, options.congaHours ?? DEFAULT_CONGA_HOURS),
    mage: mageOf(readings, options.mage),
  };
}

export * from './series.js';
export { meanGlucose, sdGlucose, cvGlucose, gmi, ea1c, jIndex, meanOf, sdOf } from './basic.js';
export { percentBelow, percentAbove, percentInRange, rangePercents, type RangeOptions, type RangePercents, type RangeWeighting } from './ranges.js';
export { lbgi, hbgi, bgri, adrr, riskTransform, bgRisk, griFrom, RISK_BG_MIN, RISK_BG_MAX, RISK_SCALE } from './risk.js';
export { mValue, grade, gradeScore, modd, conga, DEFAULT_CONGA_HOURS, DEFAULT_M_VALUE_REFERENCE } from './variability.js';
export { mage, type MageOptions, type MageDirection } from './mage.js';
export { dayByDayGrid, type DayGrid, type GridOptions, DEFAULT_INTER_GAP_MIN } from './grid.js';
export { parseCgmCsv, readCgmCsv, type CgmCsvOptions } from './cgmCsv.js';
