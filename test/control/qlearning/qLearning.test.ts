/**
 * Fixed-point Q-learning (src/control/qlearning/qLearning.ts), the
 * reference of OIDPR (optimized insulin dosage via privacy-preserving
 * reinforcement learning for diabetics), §III-A / §IV: the batch semantics
 * on a hand-computed example, τ = 1 against classic Q-learning in floats,
 * the deviation bound (against simulated secure truncations off by ±1),
 * greedy ties, ε-greedy frequencies and the ε schedule.
 */
import { describe, expect, it } from 'vitest';
import { decodeFixed, truncate } from '../../../src/control/qlearning/fixedPoint.js';
import {
  batchesOf,
  batchStep,
  boundStep,
  epsilonGreedy,
  epsilonSchedule,
  type ExperienceRecord,
  greedyAction,
  greedyPolicy,
  type QLearningParameters,
  trainBatches,
  updateOnline,
} from '../../../src/control/qlearning/qLearning.js';
import { randomStream } from '../../../src/random/streams.js';

/**
 * Two states, two actions, f = 4 fraction bits (1 ulp = 1/16), so every
 * number below is a small integer: α = 0.5 → α̂ = 8, γ = 0.75 → γ̂ = 12.
 */
const SMALL: QLearningParameters = { states: 2, actions: 2, alpha: 0.5, gamma: 0.75, fractionBits: 4 };
/** Q(0,0) = 1, Q(0,1) = −0.5, Q(1,0) = 0.25, Q(1,1) = 0: in ulps 16, −8, 4, 0. */
const INITIAL = BigInt64Array.from([16n, -8n, 4n, 0n]);
const RECORDS: ExperienceRecord[] = [
  { state: 0, action: 0, nextState: 1, reward: 1 },
  { state: 0, action: 1, nextState: 0, reward: -0.5 },
  { state: 0, action: 0, nextState: 0, reward: -0.9375 },
  { state: 1, action: 1, nextState: 0, reward: 0.5 },
];

describe('trainBatches: the batch semantics', () => {
  it('a hand-computed example: τ = 3, one round, two steps', () => {
    // Batch 1 = records 1–3, all reading the initial table [16, −8 | 4, 0]:
    //  k1 (0,0)→1, r̂ = 16: m = max(4, 0) = 4; g = ⌊12·4/16⌋ = ⌊3⌋ = 3; td = 16 + 3 − 16 = 3; u = ⌊8·3/16⌋ = ⌊1.5⌋ = 1
    //  k2 (0,1)→0, r̂ = −8: m = max(16, −8) = 16; g = ⌊12·16/16⌋ = 12; td = −8 + 12 − (−8) = 12; u = ⌊8·12/16⌋ = 6
    //  k3 (0,0)→0, r̂ = −15: m = 16; g = 12; td = −15 + 12 − 16 = −19; u = ⌊8·(−19)/16⌋ = ⌊−9.5⌋ = −10 (towards −∞)
    //  then Q(0,0) = 16 + 1 − 10 = 7 (duplicates add up), Q(0,1) = −8 + 6 = −2: [7, −2 | 4, 0].
    // Batch 2 = record 4:
    //  k4 (1,1)→0, r̂ = 8: m = max(7, −2) = 7; g = ⌊12·7/16⌋ = ⌊5.25⌋ = 5; td = 8 + 5 − 0 = 13; u = ⌊8·13/16⌋ = ⌊6.5⌋ = 6
    //  Q(1,1) = 6: [7, −2 | 4, 6].
    const result = trainBatches(SMALL, RECORDS, { batchSize: 3, rounds: 1, initial: INITIAL });
    expect([...result.q]).toEqual([7n, -2n, 4n, 6n]);
    expect([...result.q].map((v) => decodeFixed(v, 4))).toEqual([0.4375, -0.125, 0.25, 0.375]);
    expect(result.steps).toBe(2);
    // The initial table is not changed.
    expect([...INITIAL]).toEqual([16n, -8n, 4n, 0n]);
    // Bound, α̃ = 0.5, γ̃ = 0.75, every e = 0 at first:
    //  step 1: (0,0), c = 2: |1 − 2·0.5|·0 + 2·[0.5·(0.75·0 + 2) + 2] = 6; (0,1), c = 1: 0.5·2 + 2 = 3
    //  step 2: (1,1), c = 1, e_m = max(e(0,0), e(0,1)) = 6: |1 − 0.5|·0 + 0.5·(0.75·6 + 2) + 2 = 5.25
    expect([...result.bound]).toEqual([6, 3, 0, 5.25]);
  });

  it('a batch differs from the same records one by one: within a batch no record sees another\'s update', () => {
    // τ = 1: k3 sees Q(0,0) = 17 after k1 and Q(0,1) = −2 after k2 …
    // k1: u = 1 → Q(0,0) = 17. k2: m = 17, g = ⌊12·17/16⌋ = 12, td = 12, u = 6 → Q(0,1) = −2.
    // k3: m = max(17, −2) = 17, g = 12, td = −15 + 12 − 17 = −20, u = −10 → Q(0,0) = 7.
    // k4: m = 7, g = 5, td = 13, u = 6 → Q(1,1) = 6.
    const online = trainBatches(SMALL, RECORDS, { batchSize: 1, rounds: 1, initial: INITIAL });
    expect([...online.q]).toEqual([7n, -2n, 4n, 6n]);
    expect(online.steps).toBe(4);
    // … while the whole sequence as one batch reads only the initial table.
    // k4 then sees m = max(16, −8) = 16: g = 12, td = 8 + 12 − 0 = 20, u = 10.
    const one = trainBatches(SMALL, RECORDS, { batchSize: 4, rounds: 1, initial: INITIAL });
    expect([...one.q]).toEqual([7n, -2n, 4n, 10n]);
  });

  it('repeats the whole sequence of batches `rounds` times, the last batch shorter', () => {
    const twice = trainBatches(SMALL, RECORDS, { batchSize: 3, rounds: 2, initial: INITIAL });
    const once = trainBatches(SMALL, RECORDS, { batchSize: 3, rounds: 1, initial: INITIAL });
    const again = trainBatches(SMALL, RECORDS, { batchSize: 3, rounds: 1, initial: once.q });
    expect(twice.steps).toBe(4);
    expect([...twice.q]).toEqual([...again.q]);
    expect(batchesOf(RECORDS, 3).map((b) => b.length)).toEqual([3, 1]);
    expect(batchesOf([], 3)).toEqual([]);
    expect(trainBatches(SMALL, RECORDS, { batchSize: 3, rounds: 0 }).steps).toBe(0);
  });

  it('starts from zeros by default; updateOnline is one step of τ = 1 on a copy', () => {
    const zero = trainBatches(SMALL, [RECORDS[0]!], { batchSize: 10, rounds: 1 });
    // m = 0, g = 0, td = 16, u = ⌊8·16/16⌋ = 8.
    expect([...zero.q]).toEqual([8n, 0n, 0n, 0n]);
    const q = new BigInt64Array(4);
    const next = updateOnline(SMALL, q, RECORDS[0]!);
    expect([...next]).toEqual([8n, 0n, 0n, 0n]);
    expect([...q]).toEqual([0n, 0n, 0n, 0n]);
    expect([...batchStep(SMALL, q, [RECORDS[0]!])]).toEqual([...next]);
  });

  it('refuses records outside the table, non-finite rewards and bad parameters', () => {
    expect(() => trainBatches(SMALL, [{ state: 2, action: 0, nextState: 0, reward: 0 }], { batchSize: 1, rounds: 1 })).toThrow(/record 0: state 2/);
    expect(() => trainBatches(SMALL, [{ state: 0, action: 0, nextState: 0, reward: 0 }, { state: 0, action: 2, nextState: 0, reward: 0 }], { batchSize: 1, rounds: 1 })).toThrow(/record 1: action 2/);
    expect(() => trainBatches(SMALL, [{ state: 0, action: 0, nextState: 0, reward: NaN }], { batchSize: 1, rounds: 1 })).toThrow(/reward NaN/);
    expect(() => trainBatches(SMALL, RECORDS, { batchSize: 0, rounds: 1 })).toThrow(/batch size/);
    expect(() => trainBatches(SMALL, RECORDS, { batchSize: 1, rounds: 1, initial: new BigInt64Array(3) })).toThrow(/3 entries/);
    expect(() => trainBatches({ ...SMALL, gamma: 1 }, RECORDS, { batchSize: 1, rounds: 1 })).toThrow(/gamma/);
    expect(() => trainBatches({ ...SMALL, alpha: 0 }, RECORDS, { batchSize: 1, rounds: 1 })).toThrow(/alpha/);
  });
});

/** Random records over δ states and σ actions, rewards in [−2, 1] as the MDP reward gives them. */
function randomRecords(n: number, states: number, actions: number, seed: string): ExperienceRecord[] {
  const rng = randomStream(seed, 'q-learning-test', 'records');
  return Array.from({ length: n }, () => ({
    state: rng.integerIn(0, states - 1),
    action: rng.integerIn(0, actions - 1),
    nextState: rng.integerIn(0, states - 1),
    reward: rng.uniformIn(-2, 1),
  }));
}

const PAPER: QLearningParameters = { states: 10, actions: 10, alpha: 0.1, gamma: 0.7, fractionBits: 16 };

describe('τ = 1 is classic online Q-learning', () => {
  it('follows Q(s,a) += α[r + γ max Q(s′,·) − Q(s,a)] in floats within a few ulps per step', () => {
    const records = randomRecords(2000, PAPER.states, PAPER.actions, 'classic');
    const A = PAPER.actions;
    const float = new Float64Array(PAPER.states * A);
    let q: BigInt64Array = new BigInt64Array(PAPER.states * A);
    const ulp = 2 ** -PAPER.fractionBits;
    let worst = 0;
    let previous = 0;
    records.forEach((r, k) => {
      let m = -Infinity;
      for (let a = 0; a < A; a++) m = Math.max(m, float[r.nextState * A + a]!);
      float[r.state * A + r.action]! += PAPER.alpha * (r.reward + PAPER.gamma * m - float[r.state * A + r.action]!);
      q = updateOnline(PAPER, q, r);
      let err = 0;
      for (let i = 0; i < float.length; i++) err = Math.max(err, Math.abs(decodeFixed(q[i]!, 16) - float[i]!) / ulp);
      // Each step adds at most a few ulps (two truncations; α and γ rounded to the grid: α̂/2^16 = 0.10000610…).
      expect(err - previous, `step ${k}`).toBeLessThanOrEqual(3);
      previous = err;
      worst = Math.max(worst, err);
    });
    // And 1 − α damps what came before: over 2000 steps the error stays near 10 ulps (11.5 here).
    expect(worst).toBeLessThan(20);
    // And trainBatches with τ = 1 is exactly the sequence of online steps.
    expect([...trainBatches(PAPER, records, { batchSize: 1, rounds: 1 }).q]).toEqual([...q]);
  });
});

describe('the deviation bound', () => {
  it('is 0 where nothing was updated, and grows only on updated entries', () => {
    expect([...trainBatches(PAPER, [], { batchSize: 10, rounds: 2 }).bound].every((e) => e === 0)).toBe(true);
    const records = randomRecords(100, PAPER.states, PAPER.actions, 'bound');
    let bound: Float64Array = new Float64Array(PAPER.states * PAPER.actions);
    for (const batch of batchesOf(records, 10)) {
      const next = boundStep(PAPER, bound, batch);
      const updated = new Set(batch.map((r) => r.state * PAPER.actions + r.action));
      for (let i = 0; i < bound.length; i++) {
        if (updated.has(i)) expect(next[i]).toBeGreaterThan(0);
        else expect(next[i], `entry ${i}`).toBe(bound[i]);
      }
      bound = next;
    }
    const trained = trainBatches(PAPER, records, { batchSize: 10, rounds: 1 });
    expect([...trained.bound]).toEqual([...bound]);
    const touched = new Set(records.map((r) => r.state * PAPER.actions + r.action));
    trained.bound.forEach((e, i) => expect(e > 0).toBe(touched.has(i)));
  });

  it('holds for a secure implementation whose every truncation is within ±1 of floor', () => {
    for (const [name, noise] of [
      ['random', 'random'],
      ['always +1', 1],
      ['always −1', -1],
    ] as const) {
      for (const batchSize of [1, 4, 10]) {
        const records = randomRecords(300, 6, 4, `secure-${batchSize}`);
        const params: QLearningParameters = { states: 6, actions: 4, alpha: 0.3, gamma: 0.9, fractionBits: 12 };
        const rng = randomStream(name, 'q-learning-test', `noise-${batchSize}`);
        const off = (v: bigint, f: number) => truncate(v, f) + BigInt(noise === 'random' ? rng.integerIn(-1, 1) : noise);
        let secure: BigInt64Array = new BigInt64Array(24);
        let reference: BigInt64Array = new BigInt64Array(24);
        let bound: Float64Array = new Float64Array(24);
        for (let round = 0; round < 2; round++) {
          for (const batch of batchesOf(records, batchSize)) {
            secure = batchStep(params, secure, batch, off);
            reference = batchStep(params, reference, batch);
            bound = boundStep(params, bound, batch);
            for (let i = 0; i < 24; i++) expect(Math.abs(Number(secure[i]! - reference[i]!)), `${name}, τ = ${batchSize}, entry ${i}`).toBeLessThanOrEqual(bound[i]!);
          }
        }
        const trained = trainBatches(params, records, { batchSize, rounds: 2 });
        expect([...trained.q]).toEqual([...reference]);
        expect([...trained.bound]).toEqual([...bound]);
      }
    }
  });
});

describe('greedy and ε-greedy choices', () => {
  it('greedy ties go to the lowest action index', () => {
    const q = BigInt64Array.from([5n, 5n, 5n, -3n, 7n, 7n, 0n, 0n, 0n]);
    expect(greedyAction(q, 3, 0)).toBe(0);
    expect(greedyAction(q, 3, 1)).toBe(1);
    expect(greedyAction(q, 3, 2)).toBe(0);
    expect([...greedyPolicy(q, 3, 3)]).toEqual([0, 1, 0]);
    expect(() => greedyPolicy(q, 2, 3)).toThrow(RangeError);
    expect(() => greedyAction(q, 3, 3)).toThrow(RangeError);
  });

  it('ε-greedy explores with probability ε, uniformly, over 10^4 seeded draws', () => {
    const sigma = 10;
    const q = new BigInt64Array(sigma);
    q[7] = 100n; // greedy: 7
    for (const epsilon of [0, 0.1, 0.5, 1]) {
      const rng = randomStream(1, 'q-learning-test', `epsilon-${epsilon}`);
      const counts = new Array<number>(sigma).fill(0);
      const n = 10_000;
      for (let i = 0; i < n; i++) counts[epsilonGreedy(q, sigma, 0, epsilon, rng)]++;
      // Non-greedy actions: ε·(σ − 1)/σ of the draws (a uniform draw hits the greedy one 1 time in σ).
      const other = n - counts[7]!;
      const expected = (epsilon * (sigma - 1)) / sigma;
      const sd = Math.sqrt((expected * (1 - expected)) / n);
      expect(Math.abs(other / n - expected), `ε = ${epsilon}`).toBeLessThanOrEqual(4 * sd + 1e-12);
      // Each other action about ε/σ of the draws.
      for (let a = 0; a < sigma; a++) if (a !== 7) expect(Math.abs(counts[a]! / n - epsilon / sigma)).toBeLessThan(0.012);
    }
    // The same seed, the same choices.
    const draw = () => {
      const rng = randomStream(3, 'p', 'x');
      return Array.from({ length: 50 }, () => epsilonGreedy(q, sigma, 0, 0.3, rng));
    };
    expect(draw()).toEqual(draw());
    expect(() => epsilonGreedy(q, sigma, 0, 1.5, randomStream(1, 'p', 'x'))).toThrow(RangeError);
  });

  it('ε decays exponentially from start to its floor', () => {
    const eps = epsilonSchedule({ decayPerStep: 0.5 });
    expect([0, 1, 2, 3, 4, 100].map(eps)).toEqual([1, 0.5, 0.25, 0.125, 0.1, 0.1]);
    const paper = epsilonSchedule({ start: 1, end: 0.1, decayPerStep: 0.95 });
    expect(paper(44)).toBeGreaterThan(0.1);
    expect(paper(45)).toBe(0.1);
    expect(epsilonSchedule({ start: 0.3, end: 0.3, decayPerStep: 1 })(1000)).toBe(0.3);
    expect(() => epsilonSchedule({ start: 0.1, end: 0.2, decayPerStep: 0.9 })).toThrow(/end ≤ start/);
    expect(() => epsilonSchedule({ decayPerStep: 0 })).toThrow(/decayPerStep/);
  });
});
