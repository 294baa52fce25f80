/**
 * The line charts of `npm run bench:oidpr` (the sweeps of OIDPR's Fig. 1):
 * x is a swept size (δ, σ, τ, Rmax) at its measured values, y a cost on a
 * log scale (decades), one line with markers per protocol, a legend, a
 * title and notes under the plot. Built from the report's SVG helpers
 * (src/report/svgCore.ts), no plotting dependency.
 */
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
  num,
  paletteColor,
  sideAxis,
  svgDocument,
  text,
} from '../src/report/svgCore.js';

export interface SweepSeries {
  readonly name: string;
  /** Colour and marker of the series (default: its position), so one protocol looks the same in every chart. */
  readonly style?: number;
  /** One y per x of the chart (same order); NaN or ≤ 0 is skipped (log scale). */
  readonly values: readonly number[];
}

export interface SweepChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Lines of small print under the plot. */
  readonly notes?: readonly string[];
  readonly width?: number;
  readonly height?: number;
}

/**
 * Log-scale ticks: the domain widened to the nearest 1, 2 or 5 × 10^k
 * below the smallest and above the largest value; ticks at 1, 2, 5 × 10^k
 * when it spans at most three decades, else at the decades.
 */
export function logTicks(lo: number, hi: number): { lo: number; hi: number; ticks: number[] } {
  const steps = [1, 2, 5];
  const candidates: number[] = [];
  for (let d = Math.floor(Math.log10(lo)) - 1; d <= Math.ceil(Math.log10(hi)) + 1; d++) for (const m of steps) candidates.push(Number((m * 10 ** d).toPrecision(6)));
  const from = Math.max(...candidates.filter((t) => t <= lo * (1 + 1e-9)));
  const to = Math.min(...candidates.filter((t) => t >= hi * (1 - 1e-9)));
  const top = to > from ? to : candidates.find((t) => t > from)!;
  const inside = candidates.filter((t) => t >= from && t <= top);
  const decades = Math.log10(top / from);
  const ticks = decades > 3 ? inside.filter((t) => Number.isInteger(Math.log10(t)) || t === from || t === top) : inside;
  return { lo: from, hi: top, ticks };
}

/** Wrap `line` into lines of at most `width` px at `fontSize` (approximate metrics). */
function wrap(line: string, width: number, fontSize: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const next = current ? `${current} ${word}` : word;
    if (current && approxTextWidth(next, fontSize) > width) {
      out.push(current);
      current = word;
    } else current = next;
  }
  if (current) out.push(current);
  return out;
}

function tickText(v: number): string {
  if (v >= 1) return num(v, 0);
  return num(v, Math.min(6, Math.ceil(-Math.log10(v) - 1e-9)));
}

/** A sweep as an SVG document: x at the swept values, log-scale y, a line per series. */
export function sweepChartSvg(xs: readonly number[], series: readonly SweepSeries[], options: SweepChartOptions): string {
  const width = options.width ?? 780;
  const notes = (options.notes ?? []).flatMap((n) => wrap(n, width - 40, 11));
  const height = (options.height ?? 440) + notes.length * 15;
  const legendWidth = Math.min(260, Math.max(110, ...series.map((s) => approxTextWidth(s.name) + 40)));
  const box: Box = { left: 78, top: 48, right: width - legendWidth - 24, bottom: height - 60 - notes.length * 15 };
  for (const s of series) if (s.values.length !== xs.length) throw new RangeError(`series ${s.name}: ${s.values.length} values for ${xs.length} x`);

  const ys = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const dom = ys.length > 0 ? logTicks(Math.min(...ys), Math.max(...ys)) : { lo: 1, hi: 10, ticks: [1, 10] };
  const y = linearScale(Math.log10(dom.lo), Math.log10(dom.hi), box.bottom, box.top);
  const yOf = (v: number) => y(Math.log10(v));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const pad = (xMax - xMin) * 0.05 || 1;
  const x = linearScale(xMin - pad, xMax + pad, box.left, box.right);

  const parts: string[] = [];
  parts.push(text((box.left + box.right) / 2, 26, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', fill: '#111' }));
  // Grid and axis on the log values: the helpers take a scale, so hand them one in log10 units.
  const logScale = Object.assign((v: number) => yOf(v), { domain: [dom.lo, dom.hi] as const, range: [box.bottom, box.top] as const });
  parts.push(hGrid(box, logScale, dom.ticks));
  parts.push(bottomAxis(box, x, xs, (v) => num(v, 2), options.xLabel));
  parts.push(sideAxis(box, logScale, dom.ticks, tickText, `${options.yLabel} (log scale)`, 'left', 54));

  series.forEach((s, i) => {
    const k = s.style ?? i;
    const color = paletteColor(k);
    const shape = MARKER_SHAPES[k % MARKER_SHAPES.length];
    let d = '';
    let pen = false;
    const marks: string[] = [];
    s.values.forEach((v, i) => {
      if (!(Number.isFinite(v) && v > 0)) {
        pen = false;
        return;
      }
      const px = x(xs[i]!);
      const py = yOf(v);
      d += `${pen ? 'L' : 'M'}${num(px, 1)},${num(py, 1)}`;
      pen = true;
      const tip = el('title', {}, escapeXml(`${s.name}: ${num(xs[i]!, 2)} → ${num(v, 3)}`));
      marks.push(el('g', { class: 'point' }, marker(shape, px, py, 4.5, { class: 'marker', fill: color, stroke: '#ffffff', 'stroke-width': 0.8 }) + tip));
    });
    const line = d ? el('path', { class: 'line', d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }) : '';
    parts.push(el('g', { class: 'series', 'data-name': s.name }, line + marks.join('')));
  });
  if (ys.length === 0) parts.push(text((box.left + box.right) / 2, (box.top + box.bottom) / 2, 'No data', { 'text-anchor': 'middle', fill: '#777', 'font-size': 14 }));

  const items: LegendItem[] = series.map((s, i) => {
    const k = s.style ?? i;
    return {
      label: s.name,
      glyph: (cx: number, cy: number) =>
        el('line', { x1: cx - 10, y1: cy, x2: cx + 10, y2: cy, stroke: paletteColor(k), 'stroke-width': 2 }) +
        marker(MARKER_SHAPES[k % MARKER_SHAPES.length], cx, cy, 4, { fill: paletteColor(k) }),
    };
  });
  parts.push(legend(box.right + 18, box.top + 6, items));
  notes.forEach((n, i) => parts.push(text(20, box.bottom + 58 + i * 15, n, { 'font-size': 11, fill: '#555' })));
  return svgDocument(width, height, options.title, parts.join('\n'));
}
