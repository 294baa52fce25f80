/**
 * The Grid World study of PPOPI (Chen & Ye 2025, §7, Table 2 and Figure 3):
 * on each maze, rounds of attempt → upload → policy iteration → delivered
 * policy, until the user's attempt is a shortest path that explored nothing;
 * the same mazes in each mode (plain, encrypted), the pipeline injected.
 *
 * A round (timed as a whole with performance.now): the user walks the maze
 * with the policy delivered after the previous round (userWalk.ts), submits
 * the attempt (the pipeline encrypts it if it is the encrypted one; the
 * server ingests it and improves its policy), then fetches the new policy.
 *
 * "Number of iterations" (Table 2) is read here as the number of rounds
 * (attempts) until the policy has converged: the first round whose attempt
 * took no (state, action) pair that had not been taken before. From then on
 * nothing changes — the maze is deterministic, so the server learns nothing
 * new, its policy stays, and every later attempt is the same — and by the
 * optimism of the untried pairs (policyIteration.ts) that attempt is a
 * shortest path. The study checks it against breadth-first search and
 * against the best path (the greedy walk over tried actions only) and
 * calls the maze `converged` when all three agree; a maze whose first
 * non-exploring attempt is not a shortest path is `stalled` (none is
 * expected); one that reaches maxRounds is `unconverged` (every round
 * before the last takes a new pair, so a maze of n cells stops within
 * 4n + 1 rounds: 801 at 20 × 10). The "steps of the
 * best path" of a maze are those of its best path after its last round.
 * The paper's own counts come from exploration of its own; ours, directed
 * by optimism, needs far fewer rounds (see the report).
 */
import { createHash } from 'node:crypto';
import { ACTION_COUNT, type Maze } from './gridWorld.js';
import type { PlainAttempt } from './messages.js';
import { type ImproveStats, type LearningOptions, learningOptions } from './policyIteration.js';
import { bestPath, type DeliveredPolicy, walkAttempt } from './userWalk.js';

export type StudyMode = 'plain' | 'encrypted';
export const STUDY_MODES: readonly StudyMode[] = ['plain', 'encrypted'];

/** What a pipeline is handed: the attempt in the user's own terms (declared with the other messages). */
export type { PlainAttempt } from './messages.js';

/** Per-round costs, ms, measured by the pipeline (components it wants to report, e.g. userEncryptMs, serverMs, kgcMs). */
export interface RoundCosts {
  readonly [component: string]: number;
}

export interface PolicyPipeline {
  readonly mode: StudyMode;
  /** Hand one attempt to the server (encrypting it first if encrypted), let it ingest and improve; return the component costs. */
  submit(attempt: PlainAttempt): Promise<RoundCosts>;
  /** The delivered policy in the user's plaintext terms: Q of (state cell, action 0..3), undefined when untried or unknown. */
  policy(): Promise<DeliveredPolicy>;
  /** The server's policy-iteration counts of the last submit, if the pipeline can tell. */
  improveStats?(): ImproveStats | undefined;
  close?(): void | Promise<void>;
}

/** Components the study measures itself (a pipeline must not use these names). */
export const STUDY_COMPONENTS = ['walkMs', 'submitMs', 'policyMs'] as const;

/**
 * Makes the pipeline of one maze. `learning` is the study's: the server must
 * use it (the user decides with the same γ and optimistic value).
 */
export type PipelineFactory = (maze: Maze, mazeIndex: number, learning: LearningOptions) => PolicyPipeline | Promise<PolicyPipeline>;

export interface StudyFactories {
  readonly plain: PipelineFactory;
  readonly encrypted?: PipelineFactory;
}

export interface GridWorldStudyConfig {
  /** The mazes, index i is maze i (the caller draws them, e.g. from a seed and i). */
  readonly mazes: readonly Maze[];
  /** Modes to run, in this order on each maze. */
  readonly modes: readonly StudyMode[];
  readonly learning?: Partial<LearningOptions>;
  readonly maxRounds: number;
  readonly maxStepsPerAttempt: number;
}

export interface RoundRecord {
  readonly mode: StudyMode;
  readonly maze: number;
  /** 1-based. */
  readonly round: number;
  /** Steps of the attempt. */
  readonly steps: number;
  readonly truncated: boolean;
  /** (state, action) pairs of the attempt not taken in any earlier round. */
  readonly explored: number;
  /** Steps of the best path after the round (the delivered policy's greedy walk over tried actions); null when it has none yet (it loops or stops). */
  readonly bestPathSteps: number | null;
  /** Steps of the shortest path through the transitions taken so far (what the data holds, whatever the policy). */
  readonly knownShortestSteps: number | null;
  /** Eq. (9) sweeps and eq. (10) steps of the server's policy iteration this round; null if the pipeline does not tell. */
  readonly evaluationSweeps: number | null;
  readonly improvementSteps: number | null;
  /** Wall time of the round: walk + submit + policy fetch. */
  readonly ms: number;
  /** walkMs, submitMs, policyMs (measured by the study) and the pipeline's own components, ms. */
  readonly components: RoundCosts;
  /** The attempt's actions as digits 0..3 (up, down, left, right). */
  readonly actions: string;
}

export type MazeStatus = 'converged' | 'stalled' | 'unconverged';

export interface MazeResult {
  readonly mode: StudyMode;
  readonly maze: number;
  /** BFS shortest path, steps. */
  readonly shortest: number;
  readonly status: MazeStatus;
  /** Rounds run. */
  readonly rounds: number;
  /** The round at which the maze converged (= rounds), null otherwise. */
  readonly iterations: number | null;
  /** Steps of the best path after the last round, null if none. */
  readonly bestPathSteps: number | null;
  /** Steps summed over every attempt. */
  readonly totalSteps: number;
  /** Eq. (9) sweeps summed over every round; null if the pipeline does not tell. */
  readonly evaluationSweeps: number | null;
  /** SHA-256 (hex) of every attempt's actions, one line per round. */
  readonly decisions: string;
}

/** Per mode, everything but timings: the same seed gives the same values. */
export interface ModeSummary {
  readonly mode: StudyMode;
  readonly mazes: number;
  readonly converged: number;
  /** Indices of mazes that did not converge, with their status. */
  readonly notConverged: readonly { readonly maze: number; readonly status: MazeStatus }[];
  /** Mean BFS shortest path over all mazes. */
  readonly meanShortestSteps: number;
  /** Mean steps of the best path over mazes that have one. */
  readonly meanBestPathSteps: number | null;
  /** Mean iterations over converged mazes. */
  readonly meanIterations: number | null;
  /** Mean over converged mazes of the eq. (9) sweeps summed over their rounds; null if not told. */
  readonly meanEvaluationSweeps: number | null;
  /** Mean steps of an attempt, all rounds of all mazes pooled. */
  readonly meanAttemptSteps: number;
  readonly totalRounds: number;
  /** SHA-256 over the mazes' decision hashes in maze order. */
  readonly decisions: string;
}

/** Per mode, timings only (kept apart: they vary from run to run). */
export interface ModeTimings {
  readonly mode: StudyMode;
  /**
   * Average time per round: all rounds of all mazes pooled (total time /
   * total rounds), as Table 2's "average time cost per round" reads.
   */
  readonly meanMsPerRound: number;
  /** Each maze's mean time per round, then the mean over mazes. */
  readonly meanOfMazeMeansMs: number;
  /** The pipeline's components, pooled the same way as meanMsPerRound. */
  readonly meanComponentMs: Readonly<Record<string, number>>;
  readonly totalMs: number;
}

export interface GridWorldStudyResult {
  readonly modes: readonly StudyMode[];
  readonly learning: LearningOptions;
  readonly mazes: readonly MazeResult[];
  readonly rounds: readonly RoundRecord[];
  readonly summaries: readonly ModeSummary[];
  readonly timings: readonly ModeTimings[];
  /** When two modes ran: whether every attempt of every maze took the same actions in both. */
  readonly decisionsIdentical: boolean | null;
}

export interface StudyProgress {
  readonly mode: StudyMode;
  /** 0-based index of the maze being run. */
  readonly maze: number;
  readonly mazes: number;
  /** Rounds done on this maze in this mode. */
  readonly round: number;
  /** (maze, mode) runs finished, of `runs`. */
  readonly runsDone: number;
  readonly runs: number;
  readonly elapsedMs: number;
  /** Estimated time left from the finished runs' mean; undefined before the first. */
  readonly etaMs: number | undefined;
}

/** One maze in one mode. */
async function runMaze(
  maze: Maze,
  index: number,
  mode: StudyMode,
  factory: PipelineFactory,
  config: GridWorldStudyConfig,
  learning: LearningOptions,
  onRound: (round: number) => void,
): Promise<{ result: MazeResult; rounds: RoundRecord[] }> {
  const pipeline = await factory(maze, index, learning);
  if (pipeline.mode !== mode) {
    await pipeline.close?.();
    throw new Error(`the ${mode} factory made a pipeline of mode '${pipeline.mode}'`);
  }
  const walk = { actionCount: ACTION_COUNT, gamma: learning.gamma, optimisticValue: learning.optimisticValue, maxSteps: config.maxStepsPerAttempt };
  const rounds: RoundRecord[] = [];
  const hash = createHash('sha256');
  /** Where each (cell, action) pair taken so far led: cell · ACTION_COUNT + action → next cell. */
  const taken = new Map<number, number>();
  let status: MazeStatus = 'unconverged';
  let totalSteps = 0;
  let sweeps: number | null = 0;
  let best: number[] | undefined;
  try {
    let policy = await pipeline.policy();
    for (let round = 1; round <= config.maxRounds; round++) {
      const started = performance.now();
      const attempt = walkAttempt(maze, policy, walk);
      const walked = performance.now();
      const costs = await pipeline.submit(attempt);
      const submitted = performance.now();
      policy = await pipeline.policy();
      const fetched = performance.now();
      const ms = fetched - started;
      for (const name of STUDY_COMPONENTS) if (name in costs) throw new Error(`the ${mode} pipeline reports a component '${name}', a name the study uses`);
      const components: RoundCosts = { walkMs: walked - started, submitMs: submitted - walked, policyMs: fetched - submitted, ...costs };
      const stats = pipeline.improveStats?.();
      if (stats === undefined) sweeps = null;
      else if (sweeps !== null) sweeps += stats.evaluationSweeps;
      let explored = 0;
      for (let i = 0; i < attempt.actions.length; i++) {
        const pair = attempt.states[i] * ACTION_COUNT + attempt.actions[i];
        if (!taken.has(pair)) {
          taken.set(pair, attempt.states[i + 1]);
          explored++;
        }
      }
      best = bestPath(maze, policy, ACTION_COUNT);
      const actions = attempt.actions.join('');
      hash.update(`${round}:${actions}\n`);
      totalSteps += attempt.actions.length;
      rounds.push({
        mode,
        maze: index,
        round,
        steps: attempt.actions.length,
        truncated: attempt.truncated,
        explored,
        bestPathSteps: best?.length ?? null,
        knownShortestSteps: knownShortest(maze, taken),
        evaluationSweeps: stats?.evaluationSweeps ?? null,
        improvementSteps: stats?.improvementSteps ?? null,
        ms,
        components,
        actions,
      });
      onRound(round);
      if (explored === 0) {
        const shortest = !attempt.truncated && attempt.actions.length === maze.shortest;
        status = shortest && best !== undefined && best.join('') === actions ? 'converged' : 'stalled';
        break;
      }
    }
  } finally {
    await pipeline.close?.();
  }
  return {
    result: {
      mode,
      maze: index,
      shortest: maze.shortest,
      status,
      rounds: rounds.length,
      iterations: status === 'converged' ? rounds.length : null,
      bestPathSteps: best?.length ?? null,
      totalSteps,
      evaluationSweeps: sweeps,
      decisions: hash.digest('hex'),
    },
    rounds,
  };
}

/** BFS from the start to the goal over the pairs taken so far; null if they do not connect them. */
function knownShortest(maze: Maze, taken: ReadonlyMap<number, number>): number | null {
  const distance = new Map<number, number>([[maze.start, 0]]);
  const queue = [maze.start];
  for (let head = 0; head < queue.length; head++) {
    const cell = queue[head];
    if (cell === maze.goal) return distance.get(cell)!;
    for (let a = 0; a < ACTION_COUNT; a++) {
      const next = taken.get(cell * ACTION_COUNT + a);
      if (next !== undefined && !distance.has(next)) {
        distance.set(next, distance.get(cell)! + 1);
        queue.push(next);
      }
    }
  }
  return null;
}

const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);

function summarise(mode: StudyMode, mazes: readonly MazeResult[]): ModeSummary {
  const mine = mazes.filter((m) => m.mode === mode);
  const hash = createHash('sha256');
  for (const m of mine) hash.update(`${m.maze}:${m.decisions}\n`);
  return {
    mode,
    mazes: mine.length,
    converged: mine.filter((m) => m.status === 'converged').length,
    notConverged: mine.filter((m) => m.status !== 'converged').map((m) => ({ maze: m.maze, status: m.status })),
    meanShortestSteps: mean(mine.map((m) => m.shortest)) ?? NaN,
    meanBestPathSteps: mean(mine.flatMap((m) => (m.bestPathSteps === null ? [] : [m.bestPathSteps]))),
    meanIterations: mean(mine.flatMap((m) => (m.iterations === null ? [] : [m.iterations]))),
    meanEvaluationSweeps: mine.some((m) => m.evaluationSweeps === null)
      ? null
      : mean(mine.flatMap((m) => (m.status === 'converged' ? [m.evaluationSweeps!] : []))),
    meanAttemptSteps: mine.reduce((s, m) => s + m.totalSteps, 0) / mine.reduce((s, m) => s + m.rounds, 0),
    totalRounds: mine.reduce((s, m) => s + m.rounds, 0),
    decisions: hash.digest('hex'),
  };
}

function timingsOf(mode: StudyMode, rounds: readonly RoundRecord[]): ModeTimings {
  const mine = rounds.filter((r) => r.mode === mode);
  const totalMs = mine.reduce((s, r) => s + r.ms, 0);
  const perMaze = new Map<number, number[]>();
  const componentSums: Record<string, number> = {};
  for (const r of mine) {
    let list = perMaze.get(r.maze);
    if (list === undefined) perMaze.set(r.maze, (list = []));
    list.push(r.ms);
    for (const [name, ms] of Object.entries(r.components)) componentSums[name] = (componentSums[name] ?? 0) + ms;
  }
  const meanComponentMs: Record<string, number> = {};
  for (const name of Object.keys(componentSums).sort()) meanComponentMs[name] = componentSums[name] / mine.length;
  return {
    mode,
    meanMsPerRound: mine.length === 0 ? NaN : totalMs / mine.length,
    meanOfMazeMeansMs: mean([...perMaze.values()].map((ms) => mean(ms)!)) ?? NaN,
    meanComponentMs,
    totalMs,
  };
}

/** Checks a study configuration; throws a RangeError naming the field. */
function checkConfig(config: GridWorldStudyConfig, factories: StudyFactories): void {
  if (config.mazes.length === 0) throw new RangeError('mazes: at least one maze is needed');
  if (!(Number.isInteger(config.maxRounds) && config.maxRounds >= 1)) throw new RangeError(`maxRounds must be an integer ≥ 1 (got ${config.maxRounds})`);
  if (!(Number.isInteger(config.maxStepsPerAttempt) && config.maxStepsPerAttempt >= 1)) {
    throw new RangeError(`maxStepsPerAttempt must be an integer ≥ 1 (got ${config.maxStepsPerAttempt})`);
  }
  if (config.modes.length === 0 || new Set(config.modes).size !== config.modes.length) throw new RangeError('modes: one or more distinct modes');
  for (const mode of config.modes) if (factories[mode] === undefined) throw new RangeError(`mode '${mode}' has no pipeline factory`);
}

/**
 * Runs every maze in every mode (for each maze, the modes one after the
 * other, so both see the same machine state; the first mode alternates from
 * maze to maze), reporting progress after each round. Results are in
 * maze order, then config.modes order.
 */
export async function runGridWorldStudy(
  config: GridWorldStudyConfig,
  factories: StudyFactories,
  progress?: (p: StudyProgress) => void,
): Promise<GridWorldStudyResult> {
  checkConfig(config, factories);
  const learning = learningOptions(config.learning);
  const mazes: MazeResult[] = [];
  const rounds: RoundRecord[] = [];
  const total = config.mazes.length * config.modes.length;
  const started = performance.now();
  let runsDone = 0;
  for (let index = 0; index < config.mazes.length; index++) {
    // Modes alternate which goes first, so neither is always the one that finds the machine cold.
    const order = index % 2 === 0 ? config.modes : [...config.modes].reverse();
    const runs = new Map<StudyMode, Awaited<ReturnType<typeof runMaze>>>();
    for (const mode of order) {
      const report = (round: number) => {
        if (progress === undefined) return;
        const elapsedMs = performance.now() - started;
        progress({
          mode,
          maze: index,
          mazes: config.mazes.length,
          round,
          runsDone,
          runs: total,
          elapsedMs,
          etaMs: runsDone === 0 ? undefined : (elapsedMs / runsDone) * (total - runsDone),
        });
      };
      const run = await runMaze(config.mazes[index], index, mode, factories[mode]!, config, learning, report);
      runs.set(mode, run);
      runsDone++;
      report(run.result.rounds);
    }
    for (const mode of config.modes) {
      const run = runs.get(mode)!;
      mazes.push(run.result);
      for (const r of run.rounds) rounds.push(r);
    }
  }
  const summaries = config.modes.map((mode) => summarise(mode, mazes));
  return {
    modes: config.modes,
    learning,
    mazes,
    rounds,
    summaries,
    timings: config.modes.map((mode) => timingsOf(mode, rounds)),
    decisionsIdentical: summaries.length < 2 ? null : summaries.every((s) => s.decisions === summaries[0].decisions),
  };
}
