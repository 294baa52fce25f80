/**
 * Phase A–B of the Insulin Optimization Policy Algorithm (Shifrin &
 * Siegelmann 2017, §3.2): the statistics ν(s, a, s′), the number of times
 * the patient was in state s, was given action a and was next measured in
 * state s′, and the transition probabilities p(s′|s, a) = ν(s, a, s′) /
 * Σ_s″ ν(s, a, s″) (step B.4) of the pairs that were visited.
 */

/** Sparse counts: most (s, a) pairs are never visited (the paper's Figures 1–2 leave most of the axis blank). */
export class TransitionCounts {
  readonly stateCount: number;
  readonly actionCount: number;
  /** key s·A + a → (s′ → ν). */
  private readonly pairs = new Map<number, Map<number, number>>();
  /** s → its visited actions, ascending (action spaces can be large; visits are sparse). */
  private readonly actionsOf = new Map<number, number[]>();
  private transitions = 0;

  constructor(stateCount: number, actionCount: number) {
    this.stateCount = stateCount;
    this.actionCount = actionCount;
  }

  /** ν(s, a, s′) += n (steps B.2 and D.2). */
  add(state: number, action: number, next: number, n = 1): void {
    if (!(state >= 0 && state < this.stateCount && next >= 0 && next < this.stateCount && Number.isInteger(state) && Number.isInteger(next))) {
      throw new RangeError(`state ${state} → ${next} is outside 0…${this.stateCount - 1}`);
    }
    if (!(action >= 0 && action < this.actionCount && Number.isInteger(action))) throw new RangeError(`action ${action} is outside 0…${this.actionCount - 1}`);
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`a count must be a positive whole number, not ${n}`);
    const key = state * this.actionCount + action;
    let row = this.pairs.get(key);
    if (!row) {
      this.pairs.set(key, (row = new Map()));
      const actions = this.actionsOf.get(state) ?? [];
      let i = actions.length;
      while (i > 0 && actions[i - 1] > action) i--;
      actions.splice(i, 0, action);
      this.actionsOf.set(state, actions);
    }
    row.set(next, (row.get(next) ?? 0) + n);
    this.transitions += n;
  }

  /** Σ ν over all triplets. */
  get total(): number {
    return this.transitions;
  }

  /** Σ_s′ ν(s, a, s′): how often action a was taken in state s. */
  visits(state: number, action: number): number {
    let n = 0;
    for (const c of this.pairs.get(state * this.actionCount + action)?.values() ?? []) n += c;
    return n;
  }

  /** How often state s was left, any action. */
  stateVisits(state: number): number {
    let n = 0;
    for (const a of this.visitedActions(state)) n += this.visits(state, a);
    return n;
  }

  /** p(s′|s, a) of a visited pair, ascending s′; empty when (s, a) was never visited. */
  probabilities(state: number, action: number): [next: number, probability: number][] {
    const row = this.pairs.get(state * this.actionCount + action);
    if (!row) return [];
    const total = [...row.values()].reduce((s, c) => s + c, 0);
    return [...row.entries()].sort((x, y) => x[0] - y[0]).map(([next, c]) => [next, c / total]);
  }

  /** Every counted triplet (s, a, s′, ν), in ascending (s, a, s′) order: deterministic output. */
  entries(): [state: number, action: number, next: number, count: number][] {
    const out: [number, number, number, number][] = [];
    for (const key of [...this.pairs.keys()].sort((x, y) => x - y)) {
      const state = Math.floor(key / this.actionCount);
      const action = key - state * this.actionCount;
      for (const [next, c] of [...this.pairs.get(key)!.entries()].sort((x, y) => x[0] - y[0])) out.push([state, action, next, c]);
    }
    return out;
  }

  /** The visited actions of a state, ascending. */
  visitedActions(state: number): readonly number[] {
    return this.actionsOf.get(state) ?? [];
  }
}
