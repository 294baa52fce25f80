/**
 * The user's side of a Grid World round (Chen & Ye 2025, §7): walk the maze
 * from the start with the delivered policy, and read the best path off it.
 *
 * Decisions are a function of the delivered Q values (in the user's
 * plaintext terms) and of what the user saw during the attempt, never of
 * randomness: at each cell the action with the highest Q, an untried or
 * unknown one counting as the optimistic value, ties to the lowest action
 * number. The encrypted and the plain run deliver bit-identical Q values
 * (attemptServer.ts), so their users take identical decisions.
 *
 * Within one attempt the delivered policy is stale: it knows nothing of
 * what the attempt has shown. Walking by it alone, a user in a cell it does
 * not know would try "up" for ever if "up" hits a wall, and one who has
 * just found that the pair it was heading for leads nowhere would be drawn
 * back to it by the values around. So the user also uses what the attempt
 * has shown: a pair taken during the attempt is worth r + γ v(next), with
 * v(cell) = max_a Q(cell, a) and v(goal) = 0, solved over the attempt's
 * cells each time a new pair is taken (Sutton's 1990 Dyna, planning on
 * one's own experience, here only the current attempt's; Korf's 1990
 * one-step backups instead made attempts about twice as long, some past
 * 2 000 steps, lowering stale values one visit at a time). Other pairs keep
 * their delivered values, untried ones the optimistic value; these values
 * live for the attempt only, and the server learns from the uploaded
 * attempt.
 *
 * Every attempt reaches the goal: between two pairs new to the attempt the
 * values stay fixed, and each step along a pair already taken raises v
 * (v(next) = (v + 1)/γ > v, as v > −1/(1 − γ)), so the walk cannot cycle
 * and takes a new pair or reaches the goal within as many steps as there
 * are cells; there are finitely many pairs. The step limit is a safeguard.
 */
import type { PolicyView } from './attemptServer.js';
import { type Maze, step } from './gridWorld.js';
import { STEP_REWARD } from './policyIteration.js';

/** Q of (cell, action 0..3) as delivered, undefined when the pair is untried or the cell unknown. */
export type DeliveredPolicy = (state: number, action: number) => number | undefined;

/**
 * A policy view as a lookup in the user's terms: `decodeState` and
 * `decodeAction` map a key back to the plaintext cell and action (the user
 * knows them: they are the user's own, or the tags the user can match).
 */
export function deliveredPolicy(
  view: PolicyView,
  decodeState: (key: string) => number,
  decodeAction: (key: string) => number,
): DeliveredPolicy {
  const q = new Map<number, number>();
  for (const s of view.states) {
    const cell = decodeState(s.state);
    for (const a of s.actions) q.set(cell * view.actionCount + decodeAction(a.action), a.q);
  }
  return (state, action) => q.get(state * view.actionCount + action);
}

export interface WalkOptions {
  readonly actionCount: number;
  readonly gamma: number;
  readonly optimisticValue: number;
  /** Steps after which the attempt is cut short (it is then `truncated`). */
  readonly maxSteps: number;
}

export interface WalkedAttempt {
  /** Cells visited, start first; one more than actions. */
  readonly states: number[];
  readonly actions: number[];
  /** True when cut at maxSteps before the goal. */
  readonly truncated: boolean;
}

/** The action with the highest value, ties to the lowest action number. */
export function chooseAction(value: (action: number) => number, actionCount: number): number {
  let best = 0;
  let bestValue = value(0);
  for (let a = 1; a < actionCount; a++) {
    const v = value(a);
    if (v > bestValue) {
      best = a;
      bestValue = v;
    }
  }
  return best;
}

/**
 * The user's values during one attempt: the delivered Q values, except for
 * the pairs taken in this attempt, whose outcome the user has seen. Those
 * are worth r + γ·v(next), v(cell) = max_a Q(cell, a) (0 at the goal), and
 * are solved by Gauss–Seidel value iteration over the cells of the attempt
 * (in first-visit order) each time a new pair is taken.
 */
class AttemptValues {
  private readonly actionCount: number;
  /** Delivered Q (or the optimistic value) per pair, cell · actionCount + action. */
  private readonly delivered: Float64Array;
  /** Where a pair taken in this attempt led; −1 if not taken. */
  private readonly next: Int32Array;
  private readonly values: Float64Array;
  /** Cells of the attempt in first-visit order. */
  private readonly cells: number[] = [];
  private readonly visited: Uint8Array;

  constructor(
    private readonly maze: Maze,
    policy: DeliveredPolicy,
    private readonly options: WalkOptions,
    private readonly tolerance: number,
  ) {
    const count = maze.columns * maze.rows;
    this.actionCount = options.actionCount;
    this.delivered = new Float64Array(count * this.actionCount);
    for (let cell = 0; cell < count; cell++) {
      for (let a = 0; a < this.actionCount; a++) this.delivered[cell * this.actionCount + a] = policy(cell, a) ?? options.optimisticValue;
    }
    this.next = new Int32Array(count * this.actionCount).fill(-1);
    this.values = new Float64Array(count);
    this.visited = new Uint8Array(count);
  }

  q(cell: number, action: number): number {
    const pair = cell * this.actionCount + action;
    const next = this.next[pair];
    if (next < 0) return this.delivered[pair];
    return STEP_REWARD + this.options.gamma * (next === this.maze.goal ? 0 : this.values[next]);
  }

  private best(cell: number): number {
    let best = this.q(cell, 0);
    for (let a = 1; a < this.actionCount; a++) {
      const q = this.q(cell, a);
      if (q > best) best = q;
    }
    return best;
  }

  private visit(cell: number): void {
    if (this.visited[cell] === 1) return;
    this.visited[cell] = 1;
    this.cells.push(cell);
    this.values[cell] = this.best(cell);
  }

  /** Record a step; re-solve when the pair is new to this attempt. */
  observe(cell: number, action: number, next: number): void {
    this.visit(cell);
    this.visit(next);
    const pair = cell * this.actionCount + action;
    if (this.next[pair] >= 0) return;
    this.next[pair] = next;
    for (let sweep = 0; sweep < 100_000; sweep++) {
      let change = 0;
      for (const c of this.cells) {
        if (c === this.maze.goal) continue;
        const v = this.best(c);
        const d = Math.abs(v - this.values[c]);
        if (d > change) change = d;
        this.values[c] = v;
      }
      if (change <= this.tolerance) return;
    }
    throw new Error("the attempt's value iteration did not converge");
  }
}

/** One attempt from the start by the delivered policy and the attempt's own observations, to the goal or maxSteps. */
export function walkAttempt(maze: Maze, policy: DeliveredPolicy, options: WalkOptions): WalkedAttempt {
  const values = new AttemptValues(maze, policy, options, 1e-10);
  const states = [maze.start];
  const actions: number[] = [];
  let cell = maze.start;
  while (cell !== maze.goal && actions.length < options.maxSteps) {
    const action = chooseAction((a) => values.q(cell, a), options.actionCount);
    const next = step(maze, cell, action);
    values.observe(cell, action, next);
    actions.push(action);
    states.push(next);
    cell = next;
  }
  return { states, actions, truncated: cell !== maze.goal };
}

/**
 * The best path the delivered policy knows: from the start, at each cell the
 * tried action with the highest Q (no optimism, ties to the lowest action
 * number), until the goal. Undefined when it reaches a cell without a tried
 * action or comes back to a cell it passed (it would loop).
 */
export function bestPath(maze: Maze, policy: DeliveredPolicy, actionCount: number): number[] | undefined {
  const seen = new Set<number>();
  const actions: number[] = [];
  let cell = maze.start;
  while (cell !== maze.goal) {
    if (seen.has(cell)) return undefined;
    seen.add(cell);
    let best = -1;
    let bestQ = -Infinity;
    for (let a = 0; a < actionCount; a++) {
      const v = policy(cell, a);
      if (v !== undefined && v > bestQ) {
        best = a;
        bestQ = v;
      }
    }
    if (best < 0) return undefined;
    actions.push(best);
    cell = step(maze, cell, best);
  }
  return actions;
}
