/**
 * The server's learner for pooled transitions of a continuing task
 * (continuingPolicyIteration.ts, transitionLearner.ts): known values on
 * hand-made MDPs, the MDP controller's rules (untrusted pairs never chosen,
 * a state without data worth staying put), bit-identical answers under
 * other keys, and the same greedy actions as the MDP controller's own
 * solver on random counts.
 */
import { describe, expect, it } from 'vitest';
import { newCounts, solveMdp, type MdpDefinition } from '../../../src/control/mdp/model.js';
import { DEFAULT_REWARD, levelReward } from '../../../src/control/mdp/reward.js';
import { actionCount, stateCount, stateLevel } from '../../../src/control/mdp/space.js';
import { POLICY_SOURCE } from '../../../src/control/mdp/valueIteration.js';
import { ContinuingPolicyIteration, NO_ACTION } from '../../../src/privacy/ppopi/continuingPolicyIteration.js';
import { type KeyedTransition, TransitionLearner } from '../../../src/privacy/ppopi/transitionLearner.js';
import { randomStream } from '../../../src/random/streams.js';

const GAMMA = 0.9;

describe('ContinuingPolicyIteration on hand-made MDPs', () => {
  it('a deterministic two-state cycle: V(A) = 1/(1 − γ²), V(B) = γ/(1 − γ²), and the cycle beats staying', () => {
    // A = 0, B = 1; action x = 0 moves A → B (reward 1) and B → A (reward 0); y = 1 stays at A (reward 0.5).
    const pi = new ContinuingPolicyIteration(2, { gamma: GAMMA });
    pi.addTransition(0, 0, 1, 1);
    pi.addTransition(1, 0, 0, 0);
    pi.addTransition(0, 1, 0, 0.5);
    pi.improve();
    const vA = 1 / (1 - GAMMA * GAMMA);
    expect(pi.value(0)).toBeCloseTo(vA, 8);
    expect(pi.value(1)).toBeCloseTo(GAMMA * vA, 8);
    expect(pi.choice(0)).toBe(0);
    expect(pi.q(0, 1)).toBeCloseTo(0.5 + GAMMA * vA, 8);
    expect(pi.q(0, 1)!).toBeLessThan(pi.q(0, 0)!);
  });

  it('stochastic counts: p = ν/n and the mean reward, solved as the linear system of the chosen policy', () => {
    // A --x--> B three times (reward 1 each), A --x--> A once (reward 0): p = 3/4, 1/4, R = 3/4.
    // B --x--> A twice (rewards 0 and 0.2): R = 0.1.
    const pi = new ContinuingPolicyIteration(1, { gamma: GAMMA });
    for (let i = 0; i < 3; i++) pi.addTransition(0, 0, 1, 1);
    pi.addTransition(0, 0, 0, 0);
    pi.addTransition(1, 0, 0, 0);
    pi.addTransition(1, 0, 0, 0.2);
    pi.improve();
    // V_A = 0.75 + γ(0.25 V_A + 0.75 V_B), V_B = 0.1 + γ V_A.
    const a11 = 1 - GAMMA * 0.25;
    const a12 = -GAMMA * 0.75;
    const a21 = -GAMMA;
    const det = a11 * 1 - a12 * a21;
    const vA = (0.75 * 1 - a12 * 0.1) / det;
    const vB = (a11 * 0.1 - a21 * 0.75) / det;
    expect(pi.value(0)).toBeCloseTo(vA, 8);
    expect(pi.value(1)).toBeCloseTo(vB, 8);
  });

  it('a state never left is worth its mean arrival reward for ever; untrusted pairs are never chosen', () => {
    const pi = new ContinuingPolicyIteration(3, { gamma: GAMMA, minVisits: 2 });
    // A --x--> C twice (C never left, arrivals rewarded 0.3): Q = 0.3 + γ·0.3/(1 − γ) = 0.3/(1 − γ).
    pi.addTransition(0, 0, 2, 0.3);
    pi.addTransition(0, 0, 2, 0.3);
    // A --y--> D once with a huge reward: one visit, below minVisits, so never chosen.
    pi.addTransition(0, 1, 3, 100);
    // B has only an untrusted pair: no action, worth staying (it was never arrived in: 0, read by no pair).
    pi.addTransition(1, 2, 0, 5);
    pi.improve();
    expect(pi.q(0, 0)).toBeCloseTo(0.3 / (1 - GAMMA), 10);
    expect(pi.q(0, 1)).toBeUndefined();
    expect(pi.choice(0)).toBe(0);
    expect(pi.trustedActions(0)).toEqual([0]);
    expect(pi.choice(1)).toBe(NO_ACTION);
    expect(pi.value(2)).toBeCloseTo(0.3 / (1 - GAMMA), 10);
    // A third visit of (A, y) makes it trusted, and its reward wins.
    pi.addTransition(0, 1, 3, 100);
    pi.improve();
    expect(pi.choice(0)).toBe(1);
  });

  it('refuses a non-finite reward, an action out of range and a γ of 1', () => {
    const pi = new ContinuingPolicyIteration(2, { gamma: GAMMA });
    expect(() => pi.addTransition(0, 0, 1, NaN)).toThrow(/finite/);
    expect(() => pi.addTransition(0, 2, 1, 0)).toThrow(/action id/);
    expect(() => new ContinuingPolicyIteration(2, { gamma: 1 })).toThrow(/gamma/);
  });
});

/** A random walk over a small MDP space: records with the reward of the reached level. */
function randomRecords(def: MdpDefinition, n: number, seed: string): { state: number; action: number; next: number; reward: number }[] {
  const random = randomStream(seed, 'learner-test', 'walk');
  const S = stateCount(def.space);
  const A = actionCount(def.actions);
  const out: { state: number; action: number; next: number; reward: number }[] = [];
  let state = random.integerIn(0, S - 1);
  for (let i = 0; i < n; i++) {
    const action = random.integerIn(0, A - 1);
    // Next states concentrated around a drift that depends on the action, so that actions differ.
    const next = Math.min(S - 1, Math.max(0, state + action - 1 + random.integerIn(-2, 2)));
    out.push({ state, action, next, reward: levelReward(def.space.glucose, def.reward, stateLevel(def.space, next)) });
    state = random.uniform() < 0.1 ? random.integerIn(0, S - 1) : next;
  }
  return out;
}

const SMALL_DEFINITION: MdpDefinition = {
  space: { glucose: { minMgDl: 40, maxMgDl: 340, bfcMgDl: 30 }, slots: { names: ['morning', 'evening'], timesOfDayMin: [420, 1140] } },
  actions: { regular: [0, 2, 4], nph: [0, 10], long: [0] },
  reward: DEFAULT_REWARD,
  discount: { gamma: 0.95, per: 'measurement' },
  minVisits: 1,
  tolerance: 1e-11,
};

describe('TransitionLearner', () => {
  const records = randomRecords(SMALL_DEFINITION, 600, 'a');
  const plainKeys = records.map((r): KeyedTransition => ({ state: `s:${r.state}`, action: `a:${r.action}`, next: `s:${r.next}`, reward: r.reward }));
  const options = { gamma: SMALL_DEFINITION.discount.gamma };

  it('gives bit-identical answers under other keys fed in the same order', () => {
    const tag = (k: string) => `tag-${[...k].reverse().join('')}-${k.length}`;
    const plain = new TransitionLearner(6, options);
    const tagged = new TransitionLearner(6, options);
    plain.ingest(plainKeys);
    tagged.ingest(plainKeys.map((t) => ({ ...t, state: tag(t.state), action: tag(t.action), next: tag(t.next) })));
    for (let s = 0; s < stateCount(SMALL_DEFINITION.space); s++) {
      const a = plain.answer(`s:${s}`);
      const b = tagged.answer(tag(`s:${s}`));
      expect(b.map((x) => x.q)).toEqual(a.map((x) => x.q));
      expect(b.map((x) => x.action)).toEqual(a.map((x) => tag(x.action)));
    }
    expect(tagged.summary()).toEqual(plain.summary());
  });

  it('answers best first, nothing for an unknown state, and counts what the server learns', () => {
    const learner = new TransitionLearner(6, options);
    learner.ingest(plainKeys);
    const answer = learner.answer('s:5');
    for (let k = 1; k < answer.length; k++) expect(answer[k].q).toBeLessThanOrEqual(answer[k - 1].q);
    expect(learner.answer('s:never')).toEqual([]);
    const summary = learner.summary();
    expect(summary.transitions).toBe(600);
    expect(summary.actions).toBe(6);
    // Every reward is a level's: at most the 10 levels' values.
    expect(summary.distinctRewards).toBeLessThanOrEqual(10);
  });

  it('refuses a batch with a non-finite reward or too many actions, counting nothing', () => {
    const learner = new TransitionLearner(2, options);
    expect(() => learner.ingest([{ state: 'x', action: 'a', next: 'y', reward: 1 }, { state: 'x', action: 'b', next: 'y', reward: Infinity }])).toThrow(/transitions\[1\]\.reward/);
    expect(() => learner.ingest(['a', 'b', 'c'].map((action) => ({ state: 'x', action, next: 'y', reward: 0 })))).toThrow(/more than the task's 2/);
    expect(learner.summary().transitions).toBe(0);
  });

  it('chooses the greedy actions of the MDP controller\'s solver on the same counts (γ per measurement)', () => {
    const counts = newCounts(SMALL_DEFINITION);
    for (const r of records) counts.add(r.state, r.action, r.next);
    const mdp = solveMdp(SMALL_DEFINITION, counts);
    expect(mdp.converged).toBe(true);
    const learner = new TransitionLearner(actionCount(SMALL_DEFINITION.actions), options);
    learner.ingest(plainKeys);
    const gamma = SMALL_DEFINITION.discount.gamma;
    let learned = 0;
    for (let s = 0; s < stateCount(SMALL_DEFINITION.space); s++) {
      const answer = learner.answer(`s:${s}`);
      if (mdp.policy.source[s] !== POLICY_SOURCE.learned) {
        expect(answer).toEqual([]);
        continue;
      }
      learned++;
      expect(Number(answer[0].action.slice(2))).toBe(mdp.policy.action[s]);
      // The MDP's V(s) = r(s) + γ·max_a Σ p V(s′) is r(s) + γ·max_a Q(s, a) here (rewards on arrival).
      expect(Math.abs(mdp.values[s] - (mdp.model.reward[s] + gamma * answer[0].q))).toBeLessThan(1e-6);
    }
    expect(learned).toBeGreaterThan(10);
  });
});
