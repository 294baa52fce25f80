/**
 * Discounted policy iteration over dense integer ids for a CONTINUING task
 * with rewards: the server's learner when PPOPI (Chen & Ye 2025, §5.6)
 * pools the transitions of an insulin-regimen MDP (Shifrin & Siegelmann
 * 2017, §2–3) instead of the Grid World's attempts. Records are
 * (state, action, next state, reward); the model is the empirical one,
 *
 *   p(s′|s, a) = ν(s, a, s′) / n(s, a),   R(s, a) = (Σ rewards of (s, a)) / n(s, a),
 *
 * and the policy maximises the discounted sum of rewards with one γ per
 * transition (Shifrin & Siegelmann 2017, §2.5 equation 1, "per
 * measurement"):
 *
 *   Q(s, a) = R(s, a) + γ Σ_{s′} p(s′|s, a) V(s′),   V(s) = Q(s, π(s)).
 *
 * Evaluation sweeps (Chen & Ye 2025, eq. 9) and greedy improvement (eq. 10)
 * alternate until no state changes its action.
 *
 * The rules of the MDP controller's solver (its phase C), so that the two
 * learners choose alike on the same data:
 *
 * - A pair with fewer than `minVisits` visits is untrusted: never chosen,
 *   never listed in an answer (an action never tried in a state has no
 *   estimate, so it is never chosen there).
 * - A state without a trusted pair ("no data") is worth staying where it
 *   is for ever: V(s) = r̄_in(s)/(1 − γ), r̄_in(s) the mean reward of the
 *   records that arrived in s. When the reward of a record is that of the
 *   state it reached (the MDP's r(s′)), this is exactly the MDP
 *   controller's value of a state without data, r(s)/(1 − γ), and
 *   U(s) = r(s) + γ V(s) satisfies the MDP's Bellman equation (6), so the
 *   greedy actions are the MDP's. A state never arrived in is no pair's
 *   successor; its value is never read.
 *
 * Determinism: states and actions are ids 0, 1, 2, … given by the caller
 * (the keyed learner numbers keys in first-seen order). Every floating-point
 * operation depends only on the ids, the counts and the rewards — loops in
 * ascending id order, sums over next states in ascending id order, ties to
 * the lowest id — so two instances fed the same records in the same order
 * compute bit-identical values whatever the keys behind the ids (plain
 * values, or the equality tags of encrypted records).
 */
import { type CountedPair, expectedNextValue, improvedChoice, TransitionCounts } from './transitionCounts.js';

export interface ContinuingLearningOptions {
  /** Discount per transition, 0 < γ < 1. */
  readonly gamma: number;
  /** Visits a (state, action) pair needs to be trusted (≥ 1). */
  readonly minVisits: number;
  /** An evaluation stops when no value moved by more than this in a sweep. */
  readonly tolerance: number;
  /** An improvement switches action only for a Q value better by more than this (default 4·γ·tolerance/(1 − γ)). */
  readonly improvementMargin: number;
  /** Sweeps allowed in one evaluation (a safeguard; γ < 1 always converges). */
  readonly maxSweeps: number;
  /** Improvement steps allowed in one call of `improve` (a safeguard). */
  readonly maxImprovementSteps: number;
}

/** Options with defaults filled in, checked. γ has no default: it belongs to the task. */
export function continuingLearningOptions(options: Partial<ContinuingLearningOptions> & { readonly gamma: number }): ContinuingLearningOptions {
  const gamma = options.gamma;
  if (!(gamma > 0 && gamma < 1)) throw new RangeError(`gamma must be in (0, 1) (got ${gamma})`);
  const tolerance = options.tolerance ?? 1e-10;
  if (!(tolerance > 0)) throw new RangeError(`tolerance must be > 0 (got ${tolerance})`);
  // The evaluation's error is at most γ·tolerance/(1 − γ) (Puterman 1994, §6.3): a margin above twice that keeps noise from flipping actions.
  const bound = (gamma * tolerance) / (1 - gamma);
  const improvementMargin = options.improvementMargin ?? 4 * bound;
  if (!(improvementMargin > 2 * bound)) throw new RangeError(`improvementMargin (${improvementMargin}) must exceed twice the evaluation error bound γ·tolerance/(1 − γ) = ${bound}`);
  const minVisits = options.minVisits ?? 1;
  if (!(Number.isInteger(minVisits) && minVisits >= 1)) throw new RangeError(`minVisits must be an integer ≥ 1 (got ${minVisits})`);
  const maxSweeps = options.maxSweeps ?? 10_000_000;
  const maxImprovementSteps = options.maxImprovementSteps ?? 100_000;
  if (!(Number.isInteger(maxSweeps) && maxSweeps >= 1)) throw new RangeError(`maxSweeps must be an integer ≥ 1 (got ${maxSweeps})`);
  if (!(Number.isInteger(maxImprovementSteps) && maxImprovementSteps >= 1)) throw new RangeError(`maxImprovementSteps must be an integer ≥ 1 (got ${maxImprovementSteps})`);
  return { gamma, minVisits, tolerance, improvementMargin, maxSweeps, maxImprovementSteps };
}

/** No action: a state without a trusted pair. */
export const NO_ACTION = -1;

/** One (state, action) pair: its visits and where they led (CountedPair), and the sum of their rewards. */
interface Pair extends CountedPair {
  rewardSum: number;
}

export interface ContinuingImproveStats {
  /** Evaluation sweeps summed over the improvement steps. */
  readonly evaluationSweeps: number;
  /** Evaluate-then-improve steps until the policy was stable. */
  readonly improvementSteps: number;
}

export class ContinuingPolicyIteration {
  readonly options: ContinuingLearningOptions;
  readonly actionCount: number;
  /** Per state, its pairs (ascending action ids) and its value. */
  private readonly model: TransitionCounts<Pair>;
  /** Per state, the rewards of the records that arrived in it: sum and count. */
  private readonly arrivalSum: number[] = [];
  private readonly arrivals: number[] = [];
  private readonly policy: number[] = [];

  constructor(actionCount: number, options: Partial<ContinuingLearningOptions> & { readonly gamma: number }) {
    this.model = new TransitionCounts(actionCount, (action) => ({ action, total: 0, next: [], counts: [], rewardSum: 0 }));
    this.actionCount = actionCount;
    this.options = continuingLearningOptions(options);
  }

  get stateCount(): number {
    return this.model.stateCount;
  }

  /** Make states 0 … id exist. */
  ensureState(id: number): void {
    this.model.ensureState(id, () => {
      this.arrivalSum.push(0);
      this.arrivals.push(0);
      this.policy.push(NO_ACTION);
      return 0;
    });
  }

  /** Count one record: ν(s, a, s′) += 1, its reward into R(s, a) and into s′'s arrivals. */
  addTransition(state: number, action: number, next: number, reward: number): void {
    this.model.checkAction(action);
    if (!Number.isFinite(reward)) throw new RangeError(`a reward must be a finite number (got ${reward})`);
    this.ensureState(Math.max(state, next));
    const pair = this.model.add(state, action, next);
    pair.rewardSum += reward;
    this.arrivalSum[next] += reward;
    this.arrivals[next]++;
  }

  /** Trusted action ids of a state (at least `minVisits` visits), ascending. */
  trustedActions(state: number): number[] {
    return this.trusted(state).map((p) => p.action);
  }

  /** Visits of a pair (0 if never tried). */
  visits(state: number, action: number): number {
    return this.model.pairsOf(state).find((p) => p.action === action)?.total ?? 0;
  }

  /** Records that arrived in a state. */
  arrivalCount(state: number): number {
    return this.arrivals[state] ?? 0;
  }

  /** The policy's action at a state, or NO_ACTION (no trusted pair). */
  choice(state: number): number {
    return this.policy[state] ?? NO_ACTION;
  }

  /** Current value of a state. */
  value(state: number): number {
    if (!(state >= 0 && state < this.stateCount)) throw new RangeError(`no state ${state}`);
    return this.model.values[state];
  }

  /** Q(s, a) of a trusted pair under the current values; undefined otherwise. */
  q(state: number, action: number): number | undefined {
    const pair = this.trusted(state).find((p) => p.action === action);
    return pair === undefined ? undefined : this.pairQ(pair);
  }

  private trusted(state: number): Pair[] {
    return this.model.pairsOf(state).filter((p) => p.total >= this.options.minVisits);
  }

  /** Q(s, a) = R(s, a) + γ Σ_{s′} p(s′|s, a) V(s′) under the current values. */
  private pairQ(pair: Pair): number {
    return pair.rewardSum / pair.total + this.options.gamma * expectedNextValue(pair, this.model.values);
  }

  /** V of a state without a trusted pair: its mean arrival reward for ever (0 if never arrived in: then no pair leads to it). */
  private stayValue(state: number): number {
    return this.arrivals[state] === 0 ? 0 : this.arrivalSum[state] / this.arrivals[state] / (1 - this.options.gamma);
  }

  /**
   * Policy iteration from the current values and policy (warm start):
   * a state that has gained its first trusted pair takes its greedy action
   * under the current values, then evaluate and improve until stable.
   */
  improve(): ContinuingImproveStats {
    const trusted = Array.from({ length: this.stateCount }, (_, s) => this.trusted(s));
    for (let s = 0; s < this.stateCount; s++) {
      if (trusted[s].length === 0) {
        this.policy[s] = NO_ACTION;
        this.model.values[s] = this.stayValue(s);
      } else if (!trusted[s].some((p) => p.action === this.policy[s])) {
        this.policy[s] = this.greedy(trusted[s]).action;
      }
    }
    let evaluationSweeps = 0;
    for (let improvementSteps = 1; improvementSteps <= this.options.maxImprovementSteps; improvementSteps++) {
      evaluationSweeps += this.evaluate(trusted);
      if (!this.improveOnce(trusted)) return { evaluationSweeps, improvementSteps };
    }
    throw new Error(`policy iteration did not settle in ${this.options.maxImprovementSteps} improvement steps`);
  }

  /** The first pair of highest Q under the current values (ascending action ids: ties to the lowest). */
  private greedy(pairs: readonly Pair[]): Pair {
    let best = pairs[0];
    let bestQ = this.pairQ(best);
    for (let k = 1; k < pairs.length; k++) {
      const q = this.pairQ(pairs[k]);
      if (q > bestQ) {
        best = pairs[k];
        bestQ = q;
      }
    }
    return best;
  }

  /**
   * Jacobi sweeps of eq. (9) until no value moves by more than the
   * tolerance, the state's own transition moved to the left side,
   * V_s = (R + γ Σ_{s′≠s} p V_{s′}) / (1 − γ p_ss): the same fixed point,
   * and a state that stays put is solved in one sweep (transitionCounts.ts).
   * A state without a trusted pair is held at its stay value, r̄_in(s)/(1 − γ).
   */
  private evaluate(trusted: readonly (readonly Pair[])[]): number {
    const { gamma, tolerance, maxSweeps } = this.options;
    const pair = this.policy.map((a, s) => (a === NO_ACTION ? undefined : trusted[s].find((p) => p.action === a)!));
    const reward = pair.map((p) => (p === undefined ? 0 : p.rewardSum / p.total));
    const held = pair.map((p, s) => (p === undefined ? this.stayValue(s) : 0));
    const { sweeps, converged } = this.model.evaluate({ pair, reward, held }, gamma, tolerance, maxSweeps);
    if (!converged) throw new Error(`policy evaluation did not converge in ${maxSweeps} sweeps`);
    return sweeps;
  }

  /** Eq. (10): each state's greedy action, kept unless another is better by the margin; true if any changed. */
  private improveOnce(trusted: readonly (readonly Pair[])[]): boolean {
    const margin = this.options.improvementMargin;
    let changed = false;
    for (let s = 0; s < this.stateCount; s++) {
      const current = this.policy[s];
      if (current === NO_ACTION) continue;
      const best = improvedChoice(trusted[s], current, this.pairQ(trusted[s].find((p) => p.action === current)!), margin, (pair) => this.pairQ(pair));
      if (best !== current) {
        this.policy[s] = best;
        changed = true;
      }
    }
    return changed;
  }
}
