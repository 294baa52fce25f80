/**
 * The report's plots as standalone SVG documents (strings): the CVGA grid,
 * daily line charts (e.g. LBGI per group per day) and a per-patient glucose
 * trace with meals and insulin. Missing values (NaN) are skipped or break
 * lines; no attribute ever receives NaN (see `num` in ./svgCore.ts).
 */

import {
  CVGA_CENTRE,
  CVGA_CLAMP_HIGH,
  CVGA_CLAMP_LOW,
  CVGA_MAX_CUTS,
  CVGA_MIN_CUTS,
  CVGA_ZONES,
  CVGA_ZONE_RECTS,
  type CvgaZone,
  clampCvga,
  classifyCvga,
  cvgaSummary,
} from '../metrics/cvga.js';
import type { CvgaPoints } from '../metrics/cvgaDays.js';
import { bucketSums, gapDetector, groupMeals, minMaxIndices, toSteps } from './downsample.js';
import {
  type Box,
  type LegendItem,
  MARKER_SHAPES,
  approxTextWidth,
  bottomAxis,
  el,
  escapeXml,
  hGrid,
  legend,
  linearScale,
  marker,
  niceDomain,
  niceStep,
  num,
  paletteColor,
  sideAxis,
  svgDocument,
  text,
  tickLabel,
} from './svgCore.js';

export { escapeXml } from './svgCore.js';

// ---------------------------------------------------------------------------
// CVGA

export interface CvgaPlotPoint {
  /** Patient name (or patient and day), shown as the point's tooltip. */
  readonly label: string;
  /** Colour group (age group, scenario, arm …). */
  readonly group: string;
  /** 2.5th / 97.5th percentile of BG, mg/dL; clamped here as in the CVGA, NaN points are skipped. */
  readonly minMgDl: number;
  readonly maxMgDl: number;
}

export interface CvgaPlotOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
  /** Legend order (and colour order); groups not listed follow in first-seen order. */
  readonly groupOrder?: readonly string[];
  /** What a point stands for, named in the caption (default `patient`; see src/metrics/cvgaDays.ts). */
  readonly points?: CvgaPoints;
}

/** Zone fills: pale so the coloured points stay legible; green → red as control worsens (as in the paper's figure). */
const ZONE_FILL: Record<CvgaZone, string> = {
  A: '#9fd89a',
  'Lower B': '#c9e8c0',
  'Upper B': '#c9e8c0',
  B: '#c9e8c0',
  'Lower C': '#fbeea6',
  'Upper C': '#fbeea6',
  'Lower D': '#fdd3a4',
  'Upper D': '#fdd3a4',
  E: '#f7b0ab',
};

function pct(v: number): string {
  return `${num(v, 1)}%`;
}

function groupsInOrder(found: readonly string[], order: readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const g of [...(order ?? []).filter((g) => found.includes(g)), ...found]) {
    if (!seen.has(g)) {
      seen.add(g);
      out.push(g);
    }
  }
  return out;
}

/**
 * The CVGA grid: nine shaded, labelled zones on a reversed min-BG axis
 * (110 → 50) and a max-BG axis (110 → 400), one point per patient (or per
 * patient-day, `options.points`) coloured by group, a legend with each
 * group's n and % in A+B, and the zone percentages of all plotted points as
 * a caption under the plot.
 */
export function cvgaPlotSvg(points: readonly CvgaPlotPoint[], options: CvgaPlotOptions = {}): string {
  const title = options.title ?? 'Control Variability Grid Analysis (CVGA)';
  const width = options.width ?? 760;
  const height = options.height ?? 620;
  // Groups and their legend labels first: the legend's width decides the plot's.
  const valid = points.filter((p) => Number.isFinite(p.minMgDl) && Number.isFinite(p.maxMgDl));
  const skipped = points.length - valid.length;
  const groups = groupsInOrder(
    valid.map((p) => p.group),
    options.groupOrder,
  );
  const zoned = valid.map((p) => ({ group: p.group, zone: classifyCvga(p.minMgDl, p.maxMgDl) }));
  const legendLabels = groups.map((g) => {
    const s = cvgaSummary(zoned.filter((p) => p.group === g));
    return `${g} (n=${s.n}, A+B ${pct(s.percentAB)})`;
  });
  const legendWidth = Math.min(320, Math.max(120, ...legendLabels.map((l) => approxTextWidth(l) + 40)));
  const box: Box = { left: 70, top: 48, right: width - legendWidth - 16, bottom: height - 120 };
  const x = linearScale(CVGA_CENTRE, CVGA_CLAMP_LOW, box.left, box.right);
  const y = linearScale(CVGA_CENTRE, CVGA_CLAMP_HIGH, box.bottom, box.top);

  const parts: string[] = [];
  parts.push(text(width / 2, 26, title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));

  // Zones, each labelled at the top centre: the left and right edges are
  // where clamped points (min ≥ 110, min ≤ 50) pile up.
  const zones = CVGA_ZONE_RECTS.map((r) => {
    const x0 = x(r.minHi);
    const x1 = x(r.minLo);
    const y0 = y(r.maxHi);
    const y1 = y(r.maxLo);
    return (
      el('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: ZONE_FILL[r.zone], stroke: '#ffffff', 'stroke-width': 2 }) +
      text((x0 + x1) / 2, y0 + 16, r.zone === 'A' || r.zone === 'B' || r.zone === 'E' ? `${r.zone} zone` : r.zone, {
        'text-anchor': 'middle',
        fill: '#3a3a3a',
        'font-weight': 'bold',
      })
    );
  });
  parts.push(el('g', { class: 'zones' }, zones.join('')));

  // Axes: ticks on the grid lines; the clamped ends read ≤50 and ≥400.
  const xTicks = [CVGA_CENTRE, CVGA_MIN_CUTS[0], CVGA_MIN_CUTS[1], CVGA_CLAMP_LOW];
  const yTicks = [CVGA_CENTRE, CVGA_MAX_CUTS[0], CVGA_MAX_CUTS[1], CVGA_CLAMP_HIGH];
  parts.push(
    bottomAxis(box, x, xTicks, (v) => (v === CVGA_CLAMP_LOW ? `≤${v}` : String(v)), 'Minimum BG, 2.5th percentile (mg/dL)'),
  );
  parts.push(
    sideAxis(box, y, yTicks, (v) => (v === CVGA_CLAMP_HIGH ? `≥${v}` : String(v)), 'Maximum BG, 97.5th percentile (mg/dL)', 'left', 50),
  );

  // Points.
  const colorOf = new Map(groups.map((g, i) => [g, paletteColor(i)]));
  const dots = valid.map((p) => {
    const c = clampCvga(p.minMgDl, p.maxMgDl);
    const zone = classifyCvga(p.minMgDl, p.maxMgDl);
    const tip = `${p.label} (${p.group}): min ${num(p.minMgDl, 1)}, max ${num(p.maxMgDl, 1)} mg/dL, zone ${zone}`;
    return el(
      'circle',
      { class: 'point', cx: x(c.minMgDl), cy: y(c.maxMgDl), r: 5, fill: colorOf.get(p.group)!, stroke: '#1a1a1a', 'stroke-width': 0.8, 'fill-opacity': 0.9 },
      el('title', {}, escapeXml(tip)),
    );
  });
  parts.push(el('g', { class: 'points' }, dots.join('')));

  // Legend: colour, group, n and % in A+B per group.
  const items: LegendItem[] = groups.map((g, i) => ({
    label: legendLabels[i],
    glyph: (cx, cy) => el('circle', { cx, cy, r: 5, fill: paletteColor(i), stroke: '#1a1a1a', 'stroke-width': 0.8 }),
  }));
  parts.push(legend(box.right + 16, box.top + 8, items));

  // Caption: percentages of all plotted points per zone. Per patient it reads as it always has;
  // per patient-day it says so, since n then counts patient-days.
  const all = cvgaSummary(zoned);
  const perDay = options.points === 'patient-day';
  const noun = perDay ? 'patient-day' : 'patient';
  const caption: string[] = [];
  if (all.n === 0) {
    caption.push(`No ${noun}s to plot.`);
  } else {
    const z = (zs: readonly CvgaZone[]) => zs.map((k) => `${k} ${pct(all.percent[k])}`).join(' · ');
    caption.push(`n = ${all.n}${perDay ? ` ${noun}s` : ''}. A+B ${pct(all.percentAB)}: ${z(CVGA_ZONES.slice(0, 4))}`);
    caption.push(z(CVGA_ZONES.slice(4)));
  }
  if (skipped > 0) caption.push(`${skipped} ${noun}${skipped === 1 ? '' : 's'} without BG readings not shown.`);
  const cap = caption.map((line, i) => text(box.left, box.bottom + 66 + i * 17, line, { fill: '#222' })).join('');
  parts.push(el('g', { class: 'caption' }, cap));

  return svgDocument(width, height, title, parts.join('\n'));
}

// ---------------------------------------------------------------------------
// Daily line chart

export interface DailySeries {
  readonly name: string;
  /** One value per day (day 1 first); NaN marks a missing day and breaks the line. */
  readonly values: ArrayLike<number>;
}

export interface DailyLineChartOptions {
  readonly title: string;
  readonly yLabel: string;
  readonly xLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Number of the first day (default 1). */
  readonly firstDay?: number;
  /** Start the y axis at 0 when all values are positive (default true: risk indices and % are ratio scales). */
  readonly yFromZero?: boolean;
}

/**
 * One line with markers per series over days, a legend with the series
 * names, integer day ticks. Missing values break the line and get no marker.
 */
export function dailyLineChartSvg(series: readonly DailySeries[], options: DailyLineChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 420;
  const firstDay = options.firstDay ?? 1;
  const legendWidth = Math.min(260, Math.max(90, ...series.map((s) => approxTextWidth(s.name) + 34)));
  const box: Box = { left: 70, top: 44, right: width - legendWidth - 24, bottom: height - 56 };

  let days = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    days = Math.max(days, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const hasData = lo <= hi;
  if (!hasData) {
    lo = 0;
    hi = 1;
  }
  if ((options.yFromZero ?? true) && lo > 0) lo = 0;
  const yDom = niceDomain(lo, hi, 5);
  const y = linearScale(yDom.lo, yDom.hi, box.bottom, box.top);
  const lastDay = firstDay + Math.max(1, days) - 1;
  const x = linearScale(firstDay - 0.5, lastDay + 0.5, box.left, box.right);
  const dayStep = Math.max(1, niceStep(lastDay - firstDay + 1, 10));
  const xTicks: number[] = [];
  for (let d = firstDay; d <= lastDay; d += dayStep) xTicks.push(d);

  const parts: string[] = [];
  parts.push(text(width / 2, 26, options.title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));
  parts.push(hGrid(box, y, yDom.ticks));
  parts.push(bottomAxis(box, x, xTicks, (v) => String(v), options.xLabel));
  const yStep = yDom.ticks.length > 1 ? yDom.ticks[1] - yDom.ticks[0] : 1;
  parts.push(sideAxis(box, y, yDom.ticks, (v) => tickLabel(v, yStep), options.yLabel));

  series.forEach((s, k) => {
    const color = paletteColor(k);
    const shape = MARKER_SHAPES[k % MARKER_SHAPES.length];
    let d = '';
    let pen = false;
    const marks: string[] = [];
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const px = x(firstDay + i);
      const py = y(v);
      d += `${pen ? 'L' : 'M'}${num(px, 1)},${num(py, 1)}`;
      pen = true;
      marks.push(marker(shape, px, py, 4, { class: 'marker', fill: color, stroke: '#ffffff', 'stroke-width': 0.8 }));
    }
    const line = d ? el('path', { class: 'line', d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }) : '';
    parts.push(el('g', { class: 'series', 'data-name': s.name }, line + marks.join('')));
  });
  if (!hasData) {
    parts.push(text((box.left + box.right) / 2, (box.top + box.bottom) / 2, 'No data', { 'text-anchor': 'middle', fill: '#777', 'font-size': 14 }));
  }

  const items: LegendItem[] = series.map((s, k) => ({
    label: s.name,
    glyph: (cx, cy) =>
      el('line', { x1: cx - 10, y1: cy, x2: cx + 10, y2: cy, stroke: paletteColor(k), 'stroke-width': 2 }) +
      marker(MARKER_SHAPES[k % MARKER_SHAPES.length], cx, cy, 4, { fill: paletteColor(k) }),
  }));
  parts.push(legend(box.right + 18, box.top + 6, items));

  return svgDocument(width, height, options.title, parts.join('\n'));
}

// ---------------------------------------------------------------------------
// Glucose trace

export interface GlucoseTraceInput {
  /** Time of each sample, minutes from the start of the run. */
  readonly timesMin: ArrayLike<number>;
  /** True BG, mg/dL (NaN breaks the line). */
  readonly bgMgDl: ArrayLike<number>;
  /** Sensor readings, mg/dL; NaN where there is no sample. */
  readonly cgmMgDl?: ArrayLike<number>;
  /** Carbohydrate eaten in each sample's minute, g. */
  readonly carbsG?: ArrayLike<number>;
  /** Bolus delivered in each sample's minute, U. */
  readonly bolusU?: ArrayLike<number>;
  /** Basal rate during each sample's minute, U/h. */
  readonly basalUPerH?: ArrayLike<number>;
}

export interface GlucoseTraceOptions {
  readonly title: string;
  readonly width?: number;
  readonly height?: number;
  /** Clock time of minute 0, minutes after midnight (for HH:MM ticks); default 0. */
  readonly startTimeOfDayMin?: number;
  /** Vertices per line at most (BG line, CGM dots); default 2000. */
  readonly maxPointsPerLine?: number;
  /** Bolus bars at most; boluses are summed into wider time bins beyond this. Default 400. */
  readonly maxBars?: number;
  /** Positive carb minutes at most this far apart form one meal; default 5 min. */
  readonly mealMergeGapMin?: number;
}

/** Target range shaded in the glucose panel (Battelino et al. 2019 consensus, 70–180 mg/dL). */
const TARGET_LOW = 70;
const TARGET_HIGH = 180;

function clockLabel(minuteOfDay: number): string {
  const m = ((Math.round(minuteOfDay) % 1440) + 1440) % 1440;
  const h = Math.floor(m / 60);
  const mm = m % 60;
  return `${h < 10 ? '0' : ''}${h}:${mm < 10 ? '0' : ''}${mm}`;
}

/** Time ticks: clock times up to a day's spacing, then whole days. */
function timeTicks(t0: number, t1: number, start: number): { ticks: number[]; label: (t: number) => string; title: string } {
  const span = Math.max(1, t1 - t0);
  const steps = [15, 30, 60, 120, 180, 360, 720, 1440, 2880, 7 * 1440, 14 * 1440, 28 * 1440];
  const step = steps.find((s) => span / s <= 12) ?? Math.ceil(span / 12 / 1440) * 1440;
  const ticks: number[] = [];
  if (step < 1440) {
    // Ticks on round clock times: align to the wall clock, not to minute 0.
    const first = Math.ceil((t0 + start) / step) * step - start;
    for (let t = first; t <= t1 + 1e-9; t += step) ticks.push(t);
    return { ticks, label: (t) => clockLabel(start + t), title: 'Time of day' };
  }
  const first = Math.ceil(t0 / 1440) * 1440;
  for (let t = first; t <= t1 + 1e-9; t += step) ticks.push(t);
  return { ticks, label: (t) => `day ${Math.floor(t / 1440) + 1}`, title: 'Time (days from start)' };
}

function checkLength(name: string, a: ArrayLike<number> | undefined, n: number): void {
  if (a !== undefined && a.length !== n) {
    throw new RangeError(`glucoseTraceSvg: ${name} has ${a.length} samples, timesMin has ${n}`);
  }
}

/**
 * Glucose over time: the 70–180 mg/dL band, true BG as a line, CGM readings
 * as dots, meals as markers labelled with their grams; below, insulin:
 * boluses as bars (U, left axis) and the basal rate as a step line (U/h,
 * right axis). Long traces are thinned (see ./downsample.ts) so a 10-day run
 * stays well under 100 kB.
 */
export function glucoseTraceSvg(trace: GlucoseTraceInput, options: GlucoseTraceOptions): string {
  const n = trace.timesMin.length;
  checkLength('bgMgDl', trace.bgMgDl, n);
  checkLength('cgmMgDl', trace.cgmMgDl, n);
  checkLength('carbsG', trace.carbsG, n);
  checkLength('bolusU', trace.bolusU, n);
  checkLength('basalUPerH', trace.basalUPerH, n);

  const width = options.width ?? 960;
  const height = options.height ?? 560;
  const start = options.startTimeOfDayMin ?? 0;
  const maxPts = Math.max(4, options.maxPointsPerLine ?? 2000);
  const maxBars = Math.max(1, options.maxBars ?? 400);
  const times = trace.timesMin;

  const top = 84;
  const left = 70;
  const right = width - 70;
  const glucoseBottom = top + (height - top - 60) * 0.68;
  const gBox: Box = { left, top, right, bottom: glucoseBottom };
  const iBox: Box = { left, top: glucoseBottom + 34, right, bottom: height - 50 };

  // Time domain from the finite times.
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = times[i];
    if (!Number.isFinite(t)) continue;
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
  }
  const hasTime = t0 <= t1;
  if (!hasTime) {
    t0 = 0;
    t1 = 1440;
  }
  if (t1 === t0) t1 = t0 + 1;
  const x = linearScale(t0, t1, left, right);

  // Glucose scale: at least 40–300 so the band always shows, widened to the data.
  let gMax = -Infinity;
  let gMin = Infinity;
  for (const a of [trace.bgMgDl, trace.cgmMgDl]) {
    if (!a) continue;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v > gMax) gMax = v;
      if (v < gMin) gMin = v;
    }
  }
  const yLo = gMin < 40 ? Math.max(0, Math.floor(gMin / 20) * 20) : 40;
  const yHi = gMax > 300 ? Math.ceil(gMax / 50) * 50 : 300;
  const y = linearScale(yLo, yHi, gBox.bottom, gBox.top);
  const gTicks = niceDomain(yLo, yHi, 6).ticks.filter((t) => t >= yLo && t <= yHi);
  const clampY = (v: number) => y(Math.min(yHi, Math.max(yLo, v)));

  const tt = timeTicks(t0, t1, start);
  const parts: string[] = [];
  parts.push(text(width / 2, 22, options.title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));

  // Band and its limits.
  parts.push(
    el('rect', {
      class: 'target-band',
      x: left,
      y: y(TARGET_HIGH),
      width: right - left,
      height: y(TARGET_LOW) - y(TARGET_HIGH),
      fill: '#d8f0d2',
    }),
  );
  parts.push(hGrid(gBox, y, gTicks));
  parts.push(
    el('path', {
      d: `M${num(left, 1)},${num(y(TARGET_LOW), 1)}H${num(right, 1)}M${num(left, 1)},${num(y(TARGET_HIGH), 1)}H${num(right, 1)}`,
      stroke: '#5aa357',
      'stroke-dasharray': '4 3',
      fill: 'none',
    }),
  );

  // True BG line, gap-aware.
  const bgIdx = minMaxIndices(times, trace.bgMgDl, maxPts);
  const bgGap = gapDetector(trace.bgMgDl);
  let d = '';
  for (let k = 0; k < bgIdx.length; k++) {
    const i = bgIdx[k];
    const cmd = k === 0 || bgGap(bgIdx[k - 1], i) ? 'M' : 'L';
    d += `${cmd}${num(x(times[i]), 1)},${num(clampY(trace.bgMgDl[i]), 1)}`;
  }
  if (d) parts.push(el('path', { class: 'bg-line', d, fill: 'none', stroke: '#1f4e9c', 'stroke-width': 1.5, 'stroke-linejoin': 'round', 'data-points': bgIdx.length }));

  // CGM dots: one path of zero-length segments with round caps — a dot each,
  // at ~15 bytes instead of ~45 for a <circle>.
  let cgmCount = 0;
  if (trace.cgmMgDl) {
    const cgm = trace.cgmMgDl;
    const idx = minMaxIndices(times, cgm, maxPts);
    cgmCount = idx.length;
    let dd = '';
    for (const i of idx) dd += `M${num(x(times[i]), 1)},${num(clampY(cgm[i]), 1)}h0`;
    if (dd) parts.push(el('path', { class: 'cgm-dots', d: dd, fill: 'none', stroke: '#e07b00', 'stroke-width': 3.2, 'stroke-linecap': 'round', 'data-points': cgmCount }));
  }

  // Meals: a downward triangle at the top of the glucose panel, grams above
  // it. Labels go in two staggered rows; a label that would still overlap is
  // left out (the grams stay in the marker's tooltip), since on a 10-day
  // trace four meals a day are only a few pixels apart.
  const meals = trace.carbsG ? groupMeals(times, trace.carbsG, options.mealMergeGapMin ?? 5) : [];
  if (meals.length > 0) {
    const my = gBox.top + 2;
    const rowEnd = [-Infinity, -Infinity];
    const mealMarks = meals.map((m) => {
      const mx = x(m.t);
      const label = `${num(m.grams, 0)} g`;
      const half = approxTextWidth(label, 10) / 2;
      // Day counted from the run start and wall-clock time, as in the trace CSV's day/time_of_day columns.
      const tip = `${label} at day ${Math.floor(m.t / 1440) + 1} ${clockLabel(start + m.t)}`;
      let out = el('path', { class: 'meal', d: `M${num(mx - 5, 1)},${num(my, 1)}h10l-5,8z`, fill: '#2b8a3e' }, el('title', {}, escapeXml(tip)));
      const row = rowEnd.findIndex((end) => mx - half >= end + 3);
      if (row >= 0) {
        out += text(mx, my - 4 - row * 11, label, { class: 'meal-label', 'text-anchor': 'middle', 'font-size': 10, fill: '#2b8a3e' });
        rowEnd[row] = mx + half;
      }
      return out;
    });
    parts.push(el('g', { class: 'meals' }, mealMarks.join('')));
  }
  parts.push(el('rect', { x: left, y: gBox.top, width: right - left, height: gBox.bottom - gBox.top, fill: 'none', stroke: '#999' }));
  parts.push(sideAxis(gBox, y, gTicks, (v) => String(v), 'Glucose (mg/dL)'));

  // Insulin panel: bolus bars (left axis, U) and basal steps (right axis, U/h).
  const binWidth = Math.max(1, Math.ceil((t1 - t0 + 1) / maxBars));
  const bol = trace.bolusU ? bucketSums(times, trace.bolusU, t0, binWidth) : { t: [], sum: [] };
  const bolMax = bol.sum.reduce((a, b) => Math.max(a, b), 0);
  const bolDom = niceDomain(0, bolMax > 0 ? bolMax : 1, 3);
  const yb = linearScale(0, bolDom.hi, iBox.bottom, iBox.top);
  const steps = trace.basalUPerH ? toSteps(times, trace.basalUPerH, maxPts) : { t: [], v: [], end: 0 };
  const basalMax = steps.v.reduce((a, b) => (Number.isFinite(b) ? Math.max(a, b) : a), 0);
  const basDom = niceDomain(0, basalMax > 0 ? basalMax : 1, 3);
  const ys = linearScale(0, basDom.hi, iBox.bottom, iBox.top);

  parts.push(el('rect', { x: left, y: iBox.top, width: right - left, height: iBox.bottom - iBox.top, fill: '#fafafa', stroke: '#999' }));
  if (bol.t.length > 0) {
    // Bars as vertical strokes in one path; at least 2 px wide so a single 1-min bolus stays visible.
    const barW = Math.max(2, Math.min(8, (x(t0 + binWidth) - x(t0)) * 0.8));
    let bd = '';
    for (let k = 0; k < bol.t.length; k++) {
      const bx = x(bol.t[k] + (binWidth > 1 ? binWidth / 2 : 0));
      bd += `M${num(bx, 1)},${num(iBox.bottom, 1)}V${num(yb(bol.sum[k]), 1)}`;
    }
    parts.push(el('path', { class: 'bolus-bars', d: bd, stroke: '#6a3d9a', 'stroke-width': barW, fill: 'none', 'data-bars': bol.t.length }));
  }
  if (steps.t.length > 0) {
    let sd = '';
    let pen = false;
    for (let k = 0; k < steps.t.length; k++) {
      const v = steps.v[k];
      const tEnd = k + 1 < steps.t.length ? steps.t[k + 1] : steps.end;
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const sx0 = x(Math.max(t0, steps.t[k]));
      const sx1 = x(Math.min(t1, tEnd));
      const sy = ys(v);
      sd += pen ? `V${num(sy, 1)}H${num(sx1, 1)}` : `M${num(sx0, 1)},${num(sy, 1)}H${num(sx1, 1)}`;
      pen = true;
    }
    if (sd) parts.push(el('path', { class: 'basal-steps', d: sd, stroke: '#0b7a75', 'stroke-width': 1.5, fill: 'none', 'data-steps': steps.t.length }));
  }
  const bolStep = bolDom.ticks.length > 1 ? bolDom.ticks[1] - bolDom.ticks[0] : 1;
  const basStep = basDom.ticks.length > 1 ? basDom.ticks[1] - basDom.ticks[0] : 1;
  parts.push(sideAxis(iBox, yb, bolDom.ticks, (v) => tickLabel(v, bolStep), binWidth > 1 ? `Bolus (U/${binWidth} min)` : 'Bolus (U)'));
  parts.push(sideAxis(iBox, ys, basDom.ticks, (v) => tickLabel(v, basStep), 'Basal (U/h)', 'right', 46));
  parts.push(bottomAxis(iBox, x, tt.ticks, tt.label, tt.title));
  // Time ticks on the glucose panel too, without labels, to line the panels up by eye.
  parts.push(
    el('path', {
      d: tt.ticks.map((t) => `M${num(x(t), 1)},${num(gBox.bottom, 1)}v5`).join(''),
      stroke: '#333',
    }),
  );

  if (!hasTime || (bgIdx.length === 0 && cgmCount === 0)) {
    parts.push(text((left + right) / 2, (gBox.top + gBox.bottom) / 2, 'No glucose data', { 'text-anchor': 'middle', fill: '#777', 'font-size': 14 }));
  }

  // Legend in one row under the title.
  const items: { label: string; glyph: (cx: number, cy: number) => string }[] = [
    { label: 'BG', glyph: (cx, cy) => el('line', { x1: cx - 10, y1: cy, x2: cx + 10, y2: cy, stroke: '#1f4e9c', 'stroke-width': 2 }) },
    { label: 'CGM', glyph: (cx, cy) => el('circle', { cx, cy, r: 2.5, fill: '#e07b00' }) },
    { label: '70–180 mg/dL', glyph: (cx, cy) => el('rect', { x: cx - 10, y: cy - 6, width: 20, height: 12, fill: '#d8f0d2', stroke: '#5aa357' }) },
    { label: 'meal (g)', glyph: (cx, cy) => el('path', { d: `M${num(cx - 5)},${num(cy - 4)}h10l-5,8z`, fill: '#2b8a3e' }) },
    { label: 'bolus', glyph: (cx, cy) => el('rect', { x: cx - 2, y: cy - 7, width: 4, height: 14, fill: '#6a3d9a' }) },
    { label: 'basal', glyph: (cx, cy) => el('path', { d: `M${num(cx - 10)},${num(cy + 4)}h8v-8h12`, stroke: '#0b7a75', 'stroke-width': 1.5, fill: 'none' }) },
  ];
  let lx = left;
  const ly = 42;
  const legendParts = items.map((it) => {
    const out = it.glyph(lx + 10, ly) + text(lx + 24, ly + 4, it.label, { fill: '#222' });
    lx += 24 + approxTextWidth(it.label) + 18;
    return out;
  });
  parts.push(el('g', { class: 'legend' }, legendParts.join('')));

  return svgDocument(width, height, options.title, parts.join('\n'));
}

/**
 * The plot input from a simulator trace (one sample per minute; basal
 * converted from U/min to U/h, the unit pumps are programmed in).
 */
export function glucoseTraceInputFromTrace(trace: {
  readonly minutes: number;
  readonly bgMgDl: Float64Array;
  readonly cgmMgDl: Float64Array;
  readonly carbsEatenG: Float64Array;
  readonly basalUPerMin: Float64Array;
  readonly bolusU: Float64Array;
}): GlucoseTraceInput {
  const timesMin = new Float64Array(trace.minutes);
  const basalUPerH = new Float64Array(trace.minutes);
  for (let m = 0; m < trace.minutes; m++) {
    timesMin[m] = m;
    basalUPerH[m] = trace.basalUPerMin[m] * 60;
  }
  return { timesMin, bgMgDl: trace.bgMgDl, cgmMgDl: trace.cgmMgDl, carbsG: trace.carbsEatenG, bolusU: trace.bolusU, basalUPerH };
}
