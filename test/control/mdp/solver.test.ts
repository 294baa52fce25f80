/**
 * Phase C against the closed form: value iteration reaches the exact value
 * of its own greedy policy (the linear solve of the policy's Bellman
 * equation), and that policy is the best of all policies, enumerated, on
 * MDPs small enough to enumerate. Random models, seeded.
 */
import { describe, expect, it } from 'vitest';
import { TransitionCounts } from '../../../src/control/mdp/counts.js';
import { solveMdp, stateRewards, unknownStateValues, type MdpDefinition, newCounts } from '../../../src/control/mdp/model.js';
import { evaluatePolicy } from '../../../src/control/mdp/policyEvaluation.js';
import { discountedTotal, transitionDiscount } from '../../../src/control/mdp/reward.js';
import { actionCount, stateCount, stateSlot } from '../../../src/control/mdp/space.js';
import { compileMdp, greedyPolicy, POLICY_SOURCE, valueIteration } from '../../../src/control/mdp/valueIteration.js';
import { randomStream } from '../../../src/random/streams.js';

function definition(levels: number, slots: number, doses: number, per: 'measurement' | 'day', gamma: number): MdpDefinition {
  return {
    space: {
      glucose: { minMgDl: 60, maxMgDl: 60 + 40 * levels, bfcMgDl: 40 },
      slots: { names: Array.from({ length: slots }, (_, i) => `slot${i}`), timesOfDayMin: Array.from({ length: slots }, (_, i) => 420 + i * 180) },
    },
    actions: { regular: Array.from({ length: doses }, (_, i) => 2 * i), nph: [0], long: [0] },
    reward: { targetMgDl: 120, hypoLevels: 1 },
    discount: { gamma, per },
    minVisits: 1,
    tolerance: 1e-12,
  };
}

/** Counts in which every (s, a) is visited (`coverage` = 1) or only some, with 1–4 successors each. */
function randomCounts(def: MdpDefinition, seed: number, coverage = 1): TransitionCounts {
  const rng = randomStream(seed, 'test', 'mdp');
  const counts = newCounts(def);
  const S = stateCount(def.space);
  const A = actionCount(def.actions);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      if (rng.uniform() > coverage) continue;
      const successors = 1 + Math.floor(rng.uniform() * 4);
      for (let k = 0; k < successors; k++) counts.add(s, a, Math.floor(rng.uniform() * S), 1 + Math.floor(rng.uniform() * 5));
    }
  }
  return counts;
}

function allPolicies(S: number, A: number): Int32Array[] {
  const out: Int32Array[] = [];
  const p = new Int32Array(S);
  const visit = (s: number) => {
    if (s === S) return void out.push(p.slice());
    for (let a = 0; a < A; a++) {
      p[s] = a;
      visit(s + 1);
    }
  };
  visit(0);
  return out;
}

describe('value iteration', () => {
  for (const per of ['measurement', 'day'] as const) {
    for (const seed of [1, 2, 3, 4, 5]) {
      it(`reaches the exact value of its greedy policy to 1e-9 (${per}, seed ${seed})`, () => {
        const def = definition(6, 3, 4, per, 0.9);
        const solution = solveMdp(def, randomCounts(def, seed, 0.7));
        expect(solution.converged).toBe(true);
        const exact = evaluatePolicy(solution.model, solution.policy.action);
        for (let s = 0; s < exact.length; s++) expect(Math.abs(solution.values[s] - exact[s])).toBeLessThan(1e-9);
      });
    }

    it(`its greedy policy is the best of all ${per === 'day' ? '3^6' : '3^6'} policies, state by state (${per})`, () => {
      for (const seed of [11, 12, 13]) {
        const def = definition(3, 2, 3, per, 0.8);
        const solution = solveMdp(def, randomCounts(def, seed));
        const S = stateCount(def.space);
        let best = new Float64Array(S).fill(-Infinity);
        for (const policy of allPolicies(S, 3)) {
          const v = evaluatePolicy(solution.model, policy);
          best = best.map((b, s) => Math.max(b, v[s]));
        }
        for (let s = 0; s < S; s++) expect(Math.abs(solution.values[s] - best[s])).toBeLessThan(1e-9);
        // …and the greedy policy attains the maximum in every state at once.
        const greedy = evaluatePolicy(solution.model, solution.policy.action);
        for (let s = 0; s < S; s++) expect(Math.abs(greedy[s] - best[s])).toBeLessThan(1e-9);
      }
    });
  }

  it('plain value iteration (no evaluation sweeps) reaches the same values, in more full sweeps', () => {
    for (const per of ['measurement', 'day'] as const) {
      const def = definition(6, 3, 4, per, 0.95);
      const counts = randomCounts(def, 21, 0.8);
      const model = compileMdp(counts, {
        reward: stateRewards(def),
        unknownValue: unknownStateValues(def),
        discount: (s, n) => transitionDiscount(def.discount, stateSlot(def.space, s), stateSlot(def.space, n)),
      });
      const plain = valueIteration(model, { gamma: 0.95, tolerance: 1e-11, evaluationSweeps: 0 });
      const modified = valueIteration(model, { gamma: 0.95, tolerance: 1e-11 });
      expect(plain.converged && modified.converged).toBe(true);
      expect(modified.sweeps).toBeLessThan(plain.sweeps);
      for (let s = 0; s < plain.values.length; s++) expect(Math.abs(plain.values[s] - modified.values[s])).toBeLessThan(1e-9);
    }
  });

  it('agrees with a hand-solved two-state chain', () => {
    // One action; s0 → s1 → s0 with certainty, per measurement, γ = 0.5:
    // V0 = r0 + 0.5 V1, V1 = r1 + 0.5 V0 ⇒ V0 = (r0 + 0.5 r1)/0.75.
    const def = definition(2, 1, 1, 'measurement', 0.5);
    const counts = newCounts(def);
    counts.add(0, 0, 1);
    counts.add(1, 0, 0);
    const [r0, r1] = stateRewards(def);
    const solution = solveMdp(def, counts);
    expect(solution.values[0]).toBeCloseTo((r0 + 0.5 * r1) / 0.75, 12);
    expect(solution.values[1]).toBeCloseTo((r1 + 0.5 * r0) / 0.75, 12);
  });

  it('the error bound holds: stopping at 1e-3 leaves V within 1e-3 of V*', () => {
    const def = definition(6, 3, 4, 'day', 0.95);
    const counts = randomCounts(def, 7);
    const exact = solveMdp(def, counts).values;
    const rough = solveMdp({ ...def, tolerance: 1e-3 }, counts);
    expect(rough.errorBound).toBeLessThanOrEqual(1e-3);
    for (let s = 0; s < exact.length; s++) expect(Math.abs(rough.values[s] - exact[s])).toBeLessThanOrEqual(1e-3);
    expect(rough.sweeps).toBeLessThan(solveMdp(def, counts).sweeps);
  });

  it('per-day discount: V is the expected equation-(2) total of a deterministic cycle', () => {
    // 1 level, 3 slots, certain transitions slot0 → slot1 → slot2 → slot0 (next day).
    const def = definition(2, 3, 1, 'day', 0.9);
    const counts = newCounts(def);
    const L = 2;
    for (let slot = 0; slot < 3; slot++) counts.add(slot * L, 0, ((slot + 1) % 3) * L);
    const solution = solveMdp(def, counts);
    const r = stateRewards(def)[0];
    const rewards = Array.from({ length: 3000 }, () => r);
    const slots = Array.from({ length: 3000 }, (_, i) => i % 3);
    expect(solution.values[0]).toBeCloseTo(discountedTotal(def.discount, rewards, slots), 8);
    expect(transitionDiscount(def.discount, 2, 0)).toBe(0.9);
    expect(transitionDiscount(def.discount, 0, 1)).toBe(1);
  });
});

describe('non-finite values', () => {
  it('a NaN reward is reported as not converged, wherever the sweep meets it', () => {
    // Three states, each its own successor: the NaN of state 2 reaches no other state, and state 2 is swept first.
    for (const nanState of [0, 1, 2]) {
      const def = definition(3, 1, 1, 'measurement', 0.9);
      const counts = newCounts(def);
      for (let s = 0; s < 3; s++) counts.add(s, 0, s);
      const reward = stateRewards(def);
      reward[nanState] = NaN;
      const model = compileMdp(counts, { reward, unknownValue: unknownStateValues(def), discount: () => 0.9 });
      const vi = valueIteration(model, { gamma: 0.9, tolerance: 1e-9 });
      expect(vi.converged, `NaN in state ${nanState}`).toBe(false);
      expect(vi.errorBound).toBeNaN();
    }
  });
});

describe('unvisited pairs', () => {
  it('are never chosen; a state without data falls back to the physician (−1) and keeps its stay-put value', () => {
    const def = definition(4, 2, 3, 'measurement', 0.9);
    const counts = newCounts(def);
    counts.add(0, 2, 1);
    counts.add(1, 0, 1);
    counts.add(1, 1, 2, 3);
    const solution = solveMdp(def, counts);
    expect(Array.from(solution.policy.action.slice(0, 3))).toEqual([2, solution.policy.action[1], -1]);
    expect([0, 1]).toContain(solution.policy.action[1]);
    expect(solution.policy.source[2]).toBe(POLICY_SOURCE.physician);
    expect(solution.policy.source[0]).toBe(POLICY_SOURCE.learned);
    expect(solution.values[2]).toBe(unknownStateValues(def)[2]);
    expect(solution.policy.visits[0]).toBe(1);
  });

  it('minVisits drops pairs seen too rarely', () => {
    const def = { ...definition(4, 2, 3, 'measurement', 0.9), minVisits: 2 };
    const counts = newCounts(def);
    counts.add(0, 1, 1);
    counts.add(0, 2, 1, 2);
    const solution = solveMdp(def, counts);
    expect(solution.policy.action[0]).toBe(2);
    expect(solution.model.pairStart[1] - solution.model.pairStart[0]).toBe(1);
  });

  it('ties go to the preferred (π0) action, else to the least insulin', () => {
    const def = definition(3, 1, 3, 'measurement', 0.9);
    const counts = newCounts(def);
    for (const a of [0, 1, 2]) counts.add(0, a, 1);
    counts.add(1, 0, 1);
    expect(solveMdp(def, counts).policy.action[0]).toBe(0);
    expect(solveMdp(def, counts, Int32Array.from([2, -1, -1])).policy.action[0]).toBe(2);
  });

  it('greedyPolicy and valueIteration work on a compiled model directly, warm-started', () => {
    const def = definition(6, 3, 4, 'measurement', 0.9);
    const counts = randomCounts(def, 3);
    const cold = solveMdp(def, counts);
    const model = compileMdp(counts, {
      reward: stateRewards(def),
      unknownValue: unknownStateValues(def),
      discount: (s, n) => transitionDiscount(def.discount, stateSlot(def.space, s), stateSlot(def.space, n)),
    });
    const warm = valueIteration(model, { gamma: 0.9, tolerance: 1e-12, initial: cold.values });
    expect(warm.sweeps).toBeLessThan(5);
    expect(Array.from(greedyPolicy(model, warm.values).action)).toEqual(Array.from(cold.policy.action));
  });
});
