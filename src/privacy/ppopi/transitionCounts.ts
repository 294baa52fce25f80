/**
 * The empirical model both PPOPI learners keep over dense integer ids
 * (Chen & Ye 2025, §3.4: the episodic attempts of policyIteration.ts;
 * §5.6: the continuing task with rewards of continuingPolicyIteration.ts):
 * the counts ν(s, a, s′) of the transitions seen, sparse, and each state's
 * value v(s), with the Jacobi sweeps of eq. (9) that evaluate a policy on
 * them and the margin rule by which eq. (10) improves it.
 *
 * Determinism (the learners' promise of bit-identical values under plain
 * keys and tags rests on it): the pairs of a state are kept in ascending
 * action id order and the next states of a pair in ascending id order, so
 * every sum over next states runs in ascending id order, whatever order the
 * transitions were first seen in; the floating-point operations here are
 * functions of the ids and the counts only.
 */

/**
 * One tried (state, action) pair: its visits n(s, a) and where they led,
 * next states in ascending id order with their counts ν(s, a, s′). A learner
 * may keep more per pair (the continuing one: the sum of its rewards).
 */
export interface CountedPair {
  readonly action: number;
  total: number;
  readonly next: number[];
  readonly counts: number[];
}

/** Σ_{s′} ν(s, a, s′)/n(s, a) · v(s′) of a tried pair, summed in ascending next id order. */
export function expectedNextValue(pair: CountedPair, v: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < pair.next.length; k++) sum += (pair.counts[k] / pair.total) * v[pair.next[k]];
  return sum;
}

/**
 * One Jacobi update of eq. (9) (Chen & Ye 2025) for state `state` following
 * `pair`, from the old values, with the state's own transition moved to the
 * left side: v_s = (r + γ Σ_{s′≠s} p v_{s′}) / (1 − γ p_ss). The same fixed
 * point as v_s = r + γ Σ_{s′} p v_{s′}, but a state that stays put (bumps
 * into a wall) is solved in one sweep instead of log(tolerance)/log(γ).
 * `reward` is r of the pair (its mean reward).
 */
function selfSolvedValue(pair: CountedPair, state: number, old: Float64Array, reward: number, gamma: number): number {
  let sum = 0;
  let self = 0;
  for (let k = 0; k < pair.next.length; k++) {
    const p = pair.counts[k] / pair.total;
    if (pair.next[k] === state) self = p;
    else sum += p * old[pair.next[k]];
  }
  return (reward + gamma * sum) / (1 - gamma * self);
}

/**
 * The switch rule of eq. (10) (Chen & Ye 2025) with a margin: the option
 * kept so far, `kept` worth `keptQ`, gives way only to a pair whose Q value
 * (`q`) is better by more than `margin`, each switch raising the bar;
 * pairs in ascending action id order. A margin above twice the
 * evaluation's error keeps noise from making the policy cycle. The action
 * chosen (`kept` if none is better by the margin).
 */
export function improvedChoice<P extends CountedPair>(pairs: readonly P[], kept: number, keptQ: number, margin: number, q: (pair: P) => number): number {
  let best = kept;
  let bestQ = keptQ;
  for (const pair of pairs) {
    if (pair.action === best) continue;
    const value = q(pair);
    if (value > bestQ + margin) {
      best = pair.action;
      bestQ = value;
    }
  }
  return best;
}

/**
 * The policy an evaluation follows, per state s: the pair it takes,
 * `pair[s]`, with that pair's reward `reward[s]`; or, when `pair[s]` is
 * undefined (a terminal state, an untried action, a state without data),
 * the value `held[s]` the state keeps.
 */
export interface FollowedPolicy<P extends CountedPair> {
  readonly pair: readonly (P | undefined)[];
  readonly reward: readonly number[];
  readonly held: readonly number[];
}

/** States 0 … stateCount − 1: per state its tried pairs in ascending action id order, and its value. */
export class TransitionCounts<P extends CountedPair> {
  private readonly pairs: P[][] = [];
  private current = new Float64Array(16);
  private scratch = new Float64Array(16);

  /**
   * @param actionCount the task's number of actions (public).
   * @param newPair a pair of `action` never tried (no visits, no next state).
   */
  constructor(
    readonly actionCount: number,
    private readonly newPair: (action: number) => P,
  ) {
    if (!(Number.isInteger(actionCount) && actionCount >= 1)) throw new RangeError(`actionCount must be an integer ≥ 1 (got ${actionCount})`);
  }

  get stateCount(): number {
    return this.pairs.length;
  }

  /** An action id must be an integer below the task's number of actions. */
  checkAction(action: number): void {
    if (!(Number.isInteger(action) && action >= 0 && action < this.actionCount)) throw new RangeError(`action id must be an integer in [0, ${this.actionCount}) (got ${action})`);
  }

  /** The values v(s) (index by state id; the array is replaced as states are added and by each sweep). */
  get values(): Float64Array {
    return this.current;
  }

  /**
   * Make states 0 … id exist: each new state s has no pair and the value
   * `added(s)` returns (where the learner adds its own entries for s). The
   * value arrays double when full.
   */
  ensureState(id: number, added: (state: number) => number): void {
    if (!(Number.isInteger(id) && id >= 0)) throw new RangeError(`state id must be an integer ≥ 0 (got ${id})`);
    while (this.pairs.length <= id) {
      const s = this.pairs.length;
      const value = added(s);
      this.pairs.push([]);
      if (s >= this.current.length) {
        const grown = new Float64Array(this.current.length * 2);
        grown.set(this.current);
        this.current = grown;
        this.scratch = new Float64Array(grown.length);
      }
      this.current[s] = value;
    }
  }

  /** Count one transition, ν(s, a, s′) += 1 and n(s, a) += 1, of states that exist; its pair. */
  add(state: number, action: number, next: number): P {
    const list = this.pairs[state];
    let i = 0;
    while (i < list.length && list[i].action < action) i++;
    let pair = list[i];
    if (pair === undefined || pair.action !== action) {
      pair = this.newPair(action);
      list.splice(i, 0, pair);
    }
    let j = 0;
    while (j < pair.next.length && pair.next[j] < next) j++;
    if (pair.next[j] === next) pair.counts[j]++;
    else {
      pair.next.splice(j, 0, next);
      pair.counts.splice(j, 0, 1);
    }
    pair.total++;
    return pair;
  }

  /** The tried pairs of a state, ascending action ids (none for a state that does not exist). */
  pairsOf(state: number): readonly P[] {
    return this.pairs[state] ?? [];
  }

  /**
   * Evaluation of `policy` by Jacobi sweeps of eq. (9) (Chen & Ye 2025),
   * each new value from the old ones (selfSolvedValue), until no value
   * moves by more than `tolerance`, at most `maxSweeps`. The sweeps made,
   * and whether the last one moved no value by more than the tolerance.
   */
  evaluate(policy: FollowedPolicy<P>, gamma: number, tolerance: number, maxSweeps: number): { sweeps: number; converged: boolean } {
    const n = this.stateCount;
    const { pair: chosen, reward, held } = policy;
    for (let sweep = 1; sweep <= maxSweeps; sweep++) {
      const old = this.current;
      const next = this.scratch;
      let change = 0;
      for (let s = 0; s < n; s++) {
        const pair = chosen[s];
        const v = pair === undefined ? held[s] : selfSolvedValue(pair, s, old, reward[s], gamma);
        next[s] = v;
        const d = Math.abs(v - old[s]);
        if (d > change) change = d;
      }
      this.current = next;
      this.scratch = old;
      if (change <= tolerance) return { sweeps: sweep, converged: true };
    }
    return { sweeps: maxSweeps, converged: false };
  }
}
