/**
 * Building blocks for standalone SVG plots written as strings: escaping,
 * number formatting that never lets a NaN into an attribute, linear scales,
 * "nice" ticks, axes and legends. No DOM, no canvas, no dependencies, so the
 * plots can be made in a worker or a CLI and inlined into the HTML report.
 */

import { compact } from '../io/numberFormat.js';

export const SVG_NS = 'http://www.w3.org/2000/svg';
export const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

/**
 * Text or attribute value safe for XML 1.0: the five predefined entities,
 * and characters XML 1.0 forbids (C0 controls other than tab/LF/CR, lone
 * surrogates, U+FFFE/U+FFFF) replaced by U+FFFD so a stray byte in a patient
 * label cannot make the whole document unparseable.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A coordinate or size for an attribute, at most `digits` decimals, trailing
 * zeros dropped. Throws on NaN/±Infinity: callers filter missing values
 * before drawing, so reaching here with one is a bug we want to see in tests
 * rather than a silently broken picture.
 */
export function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) throw new RangeError(`SVG: non-finite number ${value}`);
  return compact(value, digits);
}

/** Attribute values: numbers through `num`, strings escaped; undefined/false attributes are omitted. */
export type AttrValue = string | number | undefined | false;

export function attrs(a: Readonly<Record<string, AttrValue>>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === false) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`;
  }
  return out;
}

/** An element; `children` is trusted markup (already built with these helpers). */
export function el(tag: string, a: Readonly<Record<string, AttrValue>>, children?: string): string {
  return children === undefined || children === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${children}</${tag}>`;
}

/** A text element with escaped content. */
export function text(x: number, y: number, content: string, a: Readonly<Record<string, AttrValue>> = {}): string {
  return el('text', { x, y, ...a }, escapeXml(content));
}

/** The whole document: XML declaration, sized root with viewBox, accessible title, white background. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  const root = attrs({
    xmlns: SVG_NS,
    width,
    height,
    viewBox: `0 0 ${num(width)} ${num(height)}`,
    role: 'img',
    'aria-label': title,
    'font-family': FONT_FAMILY,
    'font-size': 12,
  });
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg${root}>\n<title>${escapeXml(title)}</title>\n` +
    `${el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' })}\n${body}\n</svg>\n`
  );
}

export interface Scale {
  (v: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

/** Linear map from domain to range; a zero-width domain maps everything to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  Object.defineProperty(f, 'domain', { value: [d0, d1] as const });
  Object.defineProperty(f, 'range', { value: [r0, r1] as const });
  return f;
}

/** Step of 1, 2 or 5 × 10^k giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

/** Domain widened outwards to multiples of a nice step, with the ticks on it. */
export function niceDomain(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1, ticks: [0, 1] };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const nlo = Math.floor(lo / step + 1e-9) * step;
  const nhi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; ; k++) {
    const t = nlo + k * step;
    if (t > nhi + step * 1e-9) break;
    // Round away binary noise (0.30000000000000004) so labels stay short.
    ticks.push(Number(t.toPrecision(12)));
  }
  return { lo: nlo, hi: nhi, ticks };
}

/** Tick label: integers plain, others with as few decimals as the step needs. */
export function tickLabel(v: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return num(v, decimals);
}

/** Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export function paletteColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** Horizontal axis along the bottom of `box`: line, ticks, tick labels and a title. */
export function bottomAxis(
  box: Box,
  x: Scale,
  ticks: readonly number[],
  label: (v: number) => string,
  title: string,
): string {
  const parts = [el('line', { x1: box.left, y1: box.bottom, x2: box.right, y2: box.bottom, stroke: '#333' })];
  for (const t of ticks) {
    const px = x(t);
    parts.push(el('line', { x1: px, y1: box.bottom, x2: px, y2: box.bottom + 5, stroke: '#333' }));
    parts.push(text(px, box.bottom + 18, label(t), { 'text-anchor': 'middle', fill: '#333' }));
  }
  if (title) parts.push(text((box.left + box.right) / 2, box.bottom + 38, title, { 'text-anchor': 'middle', fill: '#111' }));
  return el('g', { class: 'axis axis-x' }, parts.join(''));
}

/** Vertical axis on the left (or right) edge of `box`, with a rotated title. */
export function sideAxis(
  box: Box,
  y: Scale,
  ticks: readonly number[],
  label: (v: number) => string,
  title: string,
  side: 'left' | 'right' = 'left',
  titleOffset = 44,
): string {
  const x0 = side === 'left' ? box.left : box.right;
  const dir = side === 'left' ? -1 : 1;
  const parts = [el('line', { x1: x0, y1: box.top, x2: x0, y2: box.bottom, stroke: '#333' })];
  for (const t of ticks) {
    const py = y(t);
    parts.push(el('line', { x1: x0, y1: py, x2: x0 + 5 * dir, y2: py, stroke: '#333' }));
    parts.push(
      text(x0 + 8 * dir, py + 4, label(t), { 'text-anchor': side === 'left' ? 'end' : 'start', fill: '#333' }),
    );
  }
  if (title) {
    const tx = x0 + titleOffset * dir;
    const ty = (box.top + box.bottom) / 2;
    parts.push(
      text(tx, ty, title, { 'text-anchor': 'middle', transform: `rotate(-90 ${num(tx)} ${num(ty)})`, fill: '#111' }),
    );
  }
  return el('g', { class: `axis axis-y axis-${side}` }, parts.join(''));
}

/** Light horizontal grid lines across `box`. */
export function hGrid(box: Box, y: Scale, ticks: readonly number[]): string {
  return el(
    'g',
    { class: 'grid', stroke: '#e4e4e4' },
    ticks.map((t) => el('line', { x1: box.left, y1: y(t), x2: box.right, y2: y(t) })).join(''),
  );
}

/** Marker shapes cycled across series so lines stay apart in greyscale print. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';
export const MARKER_SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

export function marker(shape: MarkerShape, cx: number, cy: number, r: number, a: Readonly<Record<string, AttrValue>>): string {
  switch (shape) {
    case 'circle':
      return el('circle', { cx, cy, r, ...a });
    case 'square':
      return el('rect', { x: cx - r, y: cy - r, width: 2 * r, height: 2 * r, ...a });
    case 'triangle':
      return el('path', { d: `M${num(cx, 1)},${num(cy - r * 1.15, 1)}l${num(r * 1.1, 1)},${num(r * 1.9, 1)}h${num(-r * 2.2, 1)}z`, ...a });
    case 'diamond':
      return el('path', { d: `M${num(cx, 1)},${num(cy - r * 1.3, 1)}l${num(r * 1.3, 1)},${num(r * 1.3, 1)}l${num(-r * 1.3, 1)},${num(r * 1.3, 1)}l${num(-r * 1.3, 1)},${num(-r * 1.3, 1)}z`, ...a });
  }
}

export interface LegendItem {
  readonly label: string;
  /** Draws the key glyph centred at (cx, cy). */
  readonly glyph: (cx: number, cy: number) => string;
}

/** A vertical legend starting at (x, y), one 18-px row per item. */
export function legend(x: number, y: number, items: readonly LegendItem[]): string {
  if (items.length === 0) return '';
  const rows = items.map((it, i) => {
    const cy = y + i * 18;
    return it.glyph(x + 10, cy) + text(x + 24, cy + 4, it.label, { fill: '#222' });
  });
  return el('g', { class: 'legend' }, rows.join(''));
}

/** Rough text width for layout (no font metrics without a browser): 0.6 em per character. */
export function approxTextWidth(s: string, fontSize = 12): number {
  return s.length * fontSize * 0.6;
}
