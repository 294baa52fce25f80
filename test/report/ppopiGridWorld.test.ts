/**
 * The PPOPI Grid World report (src/report/ppopiGridWorld.ts) on hand-made
 * records: Table 2 beside the paper's figures (Markdown and JSON, timings
 * apart), Figure 3's series (mean over the mazes still running) and axes
 * (log scale only when the values span more than a factor of 20), and the
 * rounds CSV.
 */
import { describe, expect, it } from 'vitest';
import {
  figure3Svg,
  type GridWorldReportInput,
  type GridWorldReportRound,
  PAPER_TABLE2,
  roundsCsv,
  table2Document,
  table2Json,
  table2Markdown,
  timePerRoundSeries,
} from '../../src/report/ppopiGridWorld.js';

function round(mode: 'plain' | 'encrypted', maze: number, r: number, ms: number, components: Record<string, number> = { walkMs: ms / 2 }): GridWorldReportRound {
  return { mode, maze, round: r, steps: 10 * r, truncated: false, explored: 3 - r, bestPathSteps: r === 2 ? 9 : null, knownShortestSteps: 9, evaluationSweeps: 5, improvementSteps: 2, ms, components, actions: '0123' };
}

const ROUNDS: GridWorldReportRound[] = [
  round('plain', 0, 1, 10),
  round('plain', 0, 2, 2),
  round('plain', 1, 1, 30),
  round('encrypted', 0, 1, 1000, { walkMs: 5, kgcMs: 400 }),
  round('encrypted', 0, 2, 200, { walkMs: 1, kgcMs: 50 }),
  round('encrypted', 1, 1, 3000, { walkMs: 5, kgcMs: 900 }),
];

function summary(mode: 'plain' | 'encrypted') {
  return {
    mode,
    mazes: 2,
    converged: 1,
    notConverged: [{ maze: 1, status: 'unconverged' }],
    meanShortestSteps: 9,
    meanBestPathSteps: 9,
    meanIterations: 2,
    meanEvaluationSweeps: mode === 'plain' ? 10 : null,
    meanAttemptSteps: 13.333333333,
    totalRounds: 3,
    decisions: 'abc',
  } as const;
}

const INPUT: GridWorldReportInput = {
  experiment: { name: 'hand', mazes: 2, seed: 1, columns: 5, rows: 3, wallProbability: 0.2, gamma: 0.99, maxRounds: 2, maxStepsPerAttempt: 100, keyBits: 1024, modes: ['plain', 'encrypted'] },
  learning: { gamma: 0.99, optimisticValue: -1 },
  skipped: [],
  summaries: [summary('plain'), summary('encrypted')],
  timings: [
    { mode: 'plain', meanMsPerRound: 14, meanOfMazeMeansMs: 18, meanComponentMs: { walkMs: 7 }, totalMs: 42 },
    { mode: 'encrypted', meanMsPerRound: 1400, meanOfMazeMeansMs: 2050, meanComponentMs: { kgcMs: 450, walkMs: 3.667 }, totalMs: 4200 },
  ],
  mazes: [],
  rounds: ROUNDS,
  decisionsIdentical: true,
};

describe('Table 2', () => {
  it('Markdown: ours beside the paper, PPOPI first, and the notes', () => {
    const md = table2Markdown(INPUT);
    expect(md).toContain('| Average steps of best path | 9.00 | 28.63 | 9.00 | 27.82 |');
    expect(md).toContain('| Average number of iterations | 2.00 | 5438 | 2.00 | 5396 |');
    expect(md).toContain('| Average time per round (ms) | 1400.000 | 42.281 | 14.000 | 12.509 |');
    expect(md).toContain('not converged: maze 1 (unconverged)');
    expect(md).toContain('kgcMs 450.000, walkMs 3.667');
    expect(md).toContain('took the same actions in both modes');
    expect(table2Markdown({ ...INPUT, decisionsIdentical: false })).toContain('did NOT take the same actions');
    const plainOnly = table2Markdown({ ...INPUT, summaries: [summary('plain')], timings: [INPUT.timings[0]], skipped: [{ mode: 'encrypted', reason: 'no pipeline' }] });
    expect(plainOnly).toContain('| Average steps of best path | — | 28.63 | 9.00 | 27.82 |');
    expect(plainOnly).toContain('PPOPI (encrypted): not run (no pipeline).');
  });

  it('JSON: the paper\'s figures beside ours, every time under `timings` and nowhere else', () => {
    const doc = table2Document(INPUT) as Record<string, any>;
    expect(doc.table2.encrypted).toEqual({ bestPathSteps: { ours: 9, paper: 28.63 }, iterations: { ours: 2, paper: 5438 } });
    expect(doc.timings.plain.msPerRound).toEqual({ ours: 14, paper: PAPER_TABLE2.plain.msPerRound });
    expect(doc.timings.encrypted.meanComponentMs).toEqual({ kgcMs: 450, walkMs: 3.667 });
    const { timings: _t, ...rest } = doc;
    expect(JSON.stringify(rest)).not.toMatch(/"[a-zA-Z]+Ms"/);
    expect(JSON.stringify(doc.timings)).toMatch(/"totalMs"/);
    expect(table2Json(INPUT).endsWith('}\n')).toBe(true);
    // Timings changed, the rest unchanged.
    const other = table2Document({ ...INPUT, timings: INPUT.timings.map((t) => ({ ...t, meanMsPerRound: t.meanMsPerRound * 2 })) }) as Record<string, any>;
    delete other.timings;
    expect(JSON.stringify(other)).toBe(JSON.stringify(rest));
  });
});

describe('Figure 3', () => {
  it('per round number, the mean over the mazes still running and how many they are', () => {
    const series = timePerRoundSeries(ROUNDS);
    expect(series.find((s) => s.mode === 'plain')!.points).toEqual([
      { round: 1, meanMs: 20, mazes: 2 },
      { round: 2, meanMs: 2, mazes: 1 },
    ]);
    expect(series.find((s) => s.mode === 'encrypted')!.points).toEqual([
      { round: 1, meanMs: 2000, mazes: 2 },
      { round: 2, meanMs: 200, mazes: 1 },
    ]);
  });

  it('a standalone SVG, one line per mode with a legend; log scale when the values span orders of magnitude', () => {
    const svg = figure3Svg(ROUNDS);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g class="series"/g)).toHaveLength(2);
    expect(svg.match(/<path class="line"/g)).toHaveLength(2);
    expect(svg).toContain('PPOPI (encrypted)');
    expect(svg).toContain('time per round, ms (log scale)');
    expect(svg).toContain('round (attempt) number');
    expect(svg).toContain('round 2: 2.000 ms (mean of 1 maze)');
    const plainOnly = figure3Svg(ROUNDS.filter((r) => r.mode === 'plain'));
    expect(plainOnly).not.toContain('log scale');
    expect(plainOnly.match(/<g class="series"/g)).toHaveLength(1);
    expect(figure3Svg([])).toContain('No data');
  });
});

describe('rounds.csv', () => {
  it('a row per round, maze by maze, plain first; a column per component seen, blank where a mode has none', () => {
    const lines = roundsCsv(ROUNDS).trimEnd().split('\n');
    expect(lines[0]).toBe('maze,mode,round,steps,truncated,explored,best_path_steps,known_shortest_steps,evaluation_sweeps,improvement_steps,ms,kgcMs,walkMs,actions');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['0,plain,1', '0,plain,2', '0,encrypted,1', '0,encrypted,2', '1,plain,1', '1,encrypted,1']);
    expect(lines[1]).toBe('0,plain,1,10,0,2,,9,5,2,10.000,,5.000,0123');
    expect(lines[3]).toBe('0,encrypted,1,10,0,2,,9,5,2,1000.000,400.000,5.000,0123');
  });
});
