/**
 * `glucosim ppopi gridworld <experiment.json> [--out DIR] [--mazes N] [--keys FILE]`:
 * the Grid World study of PPOPI (Chen & Ye 2025, §7) — Table 2 and
 * Figure 3 — with the pipelines given by the caller (the plain one always;
 * the encrypted one when the command line registers it). Writes a new
 * directory atomically: table2.md, table2.json, figure3.svg, rounds.csv.
 *
 * The mazes are drawn here, from seeded streams (seed, `maze#<i>`), because
 * the privacy stage takes no seeded generator of its own: maze i is the
 * same in every mode, every run and with any --mazes ≥ i + 1.
 */
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { generateMaze, type Maze, type MazeShape } from '../privacy/ppopi/gridWorld.js';
import { type GridWorldExperiment, loadGridWorldExperiment } from '../privacy/ppopi/gridWorldExperiment.js';
import { type GridWorldStudyResult, runGridWorldStudy, type StudyFactories, type StudyMode, type StudyProgress } from '../privacy/ppopi/gridWorldStudy.js';
import { type LearningOptions, learningOptions } from '../privacy/ppopi/policyIteration.js';
import { randomStream } from '../random/streams.js';
import { figure3Svg, type GridWorldReportInput, PAPER_TABLE2, roundsCsv, table2Json, table2Markdown } from '../report/ppopiGridWorld.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';

export interface PpopiGridWorldArguments {
  readonly experiment: string;
  readonly out?: string;
  /** Run only the first N mazes of the experiment (the same mazes as in the full run). */
  readonly mazes?: number;
  /** A key file for the encrypted pipeline (passed through to its factory). */
  readonly keys?: string;
  readonly quiet?: boolean;
  /** Replace an existing output directory. */
  readonly force?: boolean;
}

/** What a factory maker is told: the experiment (its keyBits), the --keys file and the learning options. */
export interface GridWorldSetup {
  readonly experiment: GridWorldExperiment;
  readonly keys?: string;
  readonly learning: LearningOptions;
}

export type GridWorldFactories = StudyFactories | ((setup: GridWorldSetup) => StudyFactories | Promise<StudyFactories>);

/** Purpose of the mazes' random streams. */
export const MAZE_PURPOSE = 'ppopi-gridworld';

/** Maze `index` of a study seeded with `seed`. */
export function seededMaze(seed: number | string, index: number, shape: MazeShape): Maze {
  return generateMaze(randomStream(seed, `maze#${index}`, MAZE_PURPOSE), shape);
}

/** The first `count` mazes of an experiment. */
export function experimentMazes(experiment: GridWorldExperiment, count = experiment.mazes): Maze[] {
  const shape = { columns: experiment.columns, rows: experiment.rows, wallProbability: experiment.wallProbability };
  return Array.from({ length: count }, (_, i) => seededMaze(experiment.seed, i, shape));
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Progress on stderr: rewritten in place on a terminal (at most every 100 ms), a line per finished maze and mode otherwise. */
function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): { update(p: StudyProgress): void; finish(): void } {
  let lastDraw = 0;
  let lastRuns = -1;
  const line = (p: StudyProgress) =>
    `${label}: maze ${p.maze + 1}/${p.mazes} ${p.mode}, round ${p.round}; ${p.runsDone}/${p.runs} runs, ${duration(p.elapsedMs)}${p.etaMs === undefined ? '' : `, about ${duration(p.etaMs)} left`}`;
  return {
    update(p) {
      if (stream.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && p.runsDone === lastRuns) return;
        lastDraw = now;
        lastRuns = p.runsDone;
        stream.write(`\r${line(p)}\x1b[K`);
      } else if (p.runsDone !== lastRuns) {
        lastRuns = p.runsDone;
        if (p.runsDone > 0) stream.write(`${line(p)}\n`);
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

/** The study's result as the report's plain data. */
export function reportInput(
  experiment: GridWorldExperiment,
  mazes: number,
  result: GridWorldStudyResult,
  skipped: readonly { mode: StudyMode; reason: string }[],
): GridWorldReportInput {
  const { learning } = result;
  return {
    experiment: {
      name: experiment.name,
      ...(experiment.description === undefined ? {} : { description: experiment.description }),
      mazes,
      seed: experiment.seed,
      columns: experiment.columns,
      rows: experiment.rows,
      wallProbability: experiment.wallProbability,
      gamma: experiment.gamma,
      maxRounds: experiment.maxRounds,
      maxStepsPerAttempt: experiment.maxStepsPerAttempt,
      keyBits: experiment.keyBits,
      modes: experiment.modes,
    },
    learning: { gamma: learning.gamma, optimisticValue: learning.optimisticValue, tolerance: learning.tolerance, improvementMargin: learning.improvementMargin },
    skipped,
    summaries: result.summaries,
    timings: result.timings,
    mazes: result.mazes,
    rounds: result.rounds,
    decisionsIdentical: result.decisionsIdentical,
  };
}

const f = (x: number | null | undefined, digits: number) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** Runs the experiment and writes its directory; returns a few lines for stdout, ending with the directory. */
export async function ppopiGridWorldCommand(args: PpopiGridWorldArguments, factories: GridWorldFactories): Promise<string> {
  const experiment = loadGridWorldExperiment(args.experiment);
  if (args.mazes !== undefined && !(Number.isInteger(args.mazes) && args.mazes >= 1)) {
    throw new InputError('--mazes', '', `must be a whole number ≥ 1 (got ${args.mazes})`);
  }
  const count = args.mazes ?? experiment.mazes;
  const out = newOutputDirectory(args.out, experiment.name, args.force, { marker: 'table2.json', inputs: [args.experiment, ...(args.keys ? [args.keys] : [])] });
  let learning: LearningOptions;
  try {
    learning = learningOptions({ gamma: experiment.gamma });
  } catch (e) {
    throw new InputError(experiment.file, 'gamma', (e as Error).message);
  }
  const given = typeof factories === 'function' ? await factories({ experiment, keys: args.keys, learning }) : factories;
  const skipped = experiment.modes.filter((m) => given[m] === undefined).map((mode) => ({ mode, reason: `no ${mode} pipeline given to this command` }));
  const modes = experiment.modes.filter((m) => given[m] !== undefined);
  if (modes.length === 0) throw new InputError(experiment.file, 'modes', `none of ${experiment.modes.join(', ')} has a pipeline here`);

  const progress = args.quiet ? undefined : progressLine(`ppopi gridworld ${basename(args.experiment)}`);
  let result: GridWorldStudyResult;
  try {
    result = await runGridWorldStudy(
      { mazes: experimentMazes(experiment, count), modes, learning, maxRounds: experiment.maxRounds, maxStepsPerAttempt: experiment.maxStepsPerAttempt },
      given,
      progress?.update,
    );
  } finally {
    progress?.finish();
  }
  const input = reportInput(experiment, count, result, skipped);
  await buildOutputDirectory(out, args.force, async (dir) => {
    writeFileAtomic(join(dir, 'table2.md'), table2Markdown(input));
    writeFileAtomic(join(dir, 'table2.json'), table2Json(input));
    writeFileAtomic(join(dir, 'figure3.svg'), figure3Svg(input.rounds));
    writeFileAtomic(join(dir, 'rounds.csv'), roundsCsv(input.rounds));
  });

  const lines = [`ppopi gridworld: ${count} maze(s) of ${experiment.columns} × ${experiment.rows}, seed ${JSON.stringify(experiment.seed)}`];
  for (const mode of ['encrypted', 'plain'] as const) {
    const s = result.summaries.find((x) => x.mode === mode);
    const t = result.timings.find((x) => x.mode === mode);
    if (s === undefined || t === undefined) continue;
    const paper = PAPER_TABLE2[mode];
    lines.push(
      `  ${mode}: best path ${f(s.meanBestPathSteps, 2)} steps (paper ${paper.bestPathSteps}), ${f(s.meanIterations, 2)} iterations (paper ${paper.iterations}), ${f(t.meanMsPerRound, 3)} ms per round (paper ${paper.msPerRound}); ${s.converged}/${s.mazes} converged`,
    );
  }
  for (const s of skipped) lines.push(`  ${s.mode}: not run (${s.reason})`);
  if (result.decisionsIdentical !== null) lines.push(`  decisions identical in ${modes.join(' and ')}: ${result.decisionsIdentical ? 'yes' : 'NO'}`);
  lines.push(out);
  return `${lines.join('\n')}\n`;
}
