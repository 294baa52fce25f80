/**
 * The Grid World study loop (gridWorldStudy.ts, userWalk.ts): the user's
 * walk and best path, convergence to the BFS-shortest path on small mazes,
 * identical decisions with a pipeline over opaque tags (as the encrypted
 * one will be), and the checks of the pipeline contract.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededMaze } from '../../../src/cli/ppopiGridWorld.js';
import { AttemptPolicyServer } from '../../../src/privacy/ppopi/attemptServer.js';
import { ACTION_COUNT, type Maze, step } from '../../../src/privacy/ppopi/gridWorld.js';
import { type PipelineFactory, type PolicyPipeline, runGridWorldStudy } from '../../../src/privacy/ppopi/gridWorldStudy.js';
import { plainPipelineFactory } from '../../../src/privacy/ppopi/plainPipeline.js';
import { bestPath, chooseAction, deliveredPolicy, walkAttempt } from '../../../src/privacy/ppopi/userWalk.js';
import { mazeFromText } from './helpers.js';

const WALK = { actionCount: ACTION_COUNT, gamma: 0.99, optimisticValue: -1, maxSteps: 10_000 };
const SMALL = { columns: 10, rows: 6, wallProbability: 0.2 };
const smallMazes = (count: number, seed = 5) => Array.from({ length: count }, (_, i) => seededMaze(seed, i, SMALL));

/** An attempt is a walk of the maze: each state follows from the previous by the action. */
function expectValidWalk(maze: Maze, states: readonly number[], actions: readonly number[]): void {
  expect(states.length).toBe(actions.length + 1);
  expect(states[0]).toBe(maze.start);
  actions.forEach((a, i) => expect(states[i + 1]).toBe(step(maze, states[i], a)));
}

/**
 * A pipeline over opaque tags, as the encrypted one will be: keys are
 * HMAC-SHA256 tags under a key the server never sees, the server is the
 * same AttemptPolicyServer, the user maps tags back by tagging its own
 * plaintexts; every call answers asynchronously.
 */
const taggedFactory: PipelineFactory = (maze, _index, learning): PolicyPipeline => {
  const key = randomBytes(32);
  const tag = (text: string) => createHmac('sha256', key).update(text).digest('hex');
  const cellOfTag = new Map<string, number>();
  for (let c = 0; c < maze.columns * maze.rows; c++) cellOfTag.set(tag(`s${c}`), c);
  const actionOfTag = new Map<string, number>();
  for (let a = 0; a < ACTION_COUNT; a++) actionOfTag.set(tag(`a${a}`), a);
  const server = new AttemptPolicyServer(ACTION_COUNT, learning);
  const later = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    mode: 'encrypted',
    async submit(attempt) {
      await later();
      server.ingest({ states: attempt.states.map((c) => tag(`s${c}`)), actions: attempt.actions.map((a) => tag(`a${a}`)), truncated: attempt.truncated });
      server.improve();
      return { serverMs: 0, tagMs: 0 };
    },
    async policy() {
      await later();
      return deliveredPolicy(server.policyView(), (t) => cellOfTag.get(t)!, (t) => actionOfTag.get(t)!);
    },
  };
};

describe("the user's walk", () => {
  const maze = mazeFromText(`
    ..#...
    S.#.#G
    ...#..
    .#....
  `);

  it('chooses the highest value, ties to the lowest action number', () => {
    expect(chooseAction((a) => [-2, -1, -1, -3][a], 4)).toBe(1);
    expect(chooseAction(() => -1, 4)).toBe(0);
  });

  it('with nothing delivered, explores its way to the goal (no step repeats a pair ad infinitum)', () => {
    const attempt = walkAttempt(maze, () => undefined, WALK);
    expect(attempt.truncated).toBe(false);
    expectValidWalk(maze, attempt.states, attempt.actions);
    expect(attempt.states.at(-1)).toBe(maze.goal);
    expect(attempt.actions.length).toBeLessThan(200);
  });

  it('is cut at maxSteps', () => {
    const attempt = walkAttempt(maze, () => undefined, { ...WALK, maxSteps: 3 });
    expect(attempt.truncated).toBe(true);
    expect(attempt.actions.length).toBe(3);
  });

  it('follows the delivered values: Q = −(steps to the goal) on a shortest path', () => {
    // Delivered values of the exact shortest-path problem (γ → 1 shape): the walk is a shortest path.
    const toGoal = new Map<number, number>();
    const dist = (c: number) => toGoal.get(c);
    // BFS from the goal (moves are reversible).
    const queue = [maze.goal];
    toGoal.set(maze.goal, 0);
    while (queue.length > 0) {
      const c = queue.shift()!;
      for (let a = 0; a < 4; a++) {
        const n = step(maze, c, a);
        if (!toGoal.has(n)) {
          toGoal.set(n, toGoal.get(c)! + 1);
          queue.push(n);
        }
      }
    }
    const policy = (c: number, a: number) => {
      const n = step(maze, c, a);
      return dist(n) === undefined ? undefined : -1 - dist(n)!;
    };
    const attempt = walkAttempt(maze, policy, WALK);
    expect(attempt.actions.length).toBe(maze.shortest);
    expect(bestPath(maze, policy, 4)).toEqual(attempt.actions);
    expect(bestPath(maze, () => undefined, 4)).toBeUndefined();
  });
});

describe('the study', () => {
  it('converges on every small maze to the BFS-shortest path, exploring in every round but the last', async () => {
    const mazes = smallMazes(6);
    const result = await runGridWorldStudy({ mazes, modes: ['plain'], maxRounds: 300, maxStepsPerAttempt: 10_000 }, { plain: plainPipelineFactory });
    expect(result.decisionsIdentical).toBeNull();
    const [summary] = result.summaries;
    expect(summary.converged).toBe(6);
    expect(summary.notConverged).toEqual([]);
    expect(summary.meanBestPathSteps).toBe(mazes.reduce((s, m) => s + m.shortest, 0) / 6);
    for (const m of result.mazes) {
      expect(m.status).toBe('converged');
      expect(m.bestPathSteps).toBe(mazes[m.maze].shortest);
      expect(m.iterations).toBe(m.rounds);
      const rounds = result.rounds.filter((r) => r.maze === m.maze);
      expect(rounds.map((r) => r.round)).toEqual(rounds.map((_, i) => i + 1));
      rounds.forEach((r, i) => {
        expect(r.truncated).toBe(false);
        expect(r.explored > 0).toBe(i < rounds.length - 1);
        expect(r.ms).toBeGreaterThan(0);
        expect(Object.keys(r.components).sort()).toEqual(['policyMs', 'serverMs', 'submitMs', 'walkMs']);
        expect(r.evaluationSweeps).toBeGreaterThan(0);
      });
      const last = rounds.at(-1)!;
      expect(last.steps).toBe(mazes[m.maze].shortest);
      expect(last.bestPathSteps).toBe(mazes[m.maze].shortest);
    }
    expect(result.timings[0].meanMsPerRound).toBeCloseTo(result.timings[0].totalMs / summary.totalRounds, 9);
  });

  it('a pipeline over opaque tags, asynchronous, takes exactly the decisions of the plain one', async () => {
    const mazes = smallMazes(4, 9);
    const progress: number[] = [];
    const result = await runGridWorldStudy(
      { mazes, modes: ['plain', 'encrypted'], maxRounds: 300, maxStepsPerAttempt: 10_000 },
      { plain: plainPipelineFactory, encrypted: taggedFactory },
      (p) => progress.push(p.runsDone),
    );
    expect(result.decisionsIdentical).toBe(true);
    const [plain, encrypted] = result.summaries;
    expect(encrypted.decisions).toBe(plain.decisions);
    expect(encrypted.meanIterations).toBe(plain.meanIterations);
    for (const r of result.rounds.filter((x) => x.mode === 'plain')) {
      const twin = result.rounds.find((x) => x.mode === 'encrypted' && x.maze === r.maze && x.round === r.round)!;
      expect(twin.actions).toBe(r.actions);
      expect(twin.components).toHaveProperty('tagMs');
      expect(twin.evaluationSweeps).toBeNull();
    }
    expect(encrypted.meanEvaluationSweeps).toBeNull();
    expect(progress.at(-1)).toBe(8);
  });

  it('a pipeline whose decisions differ is reported as not identical', async () => {
    const mazes = smallMazes(2, 13);
    // A server with another optimistic value: other values, other decisions.
    const skewed: PipelineFactory = (maze, index, learning) => ({
      ...plainPipelineFactory(maze, index, { ...learning, optimisticValue: -5 }),
      mode: 'encrypted',
    }) as PolicyPipeline;
    const result = await runGridWorldStudy(
      { mazes, modes: ['plain', 'encrypted'], maxRounds: 300, maxStepsPerAttempt: 10_000 },
      { plain: plainPipelineFactory, encrypted: skewed },
    );
    expect(result.decisionsIdentical).toBe(false);
  });

  it('an unconverged maze is reported at maxRounds', async () => {
    const result = await runGridWorldStudy({ mazes: smallMazes(1), modes: ['plain'], maxRounds: 1, maxStepsPerAttempt: 10_000 }, { plain: plainPipelineFactory });
    expect(result.mazes[0]).toMatchObject({ status: 'unconverged', rounds: 1, iterations: null });
    expect(result.summaries[0]).toMatchObject({ converged: 0, notConverged: [{ maze: 0, status: 'unconverged' }], meanIterations: null });
  });

  it('refuses a missing factory, a pipeline of the wrong mode, and a component named like the study\'s', async () => {
    const config = { mazes: smallMazes(1), modes: ['plain', 'encrypted'] as const, maxRounds: 5, maxStepsPerAttempt: 1000 };
    await expect(runGridWorldStudy(config, { plain: plainPipelineFactory })).rejects.toThrow(/mode 'encrypted' has no pipeline factory/);
    await expect(runGridWorldStudy(config, { plain: plainPipelineFactory, encrypted: plainPipelineFactory })).rejects.toThrow(/encrypted factory made a pipeline of mode 'plain'/);
    let closed = 0;
    const clashing: PipelineFactory = (maze, index, learning) => {
      const inner = plainPipelineFactory(maze, index, learning) as PolicyPipeline;
      return { ...inner, submit: async (a) => ({ ...(await inner.submit(a)), walkMs: 1 }), close: () => void closed++ };
    };
    await expect(runGridWorldStudy({ ...config, modes: ['plain'] }, { plain: clashing })).rejects.toThrow(/component 'walkMs'/);
    expect(closed).toBe(1);
  });
});
