/**
 * An insulin-regimen MDP as Shifrin & Siegelmann 2017 define it (§2–3): the
 * spaces, the reward, the discount and how much data a pair needs, and the
 * solution of phase C from the counts of phases B and D.
 */
import { TransitionCounts } from './counts.js';
import { type Discount, levelRewards, type RewardParameters, transitionDiscount } from './reward.js';
import { type ActionSpace, actionCount, type StateSpace, stateCount, stateSlot } from './space.js';
import { compileMdp, type CompiledMdp, type GreedyPolicy, greedyPolicy, valueIteration } from './valueIteration.js';

export interface MdpDefinition {
  readonly space: StateSpace;
  readonly actions: ActionSpace;
  readonly reward: RewardParameters;
  readonly discount: Discount;
  /** A (state, action) pair needs this many visits to be trusted; fewer count as unvisited. */
  readonly minVisits: number;
  /** Value iteration stops when ‖V − V*‖∞ ≤ this. */
  readonly tolerance: number;
}

/** Phase A: ν(s, a, s′) = 0 for every triplet. */
export function newCounts(def: MdpDefinition): TransitionCounts {
  return new TransitionCounts(stateCount(def.space), actionCount(def.actions));
}

/** r(s) of every state: the reward of its level (the slot does not matter, §2.2). */
export function stateRewards(def: MdpDefinition): Float64Array {
  const byLevel = levelRewards(def.space.glucose, def.reward);
  const L = byLevel.length;
  const out = new Float64Array(stateCount(def.space));
  for (let s = 0; s < out.length; s++) out[s] = byLevel[s % L];
  return out;
}

/**
 * The value of a state without data: that of glucose staying at its level
 * at every later measurement — r/(1−γ) per measurement; per day, the rest of
 * today's readings undiscounted, then T readings a day: (T − τ)·r + γ·T·r/(1−γ)
 * for slot τ (0-based).
 */
export function unknownStateValues(def: MdpDefinition): Float64Array {
  const r = stateRewards(def);
  const T = def.space.slots.timesOfDayMin.length;
  const { gamma, per } = def.discount;
  return r.map((reward, s) => (per === 'measurement' ? reward / (1 - gamma) : (T - stateSlot(def.space, s)) * reward + (gamma * T * reward) / (1 - gamma)));
}

export interface MdpSolution {
  readonly model: CompiledMdp;
  readonly values: Float64Array;
  readonly policy: GreedyPolicy;
  readonly sweeps: number;
  readonly errorBound: number;
  readonly converged: boolean;
}

/** Phase C with what depends on the definition only (rewards, unknown-state values) computed once: for a controller that re-solves every M transitions. */
export function mdpSolver(def: MdpDefinition): (counts: TransitionCounts, preferred?: Int32Array, initial?: Float64Array) => MdpSolution {
  const reward = stateRewards(def);
  const unknownValue = unknownStateValues(def);
  const discount = (s: number, next: number) => transitionDiscount(def.discount, stateSlot(def.space, s), stateSlot(def.space, next));
  return (counts, preferred, initial) => {
    const model = compileMdp(counts, { reward, unknownValue, minVisits: def.minVisits, discount });
    const vi = valueIteration(model, { gamma: def.discount.gamma, tolerance: def.tolerance, initial });
    return { model, values: vi.values, policy: greedyPolicy(model, vi.values, preferred), sweeps: vi.sweeps, errorBound: vi.errorBound, converged: vi.converged };
  };
}

/** Phase C: compile the counts, value-iterate to the tolerance, take the greedy policy. */
export function solveMdp(def: MdpDefinition, counts: TransitionCounts, preferred?: Int32Array, initial?: Float64Array): MdpSolution {
  return mdpSolver(def)(counts, preferred, initial);
}
