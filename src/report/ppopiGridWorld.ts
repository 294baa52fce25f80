/**
 * The Grid World study of PPOPI (Chen & Ye 2025, §7) beside the paper:
 * Table 2 (average steps of the best path, average number of iterations,
 * average time per round; PPOPI and plain) as Markdown and JSON, Figure 3
 * (time per round against the round number, one line per mode) as a
 * standalone SVG, and every round as CSV.
 *
 * Plain data in (the study's records, as `GridWorldReportInput` describes
 * them; the report stage does not import the privacy stage), text out. The
 * timings are kept under one key of the JSON (`timings`), apart from the
 * rest, which the same seed reproduces byte for byte.
 */
import { fixed } from '../io/numberFormat.js';
import {
  type Box,
  type LegendItem,
  MARKER_SHAPES,
  type Scale,
  bottomAxis,
  el,
  escapeXml,
  hGrid,
  legend,
  linearScale,
  marker,
  niceDomain,
  num,
  paletteColor,
  sideAxis,
  svgDocument,
  text,
  tickLabel,
} from './svgCore.js';

export type GridWorldMode = 'plain' | 'encrypted';

/** The experiment's parameters as the report shows them. */
export interface GridWorldReportExperiment {
  readonly name: string;
  readonly description?: string;
  readonly mazes: number;
  readonly seed: number | string;
  readonly columns: number;
  readonly rows: number;
  readonly wallProbability: number;
  readonly gamma: number;
  readonly maxRounds: number;
  readonly maxStepsPerAttempt: number;
  readonly keyBits: number;
  readonly modes: readonly GridWorldMode[];
}

export interface GridWorldReportSummary {
  readonly mode: GridWorldMode;
  readonly mazes: number;
  readonly converged: number;
  readonly notConverged: readonly { readonly maze: number; readonly status: string }[];
  readonly meanShortestSteps: number;
  readonly meanBestPathSteps: number | null;
  readonly meanIterations: number | null;
  readonly meanEvaluationSweeps: number | null;
  readonly meanAttemptSteps: number;
  readonly totalRounds: number;
  readonly decisions: string;
}

export interface GridWorldReportTimings {
  readonly mode: GridWorldMode;
  readonly meanMsPerRound: number;
  readonly meanOfMazeMeansMs: number;
  readonly meanComponentMs: Readonly<Record<string, number>>;
  readonly totalMs: number;
}

export interface GridWorldReportMaze {
  readonly mode: GridWorldMode;
  readonly maze: number;
  readonly shortest: number;
  readonly status: string;
  readonly rounds: number;
  readonly iterations: number | null;
  readonly bestPathSteps: number | null;
  readonly totalSteps: number;
  readonly evaluationSweeps: number | null;
  readonly decisions: string;
}

export interface GridWorldReportRound {
  readonly mode: GridWorldMode;
  readonly maze: number;
  readonly round: number;
  readonly steps: number;
  readonly truncated: boolean;
  readonly explored: number;
  readonly bestPathSteps: number | null;
  readonly knownShortestSteps: number | null;
  readonly evaluationSweeps: number | null;
  readonly improvementSteps: number | null;
  readonly ms: number;
  readonly components: Readonly<Record<string, number>>;
  readonly actions: string;
}

export interface GridWorldReportInput {
  readonly experiment: GridWorldReportExperiment;
  /** The learning options the study used (γ, optimistic value, tolerances). */
  readonly learning: Readonly<Record<string, number>>;
  /** Modes of the experiment that were not run, with why. */
  readonly skipped: readonly { readonly mode: GridWorldMode; readonly reason: string }[];
  readonly summaries: readonly GridWorldReportSummary[];
  readonly timings: readonly GridWorldReportTimings[];
  readonly mazes: readonly GridWorldReportMaze[];
  readonly rounds: readonly GridWorldReportRound[];
  readonly decisionsIdentical: boolean | null;
}

/** Chen & Ye 2025, §7, Table 2 (100 mazes). */
export const PAPER_TABLE2 = {
  source: 'Chen B, Ye J. 2025. Privacy-preserving data sharing and computing for outsourced policy iteration with attempt records from multiple users. Appl. Sci. 15(5):2624, §7, Table 2',
  encrypted: { bestPathSteps: 28.63, iterations: 5438, msPerRound: 42.281 },
  plain: { bestPathSteps: 27.82, iterations: 5396, msPerRound: 12.509 },
} as const;

const MODE_LABEL: Record<GridWorldMode, string> = { encrypted: 'PPOPI (encrypted)', plain: 'plain' };
/** Table 2's column order: PPOPI first, as the paper. */
const TABLE_MODES: readonly GridWorldMode[] = ['encrypted', 'plain'];

/** What the study's numbers mean (Markdown notes and JSON `definitions`). */
const DEFINITIONS = {
  round: 'one attempt: the user walks the maze with the policy delivered after the previous round, submits the attempt (encrypted in PPOPI), the server ingests it and runs policy iteration, the user fetches the new policy',
  iterations: 'rounds until the policy converged: the first round whose attempt took no (state, action) pair not taken before, which is then a BFS-shortest path and the best path; mean over converged mazes',
  bestPathSteps: 'steps of the best path after the last round (from the start, the tried action with the highest Q at each cell); mean over mazes with one',
  msPerRound: 'wall time of a round (walk + submit + policy fetch), all rounds of all mazes pooled: total time / total rounds',
} as const;

function round6(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : Number(x.toFixed(6));
}

function summaryOf(input: GridWorldReportInput, mode: GridWorldMode): GridWorldReportSummary | undefined {
  return input.summaries.find((s) => s.mode === mode);
}

function timingsOf(input: GridWorldReportInput, mode: GridWorldMode): GridWorldReportTimings | undefined {
  return input.timings.find((t) => t.mode === mode);
}

/** Table 2 and the study's reproducible results as a JSON document; timings under `timings` only. */
export function table2Document(input: GridWorldReportInput): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const mode of TABLE_MODES) {
    const s = summaryOf(input, mode);
    const paper = PAPER_TABLE2[mode];
    table[mode] = {
      bestPathSteps: { ours: round6(s?.meanBestPathSteps ?? null), paper: paper.bestPathSteps },
      iterations: { ours: round6(s?.meanIterations ?? null), paper: paper.iterations },
    };
  }
  const timings: Record<string, unknown> = {};
  for (const mode of TABLE_MODES) {
    const t = timingsOf(input, mode);
    timings[mode] = {
      msPerRound: { ours: round6(t?.meanMsPerRound ?? null), paper: PAPER_TABLE2[mode].msPerRound },
      meanOfMazeMeansMs: round6(t?.meanOfMazeMeansMs ?? null),
      meanComponentMs: Object.fromEntries(Object.entries(t?.meanComponentMs ?? {}).map(([k, v]) => [k, round6(v)])),
      totalMs: round6(t?.totalMs ?? null),
    };
  }
  return {
    title: 'PPOPI Grid World: Table 2',
    source: PAPER_TABLE2.source,
    experiment: input.experiment,
    learning: input.learning,
    definitions: DEFINITIONS,
    skipped: input.skipped,
    table2: table,
    summaries: input.summaries.map((s) => ({
      ...s,
      meanShortestSteps: round6(s.meanShortestSteps),
      meanBestPathSteps: round6(s.meanBestPathSteps),
      meanIterations: round6(s.meanIterations),
      meanEvaluationSweeps: round6(s.meanEvaluationSweeps),
      meanAttemptSteps: round6(s.meanAttemptSteps),
    })),
    decisionsIdentical: input.decisionsIdentical,
    mazes: input.mazes,
    timings,
  };
}

export function table2Json(input: GridWorldReportInput): string {
  return `${JSON.stringify(table2Document(input), null, 2)}\n`;
}

const cell = (x: number | null | undefined, digits: number): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : fixed(x, digits));

/** Table 2 as Markdown: ours beside the paper's, PPOPI then plain, and notes on what was measured. */
export function table2Markdown(input: GridWorldReportInput): string {
  const e = input.experiment;
  const rows: [string, (m: GridWorldMode) => string, (m: GridWorldMode) => string][] = [
    ['Average steps of best path', (m) => cell(summaryOf(input, m)?.meanBestPathSteps, 2), (m) => fixed(PAPER_TABLE2[m].bestPathSteps, 2)],
    ['Average number of iterations', (m) => cell(summaryOf(input, m)?.meanIterations, 2), (m) => String(PAPER_TABLE2[m].iterations)],
    ['Average time per round (ms)', (m) => cell(timingsOf(input, m)?.meanMsPerRound, 3), (m) => fixed(PAPER_TABLE2[m].msPerRound, 3)],
  ];
  const lines: string[] = [];
  lines.push(`# Table 2: PPOPI on the Grid World (${e.name})`, '');
  lines.push(`${e.mazes} mazes of ${e.columns} × ${e.rows}, walls with probability ${e.wallProbability}, seed ${JSON.stringify(e.seed)}; γ = ${e.gamma}; key ${e.keyBits} bits. Paper: ${PAPER_TABLE2.source}.`, '');
  lines.push('| | PPOPI, ours | PPOPI, paper | plain, ours | plain, paper |', '|---|---:|---:|---:|---:|');
  for (const [label, ours, paper] of rows) lines.push(`| ${label} | ${ours('encrypted')} | ${paper('encrypted')} | ${ours('plain')} | ${paper('plain')} |`);
  lines.push('');
  for (const s of input.skipped) lines.push(`- ${MODE_LABEL[s.mode]}: not run (${s.reason}).`);
  for (const mode of TABLE_MODES) {
    const s = summaryOf(input, mode);
    const t = timingsOf(input, mode);
    if (s === undefined) continue;
    const failed = s.notConverged.length === 0 ? 'all converged' : `not converged: ${s.notConverged.map((n) => `maze ${n.maze} (${n.status})`).join(', ')}`;
    lines.push(
      `- ${MODE_LABEL[mode]}: ${s.converged} of ${s.mazes} mazes converged (${failed}); BFS shortest path ${cell(s.meanShortestSteps, 2)} steps on average; ${s.totalRounds} rounds, ${cell(s.meanAttemptSteps, 1)} steps per attempt on average; policy-evaluation sweeps (eq. 9) until convergence ${cell(s.meanEvaluationSweeps, 1)} per maze on average.`,
    );
    if (t !== undefined) {
      const parts = Object.entries(t.meanComponentMs).map(([k, v]) => `${k} ${fixed(v, 3)}`);
      lines.push(`  Time per round ${fixed(t.meanMsPerRound, 3)} ms pooled (${fixed(t.meanOfMazeMeansMs, 3)} ms as the mean of the mazes' means); of which, per round: ${parts.join(', ')} ms.`);
    }
  }
  if (input.decisionsIdentical !== null) {
    lines.push(`- Decisions: every attempt of every maze ${input.decisionsIdentical ? 'took the same actions in both modes' : 'did NOT take the same actions in both modes (a defect: both should compute bit-identical Q values)'}.`);
  }
  lines.push('', 'Definitions:', '');
  for (const [k, v] of Object.entries(DEFINITIONS)) lines.push(`- ${k}: ${v}.`);
  lines.push(
    '',
    "The paper's iteration counts come from its own exploration, which it does not describe; ours explores by optimism (untried actions valued as one step from the goal), which tries every pair that could lie on a shorter path and no other, and so needs far fewer rounds. Times depend on the machine.",
    '',
  );
  return lines.join('\n');
}

/** Mean ms per round number over the mazes still running at that round, per mode. */
export function timePerRoundSeries(rounds: readonly GridWorldReportRound[]): { mode: GridWorldMode; points: { round: number; meanMs: number; mazes: number }[] }[] {
  const modes = [...new Set(rounds.map((r) => r.mode))];
  return modes.map((mode) => {
    const sums = new Map<number, { ms: number; n: number }>();
    for (const r of rounds) {
      if (r.mode !== mode) continue;
      const s = sums.get(r.round) ?? { ms: 0, n: 0 };
      s.ms += r.ms;
      s.n++;
      sums.set(r.round, s);
    }
    const points = [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([round, s]) => ({ round, meanMs: s.ms / s.n, mazes: s.n }));
    return { mode, points };
  });
}

/** Log-scale ticks at 1, 2, 5 × 10^k (decades only past three decades), the domain widened to ticks. */
function logTicks(lo: number, hi: number): { lo: number; hi: number; ticks: number[] } {
  const candidates: number[] = [];
  for (let d = Math.floor(Math.log10(lo)) - 1; d <= Math.ceil(Math.log10(hi)) + 1; d++) {
    for (const m of [1, 2, 5]) candidates.push(Number((m * 10 ** d).toPrecision(6)));
  }
  const from = Math.max(...candidates.filter((t) => t <= lo * (1 + 1e-9)));
  const to = Math.min(...candidates.filter((t) => t >= hi * (1 - 1e-9)));
  const top = to > from ? to : candidates.find((t) => t > from)!;
  const inside = candidates.filter((t) => t >= from && t <= top);
  const ticks = Math.log10(top / from) > 3 ? inside.filter((t) => Number.isInteger(Math.log10(t)) || t === from || t === top) : inside;
  return { lo: from, hi: top, ticks };
}

function msTick(v: number): string {
  return v >= 1 ? num(v, 0) : num(v, Math.min(6, Math.ceil(-Math.log10(v) - 1e-9)));
}

/**
 * Figure 3: time per round (ms) against the round number, the mean over the
 * mazes still running at that round, one line per mode. The y axis is
 * logarithmic when the plotted means span more than a factor of 20 (the
 * modes differ by orders of magnitude, and early rounds are far longer).
 */
export function figure3Svg(rounds: readonly GridWorldReportRound[], options: { title?: string; note?: string } = {}): string {
  const title = options.title ?? 'Figure 3: time cost per round (PPOPI Grid World)';
  const series = timePerRoundSeries(rounds).sort((a, b) => TABLE_MODES.indexOf(a.mode) - TABLE_MODES.indexOf(b.mode));
  const width = 780;
  const height = 460;
  const legendWidth = 190;
  const box: Box = { left: 84, top: 52, right: width - legendWidth - 24, bottom: height - 78 };
  const ys = series.flatMap((s) => s.points.map((p) => p.meanMs)).filter((v) => Number.isFinite(v) && v > 0);
  const maxRound = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.round)));
  const logY = ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 20;
  let y: Scale;
  let yTicks: number[];
  let yLabel: (v: number) => string;
  if (logY) {
    const dom = logTicks(Math.min(...ys), Math.max(...ys));
    const inner = linearScale(Math.log10(dom.lo), Math.log10(dom.hi), box.bottom, box.top);
    y = Object.assign((v: number) => inner(Math.log10(v)), { domain: [dom.lo, dom.hi] as const, range: [box.bottom, box.top] as const });
    yTicks = dom.ticks;
    yLabel = msTick;
  } else {
    const dom = niceDomain(0, ys.length > 0 ? Math.max(...ys) : 1);
    y = linearScale(dom.lo, dom.hi, box.bottom, box.top);
    yTicks = dom.ticks;
    const step = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
    yLabel = (v) => tickLabel(v, step);
  }
  const xDom = niceDomain(1, Math.max(2, maxRound), 8);
  const xTicks = xDom.ticks.filter((t) => t >= 1 && Number.isInteger(t));
  const x = linearScale(xDom.lo < 1 ? 0 : xDom.lo, xDom.hi, box.left, box.right);

  const parts: string[] = [];
  parts.push(text((box.left + box.right) / 2, 28, title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', fill: '#111' }));
  parts.push(hGrid(box, y, yTicks));
  parts.push(bottomAxis(box, x, xTicks, (v) => num(v, 0), 'round (attempt) number'));
  parts.push(sideAxis(box, y, yTicks, yLabel, `time per round, ms${logY ? ' (log scale)' : ''}`, 'left', 58));
  // A mode keeps its colour and marker whichever modes are plotted.
  const style = (mode: GridWorldMode) => TABLE_MODES.indexOf(mode);
  series.forEach((s) => {
    const color = paletteColor(style(s.mode));
    const shape = MARKER_SHAPES[style(s.mode) % MARKER_SHAPES.length];
    let d = '';
    const marks: string[] = [];
    for (const p of s.points) {
      if (!(Number.isFinite(p.meanMs) && p.meanMs > 0)) continue;
      const px = x(p.round);
      const py = y(p.meanMs);
      d += `${d === '' ? 'M' : 'L'}${num(px, 1)},${num(py, 1)}`;
      const tip = el('title', {}, escapeXml(`${MODE_LABEL[s.mode]}, round ${p.round}: ${fixed(p.meanMs, 3)} ms (mean of ${p.mazes} maze${p.mazes === 1 ? '' : 's'})`));
      marks.push(el('g', { class: 'point' }, marker(shape, px, py, 3.5, { fill: color, stroke: '#ffffff', 'stroke-width': 0.8 }) + tip));
    }
    const line = d === '' ? '' : el('path', { class: 'line', d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' });
    parts.push(el('g', { class: 'series', 'data-mode': s.mode }, line + marks.join('')));
  });
  if (ys.length === 0) parts.push(text((box.left + box.right) / 2, (box.top + box.bottom) / 2, 'No data', { 'text-anchor': 'middle', fill: '#777', 'font-size': 14 }));
  const items: LegendItem[] = series.map((s) => ({
    label: MODE_LABEL[s.mode],
    glyph: (cx: number, cy: number) =>
      el('line', { x1: cx - 10, y1: cy, x2: cx + 10, y2: cy, stroke: paletteColor(style(s.mode)), 'stroke-width': 2 }) +
      marker(MARKER_SHAPES[style(s.mode) % MARKER_SHAPES.length], cx, cy, 3.5, { fill: paletteColor(style(s.mode)) }),
  }));
  parts.push(legend(box.right + 18, box.top + 8, items));
  const note = options.note ?? 'Each point: mean over the mazes still running at that round (hover for how many).';
  parts.push(text(20, height - 18, note, { 'font-size': 11, fill: '#555' }));
  return svgDocument(width, height, title, parts.join('\n'));
}

/** Every round as CSV: one row per (maze, mode, round); one column per component (ms) seen in any round. */
export function roundsCsv(rounds: readonly GridWorldReportRound[]): string {
  const components = [...new Set(rounds.flatMap((r) => Object.keys(r.components)))].sort();
  const header = ['maze', 'mode', 'round', 'steps', 'truncated', 'explored', 'best_path_steps', 'known_shortest_steps', 'evaluation_sweeps', 'improvement_steps', 'ms', ...components, 'actions'];
  const lines = [header.join(',')];
  const sorted = [...rounds].sort((a, b) => a.maze - b.maze || TABLE_MODES.indexOf(b.mode) - TABLE_MODES.indexOf(a.mode) || a.round - b.round);
  for (const r of sorted) {
    const opt = (v: number | null) => (v === null ? '' : String(v));
    lines.push(
      [
        r.maze,
        r.mode,
        r.round,
        r.steps,
        r.truncated ? 1 : 0,
        r.explored,
        opt(r.bestPathSteps),
        opt(r.knownShortestSteps),
        opt(r.evaluationSweeps),
        opt(r.improvementSteps),
        fixed(r.ms, 3),
        ...components.map((c) => (r.components[c] === undefined ? '' : fixed(r.components[c], 3))),
        r.actions,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
