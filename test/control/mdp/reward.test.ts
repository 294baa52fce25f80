/** The reward of Shifrin & Siegelmann 2017, §2.2, by hand at the boundaries of 𝕃_hyp, and the spaces of §2.1, §2.3. */
import { describe, expect, it } from 'vitest';
import { TransitionCounts } from '../../../src/control/mdp/counts.js';
import { glucoseReward, hypoglycaemiaFine, levelReward, linearReward, rewardProblem } from '../../../src/control/mdp/reward.js';
import {
  actionDoses,
  actionIndex,
  actionIndices,
  actionSpaceProblem,
  glucoseLevel,
  levelCount,
  levelCountProblem,
  nearestAction,
  slotOf,
  stateOf,
} from '../../../src/control/mdp/space.js';

// The paper's example axis: 70–300 mg/dL, BFC = 1 → L = 230 levels; [70, 71) is level 1.
const axis = { minMgDl: 70, maxMgDl: 300, bfcMgDl: 1 };
const reward = { targetMgDl: 110, hypoLevels: 10 };

describe('reward (§2.2)', () => {
  it('linear term: 1 at gl_h, falling by 1/(gl_L − gl_1) per mg/dL', () => {
    expect(levelCount(axis)).toBe(230);
    // gl_1 = 70, gl_L = 299 (the lower bound of level 230): span 229.
    expect(linearReward(axis, reward, 40)).toBe(1); // level 41 = 110 mg/dL
    expect(linearReward(axis, reward, 0)).toBeCloseTo(1 - 40 / 229, 15);
    expect(linearReward(axis, reward, 229)).toBeCloseTo(1 - 189 / 229, 15);
  });

  it('fine: 1 at level L^c (gl = gl_{L^c}), growing below it, 0 from level L^c + 1', () => {
    // L^c = 10: 𝕃_hyp = levels 1…10 = [70, 80); gl_{L^c} = 79.
    expect(hypoglycaemiaFine(axis, reward, 9)).toBe(1); // level 10, 79 mg/dL
    expect(hypoglycaemiaFine(axis, reward, 10)).toBe(0); // level 11, 80 mg/dL
    expect(hypoglycaemiaFine(axis, reward, 0)).toBeCloseTo(1 - (70 - 79) / 79, 15); // level 1: 1 + 9/79
    expect(levelReward(axis, reward, 9)).toBeCloseTo(1 - 31 / 229 - 1, 15);
    expect(levelReward(axis, reward, 10)).toBeCloseTo(1 - 30 / 229, 15);
    // A reading below gl_min is in level 1; one at gl_max in level L.
    expect(glucoseReward(axis, reward, 40)).toBe(levelReward(axis, reward, 0));
    expect(glucoseReward(axis, reward, 300)).toBe(levelReward(axis, reward, 229));
    expect(glucoseReward(axis, reward, 79.99)).toBe(levelReward(axis, reward, 9));
  });

  it('negative in 𝕃_hyp, positive at gl_h: undesirable levels are punished (abstract)', () => {
    for (let k = 0; k < 10; k++) expect(levelReward(axis, reward, k)).toBeLessThan(0);
    expect(levelReward(axis, reward, 40)).toBe(1);
  });

  it('parameters that do not fit the axis are refused', () => {
    expect(rewardProblem(axis, { targetMgDl: 110, hypoLevels: 0 })?.field).toBe('hypoLevels');
    expect(rewardProblem(axis, { targetMgDl: 110, hypoLevels: 230 })?.field).toBe('hypoLevels');
    expect(rewardProblem(axis, reward)).toBeUndefined();
    // The fine divides by gl_{L^c}: an axis from 0 with L^c = 1 would divide by 0.
    expect(rewardProblem({ minMgDl: 0, maxMgDl: 300, bfcMgDl: 30 }, { targetMgDl: 110, hypoLevels: 1 })?.reason).toMatch(/must be above 0/);
    expect(rewardProblem({ minMgDl: 0, maxMgDl: 300, bfcMgDl: 30 }, { targetMgDl: 110, hypoLevels: 2 })).toBeUndefined();
  });
});

describe('spaces (§2.1, §2.3)', () => {
  it('levels and slots', () => {
    expect(glucoseLevel(axis, 70)).toBe(0);
    expect(glucoseLevel(axis, 70.999)).toBe(0);
    expect(glucoseLevel(axis, 71)).toBe(1);
    expect(levelCountProblem({ minMgDl: 70, maxMgDl: 300, bfcMgDl: 40 })).toMatch(/whole number/);
    expect(levelCountProblem({ minMgDl: 70, maxMgDl: 310, bfcMgDl: 40 })).toBeUndefined();
    const slots = { names: ['morning', 'noon', 'afternoon', 'evening', 'night'], timesOfDayMin: [420, 720, 960, 1140, 1320] };
    expect(slotOf(slots, 420)).toBe(0);
    expect(slotOf(slots, 5)).toBe(4); // 00:05: 125 min after 22:00, 415 min before 07:00
    expect(slotOf(slots, 600)).toBe(1);
    expect(stateOf({ glucose: axis, slots }, 75, 1320)).toBe(4 * 230 + 5);
  });

  it('actions: triplets, index round trip, nearest, 0 first', () => {
    const actions = { regular: [0, 2, 4], nph: [0, 10], long: [0, 5, 10] };
    for (let a = 0; a < 18; a++) {
      const i = actionIndices(actions, a);
      expect(actionIndex(actions, i.regular, i.nph, i.long)).toBe(a);
    }
    expect(actionDoses(actions, nearestAction(actions, { regular: 3.1, nph: 12, long: 0 }))).toEqual({ regular: 4, nph: 10, long: 0 });
    expect(actionDoses(actions, nearestAction(actions, { regular: 1, nph: 0, long: 0 }))).toEqual({ regular: 0, nph: 0, long: 0 });
    expect(actionSpaceProblem({ regular: [2, 4], nph: [0], long: [0] })).toEqual({ field: 'regular', reason: expect.stringMatching(/first dose must be 0/) });
    expect(actionSpaceProblem({ regular: [0, 4, 4], nph: [0], long: [0] })?.field).toBe('regular[2]');
    expect(actionSpaceProblem(actions)).toBeUndefined();
  });
});

describe('counts (phase B)', () => {
  it('are exact, and every visited pair sums to 1', () => {
    const counts = new TransitionCounts(4, 3);
    const data: [number, number, number][] = [
      [0, 1, 2], [0, 1, 2], [0, 1, 3], [0, 2, 0], [3, 0, 3], [3, 0, 1], [3, 0, 1], [3, 0, 1],
    ];
    for (const [s, a, n] of data) counts.add(s, a, n);
    expect(counts.total).toBe(8);
    expect(counts.visits(0, 1)).toBe(3);
    expect(counts.probabilities(0, 1)).toEqual([[2, 2 / 3], [3, 1 / 3]]);
    expect(counts.probabilities(3, 0)).toEqual([[1, 0.75], [3, 0.25]]);
    expect(counts.probabilities(1, 0)).toEqual([]);
    expect(counts.visitedActions(0)).toEqual([1, 2]);
    expect(counts.entries()).toEqual([[0, 1, 2, 2], [0, 1, 3, 1], [0, 2, 0, 1], [3, 0, 1, 3], [3, 0, 3, 1]]);
    for (const s of [0, 3]) {
      for (const a of counts.visitedActions(s)) expect(counts.probabilities(s, a).reduce((t, [, p]) => t + p, 0)).toBe(1);
    }
    expect(() => counts.add(4, 0, 0)).toThrow(RangeError);
    expect(() => counts.add(0, 3, 0)).toThrow(RangeError);
  });
});
