/**
 * A learned MDP policy over the glucose axis, one panel per time slot, as
 * Shifrin & Siegelmann 2017 draw theirs (§4, Figures 1–2): x is the glucose
 * of the reading (the levels of the axis), and at each level with a learned
 * action a stacked bar of its regular, NPH and long-acting doses (U), with
 * the visits of that (state, action) pair under it. Levels without data are
 * left blank and shaded lightly — "not at all points in the BGL scale any
 * policy is indicated", for want of data; there the physician's regimen
 * decides. Plain data in (a policy document), an SVG document out.
 */
import type { PolicyState } from '../control/mdp/policyFile.js';
import {
  type Box,
  type LegendItem,
  bottomAxis,
  el,
  escapeXml,
  hGrid,
  linearScale,
  niceDomain,
  num,
  PALETTE,
  sideAxis,
  svgDocument,
  text,
  tickLabel,
} from './svgCore.js';

/** What the plot needs of a policy document (`PolicyDocument` is one). */
export interface PolicyPlotInput {
  readonly definition: {
    readonly glucose: { readonly minMgDl: number; readonly maxMgDl: number; readonly bfcMgDl: number };
    readonly slots: readonly { readonly name: string; readonly time: string }[];
  };
  readonly states: readonly Pick<PolicyState, 'slot' | 'level' | 'fromMgDl' | 'toMgDl' | 'action' | 'visits'>[];
}

export interface PolicyPlotOptions {
  readonly title?: string;
  /** A second line under the title (what the policy was learned from). */
  readonly subtitle?: string;
}

const PREPARATIONS = [
  { key: 'regular', label: 'regular (short-acting)', color: PALETTE[0] },
  { key: 'nph', label: 'NPH (intermediate)', color: PALETTE[1] },
  { key: 'long', label: 'long-acting', color: PALETTE[2] },
] as const;

const NO_DATA_FILL = '#f1f1f1';
const MARGIN = { left: 74, right: 24 };
const PANEL = { title: 22, plot: 110, below: 34 };
const HEADER = 86;
const FOOTER = 66;

/** A hover text (an SVG <title> child), escaped. */
function tooltip(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}

/** Horizontal legend: one key per preparation and the no-data shade. */
function legendRow(x: number, y: number): string {
  const items: (LegendItem & { width: number })[] = [
    ...PREPARATIONS.map((p) => ({
      label: p.label,
      width: 24 + p.label.length * 6.6 + 18,
      glyph: (cx: number, cy: number) => el('rect', { x: cx - 6, y: cy - 6, width: 12, height: 12, fill: p.color }),
    })),
    {
      label: 'no data (physician\'s regimen)',
      width: 0,
      glyph: (cx: number, cy: number) => el('rect', { x: cx - 6, y: cy - 6, width: 12, height: 12, fill: NO_DATA_FILL, stroke: '#bbb' }),
    },
  ];
  let at = x;
  const parts: string[] = [];
  for (const it of items) {
    parts.push(it.glyph(at + 6, y) + text(at + 18, y + 4, it.label, { fill: '#222' }));
    at += it.width;
  }
  return el('g', { class: 'legend' }, parts.join(''));
}

/**
 * The policy as an SVG document: a panel per slot of the definition, in its
 * order, with a shared dose axis so the panels compare. Every level of the
 * axis is either a learned bar group (`class="learned"`, its doses as
 * `class="bar bar-regular"` … rects, a zero-dose action as a short line
 * `class="bar-zero"`) or a shaded `class="no-data"` band.
 */
export function policySvg(policy: PolicyPlotInput, options: PolicyPlotOptions = {}): string {
  const { glucose, slots } = policy.definition;
  const levels = Math.round((glucose.maxMgDl - glucose.minMgDl) / glucose.bfcMgDl);
  const plotWidth = Math.max(520, Math.min(1200, levels * 36));
  const width = MARGIN.left + plotWidth + MARGIN.right;
  const panelHeight = PANEL.title + PANEL.plot + PANEL.below;
  const height = HEADER + slots.length * panelHeight + FOOTER;
  const title = options.title ?? 'Learned insulin policy per glucose level and time of day';

  const byState = new Map<string, PolicyPlotInput['states'][number]>();
  for (const s of policy.states) byState.set(`${s.slot}\u0000${s.level}`, s);
  const total = (s: PolicyPlotInput['states'][number]) => (s.action ? s.action.regular + s.action.nph + s.action.long : 0);
  const maxDose = policy.states.reduce((m, s) => Math.max(m, total(s)), 0);
  const yDomain = niceDomain(0, Math.max(maxDose, 2), 3);
  const yStep = yDomain.ticks.length > 1 ? yDomain.ticks[1]! - yDomain.ticks[0]! : 1;

  const x = linearScale(glucose.minMgDl, glucose.maxMgDl, MARGIN.left, MARGIN.left + plotWidth);
  // Ticks on level boundaries, every `per` levels from gl_min, about ten of them.
  const per = Math.max(1, Math.ceil(levels / 10));
  const xTicks: number[] = [];
  for (let k = 0; k <= levels; k += per) xTicks.push(Number((glucose.minMgDl + k * glucose.bfcMgDl).toPrecision(12)));
  const xStep = per * glucose.bfcMgDl;
  const band = plotWidth / levels;
  const barWidth = Math.max(1, band * 0.7);
  const showVisits = band >= 12;

  const panels: string[] = [];
  slots.forEach((slot, i) => {
    const top = HEADER + i * panelHeight;
    const box: Box = { left: MARGIN.left, top: top + PANEL.title, right: MARGIN.left + plotWidth, bottom: top + PANEL.title + PANEL.plot };
    const y = linearScale(yDomain.lo, yDomain.hi, box.bottom, box.top);
    const parts: string[] = [
      text(box.left, top + 15, `${slot.name} (${slot.time})`, { 'font-weight': 'bold', fill: '#111' }),
      hGrid(box, y, yDomain.ticks),
    ];
    let learned = 0;
    for (let k = 0; k < levels; k++) {
      const state = byState.get(`${slot.name}\u0000${k + 1}`);
      const from = glucose.minMgDl + k * glucose.bfcMgDl;
      const x0 = x(from);
      const cx = x0 + band / 2;
      const range = `${num(from)}–${num(from + glucose.bfcMgDl)} mg/dL`;
      if (!state?.action) {
        parts.push(el('rect', { class: 'no-data', 'data-level': k + 1, x: x0, y: box.top, width: band, height: box.bottom - box.top, fill: NO_DATA_FILL }, tooltip(`${slot.name}, ${range}: no data`)));
        continue;
      }
      learned++;
      const a = state.action;
      const bars: string[] = [tooltip(`${slot.name}, ${range}: regular ${num(a.regular)} U, NPH ${num(a.nph)} U, long-acting ${num(a.long)} U; ${state.visits} visit(s) of this action`)];
      let base = 0;
      for (const p of PREPARATIONS) {
        const dose = a[p.key];
        if (!(dose > 0)) continue;
        bars.push(el('rect', { class: `bar bar-${p.key}`, x: cx - barWidth / 2, y: y(base + dose), width: barWidth, height: y(base) - y(base + dose), fill: p.color }));
        base += dose;
      }
      if (base === 0) bars.push(el('line', { class: 'bar-zero', x1: cx - barWidth / 2, y1: box.bottom - 1, x2: cx + barWidth / 2, y2: box.bottom - 1, stroke: '#222', 'stroke-width': 2 }));
      if (showVisits) bars.push(text(cx, box.bottom + 10, String(state.visits), { class: 'visits', 'text-anchor': 'middle', 'font-size': 8, fill: '#555' }));
      parts.push(el('g', { class: 'learned', 'data-level': k + 1 }, bars.join('')));
    }
    parts.push(el('line', { x1: box.left, y1: box.bottom, x2: box.right, y2: box.bottom, stroke: '#333' }));
    parts.push(sideAxis(box, y, yDomain.ticks, (v) => tickLabel(v, yStep), 'dose (U)', 'left', 44));
    const last = i === slots.length - 1;
    parts.push(bottomAxis({ ...box, bottom: box.bottom + 12 }, x, xTicks, (v) => tickLabel(v, xStep), last ? 'glucose at the reading (mg/dL)' : ''));
    panels.push(el('g', { class: 'panel', 'data-slot': slot.name, 'data-learned': learned }, parts.join('')));
  });

  const footY = height - FOOTER + 40;
  const notes = [
    `Levels of ${num(glucose.bfcMgDl)} mg/dL; the lowest also holds readings below ${num(glucose.minMgDl)} mg/dL, the highest those at or above ${num(glucose.maxMgDl)}.`,
    showVisits ? 'Numbers under the bars: visits of the chosen (state, action) pair. Shaded: no data, the physician\'s regimen decides.' : 'Visits per state are in policy.csv. Shaded: no data, the physician\'s regimen decides.',
  ];
  const header = [
    text(MARGIN.left, 24, title, { 'font-size': 15, 'font-weight': 'bold', fill: '#111' }),
    options.subtitle ? text(MARGIN.left, 44, options.subtitle, { fill: '#444' }) : '',
    legendRow(MARGIN.left, 66),
  ].join('');
  const footer = notes.map((n, i) => text(MARGIN.left, footY + i * 15, n, { 'font-size': 11, fill: '#555' })).join('');
  return svgDocument(width, height, title, [header, ...panels, footer].join('\n'));
}
