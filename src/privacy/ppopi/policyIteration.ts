/**
 * Policy iteration over dense integer ids (Chen & Ye 2025, §3.4, eqs. 9–10,
 * which the server runs over equality tags, §5.5): an empirical model of
 * counted transitions ν(s, a, s′), evaluated by eq. (9),
 * v(j+1) = r + γ P_π v(j), and improved greedily by eq. (10), until the
 * policy is stable.
 *
 * States and actions are ids 0, 1, 2, … given by the caller (the attempt
 * server numbers keys in first-seen order). Every floating-point operation
 * here is a function of the ids and the counts only — loops run in
 * ascending id order, sums over next states in ascending id order, ties go
 * to the lowest id — so two instances fed the same transitions in the same
 * order compute bit-identical values, whatever the keys behind the ids
 * (plain values or encryption tags).
 *
 * Choices the paper leaves open, made here:
 *
 * - Reward −1 per step, value 0 at a terminal state (the goal): the
 *   punishment of an attempt is its number of steps (Chen & Ye 2025, §7).
 * - Exploration by optimism (R-max, Brafman & Tennenholtz 2002): an action
 *   not yet tried in a state has the value `optimisticValue` (default −1:
 *   one step, then the goal — the most any action can be worth, so the
 *   estimate never falls below the truth), and a state never departed from
 *   (and not terminal) is worth the same, its best action being untried.
 *   The greedy policy then heads for the goal or for the nearest pair
 *   still untried, whichever looks shorter; when it takes no untried pair,
 *   the path it follows is a shortest one.
 * - Discount γ < 1 (default 0.99). Eq. (9) without a discount (γ = 1) only
 *   converges for a policy that reaches the goal; one that bumps into a
 *   wall for ever has an infinite cost, and such policies do arise between
 *   rounds (a state whose last untried action has just been tried, judged
 *   with last round's values, can prefer bumping into a wall to a longer
 *   way out). With γ < 1 every evaluation converges and policy iteration
 *   ends in finitely many improvements from any policy (Puterman 1994,
 *   §6.4). Decisions do not suffer: in a deterministic maze a path of k
 *   steps is worth −(1 − γ^k)/(1 − γ), decreasing in k, so the shortest
 *   path is still the best, and with γ = 0.99 a step more or less changes
 *   the value by γ^k ≥ 0.13 for every k < 200 (every path in a 20 × 10
 *   maze), far above the evaluation's error.
 * - Evaluation sweeps are Jacobi's (each new value from the old ones, as
 *   eq. 9 is written) with the state's own transition moved to the left
 *   side, v_s = (r + γ Σ_{s′≠s} P v_{s′}) / (1 − γ P_ss): the same fixed
 *   point, but bumping into a wall is solved in one sweep instead of
 *   log(tolerance)/log(γ) (about 2 700).
 * - At most `sweepsPerStep` sweeps before each improvement (modified
 *   policy iteration, Puterman 1994, §6.5): a policy that walks between two
 *   cells for ever (chosen with last round's values) is dropped after a few
 *   dozen sweeps instead of being evaluated to the tolerance (about 2 700
 *   sweeps at γ = 0.99). The policy is final only when an evaluation has
 *   converged and the improvement then changes nothing, so the result is
 *   that of policy iteration.
 * - A policy changes action only for a Q value better by more than
 *   `improvementMargin`, which exceeds twice the evaluation's error bound
 *   γ·tolerance/(1 − γ): noise cannot make the policy cycle.
 */
import { type CountedPair, expectedNextValue, improvedChoice, TransitionCounts } from './transitionCounts.js';

export interface LearningOptions {
  /** Discount γ, 0 < γ < 1. */
  readonly gamma: number;
  /** Q of an untried action, and value of a state never departed from (not terminal). */
  readonly optimisticValue: number;
  /** An evaluation stops when no value moved by more than this in a sweep. */
  readonly tolerance: number;
  /** An improvement switches action only for a Q value better by more than this. */
  readonly improvementMargin: number;
  /** Evaluation sweeps before each improvement, at most. */
  readonly sweepsPerStep: number;
  /**
   * Improvement steps allowed in one call of `improve` (a safeguard). At the
   * limit `improve` returns with the policy its last step left (the next call
   * goes on from there) rather than throwing: the attempt server has counted
   * the records by then, and an upload is all or nothing.
   */
  readonly maxImprovementSteps: number;
}

export const DEFAULT_LEARNING: LearningOptions = {
  gamma: 0.99,
  optimisticValue: -1,
  tolerance: 1e-10,
  improvementMargin: 1e-7,
  sweepsPerStep: 64,
  maxImprovementSteps: 100_000,
};

/** Reward of every step: its punishment is one step (Chen & Ye 2025, §7). */
export const STEP_REWARD = -1;

/** Options with defaults filled in, checked. */
export function learningOptions(options: Partial<LearningOptions> = {}): LearningOptions {
  const o = { ...DEFAULT_LEARNING, ...options };
  if (!(o.gamma > 0 && o.gamma < 1)) throw new RangeError(`gamma must be in (0, 1) (got ${o.gamma}): with γ = 1 a policy that bumps into a wall for ever has no finite value`);
  if (!Number.isFinite(o.optimisticValue)) throw new RangeError(`optimisticValue must be finite (got ${o.optimisticValue})`);
  if (!(o.tolerance > 0)) throw new RangeError(`tolerance must be > 0 (got ${o.tolerance})`);
  const bound = (o.gamma * o.tolerance) / (1 - o.gamma);
  if (!(o.improvementMargin > 2 * bound)) {
    throw new RangeError(`improvementMargin (${o.improvementMargin}) must exceed twice the evaluation error bound γ·tolerance/(1 − γ) = ${bound}`);
  }
  if (!(Number.isInteger(o.sweepsPerStep) && o.sweepsPerStep >= 1)) throw new RangeError(`sweepsPerStep must be an integer ≥ 1 (got ${o.sweepsPerStep})`);
  if (!(Number.isInteger(o.maxImprovementSteps) && o.maxImprovementSteps >= 1)) {
    throw new RangeError(`maxImprovementSteps must be an integer ≥ 1 (got ${o.maxImprovementSteps})`);
  }
  return o;
}

/** The policy's choice at a state whose best option is an action not yet tried there. */
export const UNTRIED = -1;

export interface ImproveStats {
  /** Evaluation sweeps (eq. 9) summed over the improvement steps. */
  readonly evaluationSweeps: number;
  /** Evaluate-then-improve steps (eq. 10) until the policy was stable and its evaluation converged. */
  readonly improvementSteps: number;
  /** Whether it settled (stable policy, converged evaluation) before LearningOptions.maxImprovementSteps. */
  readonly settled: boolean;
}

export class IdPolicyIteration {
  readonly options: LearningOptions;
  /** The task's number of actions (public): a state with fewer tried actions still has an untried one. */
  readonly actionCount: number;
  private readonly terminal: boolean[] = [];
  /** Per state, its tried pairs (ascending action ids) and its value. */
  private readonly model: TransitionCounts<CountedPair>;
  private readonly policy: number[] = [];

  constructor(actionCount: number, options: Partial<LearningOptions> = {}) {
    this.model = new TransitionCounts(actionCount, (action) => ({ action, total: 0, next: [], counts: [] }));
    this.actionCount = actionCount;
    this.options = learningOptions(options);
  }

  get stateCount(): number {
    return this.model.stateCount;
  }

  /** Make states 0..id exist (new ones: not terminal, never departed, worth the optimistic value). */
  ensureState(id: number): void {
    this.model.ensureState(id, () => {
      this.terminal.push(false);
      this.policy.push(UNTRIED);
      return this.options.optimisticValue;
    });
  }

  /** A state where an attempt ended at the goal: value 0, never acted in. */
  markTerminal(state: number): void {
    this.ensureState(state);
    this.terminal[state] = true;
    this.model.values[state] = 0;
  }

  isTerminal(state: number): boolean {
    return this.terminal[state] === true;
  }

  /** Count one transition ν(s, a, s′). */
  addTransition(state: number, action: number, next: number): void {
    this.model.checkAction(action);
    this.ensureState(Math.max(state, next));
    this.model.add(state, action, next);
  }

  /** Tried action ids of a state, ascending. */
  triedActions(state: number): number[] {
    return this.model.pairsOf(state).map((p) => p.action);
  }

  /** Current value estimate of a state. */
  value(state: number): number {
    if (state < 0 || state >= this.stateCount) throw new RangeError(`no state ${state}`);
    return this.model.values[state];
  }

  /** The policy's choice at a state: an action id, or UNTRIED. */
  choice(state: number): number {
    return this.policy[state];
  }

  /** Q(s, a) = r + γ Σ_{s′} ν(s, a, s′)/n(s, a) · v(s′) of a tried pair; undefined if untried. */
  q(state: number, action: number): number | undefined {
    const pair = this.model.pairsOf(state).find((p) => p.action === action);
    return pair === undefined ? undefined : this.pairQ(pair);
  }

  /** Q of a tried pair under the current values. */
  private pairQ(pair: CountedPair): number {
    return STEP_REWARD + this.options.gamma * expectedNextValue(pair, this.model.values);
  }

  private hasUntried(state: number): boolean {
    return this.model.pairsOf(state).length < this.actionCount;
  }

  /**
   * Policy iteration from the current values and policy (warm start):
   * evaluate (at most sweepsPerStep sweeps), improve, until an evaluation
   * has converged and no state changes its action.
   */
  improve(): ImproveStats {
    this.repairPolicy();
    let evaluationSweeps = 0;
    for (let improvementSteps = 1; improvementSteps <= this.options.maxImprovementSteps; improvementSteps++) {
      const { sweeps, converged } = this.evaluate();
      evaluationSweeps += sweeps;
      if (!this.improveOnce() && converged) return { evaluationSweeps, improvementSteps, settled: true };
    }
    // Not settled within the limit: see LearningOptions.maxImprovementSteps.
    return { evaluationSweeps, improvementSteps: this.options.maxImprovementSteps, settled: false };
  }

  /**
   * A state whose choice is UNTRIED but whose every action has now been
   * tried takes its greedy action under the current values (first best id).
   */
  private repairPolicy(): void {
    for (let s = 0; s < this.stateCount; s++) {
      if (this.terminal[s] || this.policy[s] !== UNTRIED || this.hasUntried(s)) continue;
      let best = UNTRIED;
      let bestQ = -Infinity;
      for (const pair of this.model.pairsOf(s)) {
        const q = this.pairQ(pair);
        if (q > bestQ) {
          bestQ = q;
          best = pair.action;
        }
      }
      this.policy[s] = best;
    }
  }

  /** Eq. (9) sweeps until no value moves by more than the tolerance, at most sweepsPerStep. */
  private evaluate(): { sweeps: number; converged: boolean } {
    const { gamma, optimisticValue, tolerance, sweepsPerStep } = this.options;
    // The pair each state follows (undefined: terminal, worth 0, or an untried action, worth the optimistic value).
    const pair = this.terminal.map((terminal, s) =>
      terminal || this.policy[s] === UNTRIED ? undefined : this.model.pairsOf(s).find((p) => p.action === this.policy[s])!,
    );
    const reward = pair.map(() => STEP_REWARD);
    const held = this.terminal.map((terminal) => (terminal ? 0 : optimisticValue));
    return this.model.evaluate({ pair, reward, held }, gamma, tolerance, sweepsPerStep);
  }

  /** Eq. (10): each state's greedy option, kept unless another is better by the margin; true if any changed. */
  private improveOnce(): boolean {
    const { optimisticValue, improvementMargin } = this.options;
    let changed = false;
    for (let s = 0; s < this.stateCount; s++) {
      if (this.terminal[s]) continue;
      const current = this.policy[s];
      let best = current;
      let bestQ = current === UNTRIED ? optimisticValue : this.pairQ(this.model.pairsOf(s).find((p) => p.action === current)!);
      if (current !== UNTRIED && this.hasUntried(s) && optimisticValue > bestQ + improvementMargin) {
        best = UNTRIED;
        bestQ = optimisticValue;
      }
      best = improvedChoice(this.model.pairsOf(s), best, bestQ, improvementMargin, (pair) => this.pairQ(pair));
      if (best !== current) {
        this.policy[s] = best;
        changed = true;
      }
    }
    return changed;
  }
}
