/**
 * Phase C of the Insulin Optimization Policy Algorithm (Shifrin &
 * Siegelmann 2017, §3.2): value iteration on the learned transition
 * probabilities until V is within a stated tolerance of the fixed point of
 * the Bellman equation (6), V(s) = r(s) + max_a Σ_s′ γ p(s′|s,a) V(s′), then
 * the greedy policy.
 *
 * Only visited pairs (at least `minVisits` visits) take part: an action
 * never tried in a state has no estimate, so it is never chosen there. A
 * state with no such pair keeps the value of staying at its own glucose
 * level (a neutral guess where nothing is known), and the policy there is
 * the physician's regimen π0.
 */
import type { TransitionCounts } from './counts.js';

/** The learned model in compressed rows: typed arrays, so an iteration allocates nothing. */
export interface CompiledMdp {
  readonly stateCount: number;
  readonly actionCount: number;
  /** r(s). */
  readonly reward: Float64Array;
  /** Value of a state without data (see `unknownStateValues`). */
  readonly unknownValue: Float64Array;
  /** Pairs of state s are pairStart[s] … pairStart[s+1]−1. */
  readonly pairStart: Int32Array;
  readonly pairAction: Int32Array;
  readonly pairVisits: Int32Array;
  /** Successors of pair k are nextStart[k] … nextStart[k+1]−1. */
  readonly nextStart: Int32Array;
  readonly nextState: Int32Array;
  readonly nextProbability: Float64Array;
  /** γ_ss′ · p(s′|s,a): the discounted weight of each successor. */
  readonly nextWeight: Float64Array;
}

export interface CompileOptions {
  /** r(s) per state. */
  readonly reward: Float64Array;
  /** The discount of a transition s → s′ (src/control/mdp/reward.ts, transitionDiscount). */
  readonly discount: (state: number, next: number) => number;
  /** V of a state without a visited pair. */
  readonly unknownValue: Float64Array;
  /** Pairs visited fewer times are treated as unvisited (default 1: every visit counts). */
  readonly minVisits?: number;
}

/** Compile counts into the rows value iteration walks (step B.4: p = ν / Σν). */
export function compileMdp(counts: TransitionCounts, options: CompileOptions): CompiledMdp {
  const S = counts.stateCount;
  const minVisits = options.minVisits ?? 1;
  const pairStart = new Int32Array(S + 1);
  const pairAction: number[] = [];
  const pairVisits: number[] = [];
  const nextStart: number[] = [0];
  const nextState: number[] = [];
  const nextProbability: number[] = [];
  const nextWeight: number[] = [];
  for (let s = 0; s < S; s++) {
    pairStart[s] = pairAction.length;
    for (const a of counts.visitedActions(s)) {
      const visits = counts.visits(s, a);
      if (visits < minVisits) continue;
      pairAction.push(a);
      pairVisits.push(visits);
      for (const [next, p] of counts.probabilities(s, a)) {
        nextState.push(next);
        nextProbability.push(p);
        nextWeight.push(p * options.discount(s, next));
      }
      nextStart.push(nextState.length);
    }
  }
  pairStart[S] = pairAction.length;
  return {
    stateCount: S,
    actionCount: counts.actionCount,
    reward: options.reward,
    unknownValue: options.unknownValue,
    pairStart,
    pairAction: Int32Array.from(pairAction),
    pairVisits: Int32Array.from(pairVisits),
    nextStart: Int32Array.from(nextStart),
    nextState: Int32Array.from(nextState),
    nextProbability: Float64Array.from(nextProbability),
    nextWeight: Float64Array.from(nextWeight),
  };
}

export interface ValueIterationOptions {
  /** Stop when ‖V − V*‖∞ ≤ tolerance is guaranteed (default 1e-6). */
  readonly tolerance?: number;
  /** The contraction factor per sweep: γ (default 0.95 if not given; give the model's γ). */
  readonly gamma: number;
  /** Give up after this many sweeps (default 100 000): `converged` is then false. */
  readonly maxSweeps?: number;
  /** Start from these values (phase D: the previous V), else from r. */
  readonly initial?: Float64Array;
  /**
   * Sweeps over the greedy actions only between two full sweeps (default
   * 20; 0 is plain value iteration). They do not change the fixed point or
   * the stopping test, only how many full sweeps it takes.
   */
  readonly evaluationSweeps?: number;
}

export interface ValueIterationResult {
  readonly values: Float64Array;
  /** Full sweeps (Bellman backups over every visited pair). */
  readonly sweeps: number;
  /** ‖V_k − V_{k−1}‖∞ of the last full sweep. */
  readonly residual: number;
  /** γ/(1−γ) · residual: the bound on ‖V − V*‖∞. */
  readonly errorBound: number;
  readonly converged: boolean;
}

/** max_a Σ w V over the pairs of s, or NaN when s has none. */
function bestQ(m: CompiledMdp, values: Float64Array, s: number): number {
  let best = NaN;
  for (let k = m.pairStart[s]; k < m.pairStart[s + 1]; k++) {
    let q = 0;
    for (let e = m.nextStart[k]; e < m.nextStart[k + 1]; e++) q += m.nextWeight[e] * values[m.nextState[e]];
    if (!(q <= best)) best = q;
  }
  return best;
}

/**
 * Gauss–Seidel value iteration, sweeping states from the last slot of the
 * day to the first (state index = slot·L + level, descending). In-place
 * updates are a γ-contraction in the sup norm like the plain (Jacobi) form
 * — with the per-day discount too, because an undiscounted step always
 * goes to a later slot of the same day, already updated in the sweep — so
 * ‖V_k − V*‖∞ ≤ γ/(1−γ) ‖V_k − V_{k−1}‖∞ (Bertsekas 1995, vol. 2, §1.3),
 * and the loop stops when that bound is within the tolerance. Between full
 * sweeps, `evaluationSweeps` sweeps back up the current greedy action only
 * (modified policy iteration): on the bench's 230-level × 5-slot × 64-action
 * model, 9 full sweeps instead of 168.
 */
export function valueIteration(m: CompiledMdp, options: ValueIterationOptions): ValueIterationResult {
  const tolerance = options.tolerance ?? 1e-6;
  const gamma = options.gamma;
  const maxSweeps = options.maxSweeps ?? 100_000;
  const S = m.stateCount;
  const values = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    values[s] = m.pairStart[s] === m.pairStart[s + 1] ? m.unknownValue[s] : (options.initial?.[s] ?? m.reward[s]);
  }
  const factor = gamma / (1 - gamma);
  const evaluationSweeps = options.evaluationSweeps ?? 20;
  // Locals: the hot loops read typed arrays only, allocating nothing.
  const { reward, pairStart, nextStart, nextState, nextWeight } = m;
  /** The pair of the greedy action of each state in the last full sweep (−1: no data). */
  const greedy = new Int32Array(S).fill(-1);
  let residual = Infinity;
  let sweeps = 0;
  while (sweeps < maxSweeps) {
    // A full sweep: the Bellman backup over every visited pair.
    sweeps++;
    residual = 0;
    for (let s = S - 1; s >= 0; s--) {
      const firstPair = pairStart[s];
      const endPair = pairStart[s + 1];
      if (firstPair === endPair) continue;
      let best = -Infinity;
      for (let k = firstPair; k < endPair; k++) {
        let q = 0;
        const end = nextStart[k + 1];
        for (let e = nextStart[k]; e < end; e++) q += nextWeight[e] * values[nextState[e]];
        if (q > best) {
          best = q;
          greedy[s] = k;
        }
      }
      const v = reward[s] + best;
      const change = v > values[s] ? v - values[s] : values[s] - v;
      // A NaN change makes the residual NaN, and nothing replaces it (change > NaN is false).
      if (change > residual || change !== change) residual = change;
      values[s] = v;
    }
    // A NaN or infinite value would never pass the test: stop, not converged.
    if (factor * residual <= tolerance || !Number.isFinite(residual) || sweeps === maxSweeps) break;
    // Then cheap sweeps that back up the greedy action only (modified policy
    // iteration, Puterman 1994, §6.5): most of the way to the next policy's
    // value at 1/|A| of the cost. The stopping test above, on a full sweep,
    // bounds ‖V − V*‖ whatever these did.
    for (let i = 0; i < evaluationSweeps; i++) {
      for (let s = S - 1; s >= 0; s--) {
        const k = greedy[s];
        if (k < 0) continue;
        let q = 0;
        const end = nextStart[k + 1];
        for (let e = nextStart[k]; e < end; e++) q += nextWeight[e] * values[nextState[e]];
        values[s] = reward[s] + q;
      }
    }
  }
  const converged = factor * residual <= tolerance;
  return { values, sweeps, residual, errorBound: Number.isFinite(residual) ? factor * residual : NaN, converged };
}

/** Where a state's action comes from. */
export const POLICY_SOURCE = { none: 0, learned: 1, physician: 2 } as const;

export interface GreedyPolicy {
  /** The action per state; −1 where the physician's regimen π0 decides (no data). */
  readonly action: Int32Array;
  /** POLICY_SOURCE per state: learned from data, or π0 for want of it. */
  readonly source: Uint8Array;
  /** Visits of the chosen (s, a) pair; 0 for π0 states. */
  readonly visits: Int32Array;
}

/**
 * Step C.2: the action of highest Σ γ p V in each state with data. Ties
 * (within 1e-12 relative) go to `preferred[s]` (π0's usual action, if it is
 * among them), else to the lowest action index (least regular insulin).
 */
export function greedyPolicy(m: CompiledMdp, values: Float64Array, preferred?: Int32Array): GreedyPolicy {
  const S = m.stateCount;
  const action = new Int32Array(S).fill(-1);
  const source = new Uint8Array(S).fill(POLICY_SOURCE.physician);
  const visits = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    const best = bestQ(m, values, s);
    if (Number.isNaN(best)) continue;
    const slack = 1e-12 * Math.max(1, Math.abs(best));
    let chosen = -1;
    let chosenVisits = 0;
    for (let k = m.pairStart[s]; k < m.pairStart[s + 1]; k++) {
      let q = 0;
      for (let e = m.nextStart[k]; e < m.nextStart[k + 1]; e++) q += m.nextWeight[e] * values[m.nextState[e]];
      if (q < best - slack) continue;
      const a = m.pairAction[k];
      if (chosen < 0 || a === preferred?.[s]) {
        chosen = a;
        chosenVisits = m.pairVisits[k];
      }
    }
    action[s] = chosen;
    source[s] = POLICY_SOURCE.learned;
    visits[s] = chosenVisits;
  }
  return { action, source, visits };
}
