import { describe, expect, it } from 'vitest';
import {
  ACTOR_CRITIC_DEFAULTS,
  ActorCritic,
  createActorCritic,
  type ActorCriticOptions,
} from '../../src/control/actorCritic.js';
import { BUILT_IN_CONTROLLERS } from '../../src/control/registry.js';
import { TE_RUN_IN_DEFAULTS } from '../../src/control/actorCriticWithRunIn.js';
import {
  actorStep,
  criticRate,
  criticStep,
  dailyState,
  gaussianScore,
  initialCritic,
  localCost,
  policyStep,
  rateOfChange,
  thetaRandom,
  thetaTransferEntropy,
  thetaZeros,
  tdErrorActorStep,
  valueCriticStep,
  type CriticState,
  type PolicyParameters,
  type Vec2,
} from '../../src/control/actorCriticMath.js';
import type { AnnouncedMeal, DayRecord, Observation, TherapySettings } from '../../src/control/types.js';
import { INSULIN_PREPARATIONS, type InsulinPreparation } from '../../src/model/patientModel.js';
import { randomStream } from '../../src/random/streams.js';
import { controllerIdentity } from '../../src/control/context.js';

const therapy: TherapySettings = { patient: 'child#001', basalRateUPerMin: 0.01, carbRatioGPerU: 20, correctionFactorMgDlPerU: 50, bodyWeightKg: 30 };
/** The actor-critic's seeded streams under `seed`, as a run gives them. */
const streams = (seed: number) => controllerIdentity('actor-critic', therapy, seed).random;
const BR0 = 0.01;
const IC0 = 1 / 20;
const NO_EXPLORATION: ActorCriticOptions = { ...ACTOR_CRITIC_DEFAULTS, explorationSd: 0 };

function dayRecord(day: number, glucose: ArrayLike<number>): DayRecord {
  const n = 1440;
  const g = new Float64Array(n).fill(NaN);
  for (let i = 0; i < glucose.length; i++) g[i * 5] = glucose[i]!;
  const injectionsU = Object.fromEntries(INSULIN_PREPARATIONS.map((p) => [p, new Float64Array(n)])) as Record<InsulinPreparation, Float64Array>;
  return {
    day, startMin: (day - 1) * n, glucoseMgDl: g, basalUPerMin: new Float64Array(n), bolusU: new Float64Array(n),
    carbsEstimatedG: new Float64Array(n), injectionsU,
  };
}
const constantDay = (day: number, mgDl: number) => dayRecord(day, new Array(288).fill(mgDl));

function obs(timeMin: number, meals: AnnouncedMeal[] = []): Observation {
  return { timeMin, day: 1, timeOfDayMin: timeMin, glucoseMgDl: 120, glucoseTimeMin: timeMin, announcedMeals: meals, controlPeriodMin: 5 };
}

describe('actor-critic math: each update against a hand-computed step', () => {
  it('daily state: mean error above 180 / 220 and below 70 / 30, NaN skipped, clipped to [0, 1]', () => {
    const x = dailyState([200, 250, NaN, 100, 60, 40, 50])!;
    expect(x[0]).toBeCloseTo((20 + 70) / 2 / 220, 12);
    expect(x[1]).toBeCloseTo((10 + 30 + 20) / 3 / 30, 12);
    expect(dailyState([100, 120, 180, 70])).toEqual([0, 0]);
    expect(dailyState([700, 10])).toEqual([1, 1]);
    expect(dailyState([NaN, NaN])).toBeUndefined();
    expect(dailyState([250], { hyperMaxErrorMgDl: 140, hypoMaxErrorMgDl: 30 })![0]).toBeCloseTo(0.5, 12);
  });

  it('policy: P = x·θ and S_k = S_{k−1}(1 + P), with the safety clip and bounds', () => {
    expect(rateOfChange([0.5, 0.25], [0.3, -0.2])).toBeCloseTo(0.1, 12);
    const limits = { maxDailyIncrease: 0.2, maxDailyDecrease: 0.2, min: 0.6, max: 4 };
    expect(policyStep(2, 0.1, limits).value).toBeCloseTo(2.2, 12);
    expect(policyStep(2, 0.5, limits).value).toBeCloseTo(2.4, 12);
    expect(policyStep(2, -0.5, limits).value).toBeCloseTo(1.6, 12);
    // Asymmetric limits: up by at most 5 %, down by at most 20 %.
    const asymmetric = { ...limits, maxDailyIncrease: 0.05 };
    expect(policyStep(2, 0.5, asymmetric)).toEqual({ value: 2.1, applied: 2.1 / 2 - 1 });
    expect(policyStep(2, 0.03, asymmetric).value).toBeCloseTo(2.06, 12);
    expect(policyStep(2, -0.5, asymmetric).value).toBeCloseTo(1.6, 12);
    const top = policyStep(3.8, 0.2, limits);
    expect(top.value).toBe(4);
    expect(top.applied).toBeCloseTo(4 / 3.8 - 1, 12);
    expect(policyStep(0.65, -0.2, limits).value).toBe(0.6);
    expect(policyStep(2, NaN, limits)).toEqual({ value: 2, applied: 0 });
  });

  it('critic TD(λ) step and average-cost update', () => {
    const critic: CriticState = { r: [0.5, 1], z: [1, 0.5], averageCost: 1 };
    const next = criticStep(critic, [1, 0], 2, [0, 1], 4, 0.1, 0.9);
    // d = c_k − ā_k + rᵀφ_{k+1} − rᵀφ_k = 2 − 1 + 1 − 0.5
    expect(next.tdError).toBeCloseTo(1.5, 12);
    // r + γ d z = [0.5 + 0.15·1, 1 + 0.15·0.5]
    expect(next.r[0]).toBeCloseTo(0.65, 12);
    expect(next.r[1]).toBeCloseTo(1.075, 12);
    // ā + γ (c_{k+1} − ā) = 1 + 0.1·3
    expect(next.averageCost).toBeCloseTo(1.3, 12);
    // z' = λ z + φ_{k+1}
    expect(next.z[0]).toBeCloseTo(0.9, 12);
    expect(next.z[1]).toBeCloseTo(1.45, 12);
    expect(initialCritic([2, 3], 0.7)).toEqual({ r: [0, 0], z: [2, 3], averageCost: 0.7 });
  });

  it('actor step θ − γ_a (rᵀφ) ψ, Gaussian score ψ and local cost', () => {
    // rᵀφ = 0.5 + 2 + 0 + 1 = 3.5; γ_a·3.5 = 0.35
    const theta = actorStep([1, -1, 0.5, 0], [0.5, 1, 0, 2], [1, 2, 0, 0.5], [1, 0, -1, 2], 0.1);
    [0.65, -1, 0.85, -0.7].forEach((v, i) => expect(theta[i]).toBeCloseTo(v, 12));
    // ψ = (u − x·θ)/σ² · x = (0.32 − 0.3)/0.0004 · [0.5, 0.2]
    const psi = gaussianScore([0.5, 0.2], [1, -1], 0.32, 0.02);
    expect(psi[0]).toBeCloseTo(25, 9);
    expect(psi[1]).toBeCloseTo(10, 9);
    expect(localCost([0.3, 0.1], 2)).toBeCloseTo(0.5, 12);
  });

  it('critic converges on a 3-state Markov chain with known average cost and differential values', () => {
    // P and c below: stationary π = [21, 15, 25]/61, so ā = (21·1 + 15·3 + 25·0)/61 = 66/61;
    // differential values h = c − ā + P h with h0 = 0: h1 = 10/61, h2 = −220/61.
    const P = [
      [0.5, 0.5, 0],
      [0.2, 0.3, 0.5],
      [0.3, 0, 0.7],
    ];
    const c = [1, 3, 0];
    const onehot = (s: number) => [0, 1, 2].map((i) => (i === s ? 1 : 0));
    const stream = randomStream(7, 'markov', 'chain');
    const step = (s: number) => {
      const u = stream.uniform();
      let acc = 0;
      for (let j = 0; j < 3; j++) if (u < (acc += P[s]![j]!)) return j;
      return 2;
    };
    let s = 1; // start where ā_0 = c = 3, far from the answer
    let critic: CriticState = initialCritic(onehot(s), c[s]!);
    for (let n = 1; n <= 200_000; n++) {
      const s1 = step(s);
      critic = criticStep(critic, onehot(s), c[s]!, onehot(s1), c[s1]!, criticRate(0.1, n), 0.9);
      s = s1;
    }
    expect(Math.abs(critic.averageCost - 66 / 61)).toBeLessThan(0.02);
    expect(critic.r[1]! - critic.r[0]!).toBeCloseTo(10 / 61, 1);
    expect(critic.r[2]! - critic.r[0]!).toBeCloseTo(-220 / 61, 1);
  });
});

describe('actor-critic initialisations (S1, S2, S3)', () => {
  it('S1 zeros; S3 = W/TE with + on the hyper element and − on the hypo element', () => {
    expect(thetaZeros()).toEqual({ br: [0, 0], ic: [0, 0] });
    expect(thetaTransferEntropy(0.25)).toEqual({ br: [4, -4], ic: [4, -4] });
    expect(() => thetaTransferEntropy(0)).toThrow(/transfer entropy/);
    expect(() => createActorCritic(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S3' }, streams(1))).toThrow(/transfer entropy/);
  });

  it('S2W: magnitudes in (0, 1) with the signs of W, deterministic per seed', () => {
    const a = thetaRandom(randomStream(3, 'p', 'init'), 'W');
    expect(thetaRandom(randomStream(3, 'p', 'init'), 'W')).toEqual(a);
    expect(thetaRandom(randomStream(4, 'p', 'init'), 'W')).not.toEqual(a);
    for (const v of [a.br, a.ic]) {
      expect(v[0]).toBeGreaterThan(0);
      expect(v[0]).toBeLessThan(1);
      expect(v[1]).toBeLessThan(0);
      expect(v[1]).toBeGreaterThan(-1);
    }
    const c1 = createActorCritic(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S2W' }, streams(9));
    const c2 = createActorCritic(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S2W' }, streams(9));
    expect(c1.parameters).toEqual(c2.parameters);
  });

  it('S2 as the paper states it: random signs, each + and − about half the time, the magnitudes of S2W', () => {
    const count = { positive: 0, negative: 0 };
    const perElement = [0, 0, 0, 0];
    const seeds = 2000;
    for (let seed = 1; seed <= seeds; seed++) {
      const random = thetaRandom(randomStream(seed, 'p', 'init'), 'random');
      const signed = thetaRandom(randomStream(seed, 'p', 'init'), 'W');
      const r = [...random.br, ...random.ic];
      const w = [...signed.br, ...signed.ic];
      r.forEach((v, i) => {
        // The same magnitude as S2W's, in (0, 1).
        expect(Math.abs(v)).toBe(Math.abs(w[i]!));
        expect(Math.abs(v)).toBeGreaterThan(0);
        expect(Math.abs(v)).toBeLessThan(1);
        if (v > 0) {
          count.positive++;
          perElement[i]!++;
        } else count.negative++;
      });
    }
    // Each element positive with probability ½: 2000 draws, SD 22; 5 SD bounds.
    for (const n of perElement) expect(Math.abs(n - seeds / 2)).toBeLessThan(5 * Math.sqrt(seeds / 4));
    expect(count.positive + count.negative).toBe(4 * seeds);
    // Not all of one patient's signs follow W: the paper's S2 can point the wrong way.
    const wrongWay = Array.from({ length: 50 }, (_, i) => thetaRandom(randomStream(i + 1, 'p', 'init'), 'random')).filter((t) => t.br[0] < 0 || t.br[1] > 0 || t.ic[0] < 0 || t.ic[1] > 0);
    expect(wrongWay.length).toBeGreaterThan(40);
    const c1 = createActorCritic(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S2' }, streams(9));
    const c2 = createActorCritic(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S2' }, streams(9));
    expect(c1.parameters).toEqual(c2.parameters);
  });
});

describe('actor-critic controller', () => {
  it('basal BR every period; bolus IC × estimated carbs once, at the control instant before intake', () => {
    const c = new ActorCritic(therapy, thetaZeros(), NO_EXPLORATION);
    const meal = (now: number): AnnouncedMeal => ({ id: 2, intakeMin: 100, estimatedCarbsG: 60, leadMin: 100 - now });
    expect(c.decide(obs(90, [meal(90)]))).toEqual({ basalUPerMin: BR0, bolusU: 0 });
    expect(c.decide(obs(95, [meal(95)])).bolusU).toBe(0);
    expect(c.decide(obs(100, [meal(100)])).bolusU).toBeCloseTo(60 * IC0, 12);
    expect(c.decide(obs(105, [meal(105)])).bolusU).toBe(0);
    expect(c.decide(obs(95, [{ id: 5, intakeMin: 98, estimatedCarbsG: 20, leadMin: 3 }])).bolusU).toBeCloseTo(20 * IC0, 12);
  });

  it('S3 signs: a hyperglycaemic day raises BR and IC, a hypoglycaemic day lowers them (used at the next decide)', () => {
    // TE = 2 bits → θ = [0.5, −0.5]; all readings 250 → x = [70/220, 0] → P = 0.159 (under a 20 % cap on increases).
    const c = new ActorCritic(therapy, thetaTransferEntropy(2), { ...NO_EXPLORATION, maxDailyIncrease: 0.2 });
    c.endOfDay(constantDay(1, 250));
    const p = 0.5 * (70 / 220);
    expect(c.basalUPerMin).toBeCloseTo(BR0 * (1 + p), 12);
    expect(c.icUPerG).toBeCloseTo(IC0 * (1 + p), 12);
    expect(c.decide(obs(0)).basalUPerMin).toBeCloseTo(BR0 * (1 + p), 12);
    expect(c.decide(obs(100, [{ id: 1, intakeMin: 102, estimatedCarbsG: 50, leadMin: 2 }])).bolusU).toBeCloseTo(50 * IC0 * (1 + p), 12);
    // All readings 55 → x = [0, 0.5] → P = −0.25, clipped to −20 %.
    const brBefore = c.basalUPerMin;
    c.endOfDay(constantDay(2, 55));
    expect(c.basalUPerMin).toBeCloseTo(brBefore * 0.8, 12);
    const trace = c.trace();
    expect(trace.map((d) => d.day)).toEqual([0, 1, 2]);
    expect(trace[2]!.pBr).toBeCloseTo(-0.2, 12);
    expect(trace[1]!.state).toEqual([70 / 220, 0]);
    // In range: no change.
    const before = [c.basalUPerMin, c.icUPerG];
    c.endOfDay(constantDay(3, 120));
    expect([c.basalUPerMin, c.icUPerG]).toEqual(before);
    // With the default +5 % cap the same hyperglycaemic day raises them by 5 % only.
    const capped = new ActorCritic(therapy, thetaTransferEntropy(2), NO_EXPLORATION);
    capped.endOfDay(constantDay(1, 250));
    expect(capped.basalUPerMin).toBeCloseTo(BR0 * 1.05, 12);
    expect(capped.trace()[1]!.pIc).toBeCloseTo(0.05, 12);
  });

  it('S3 with exploration on still moves in the signed direction; S1 without exploration never moves', () => {
    const c = createActorCritic(therapy, ACTOR_CRITIC_DEFAULTS, streams(1), 1);
    c.endOfDay(constantDay(1, 300));
    expect(c.basalUPerMin).toBeGreaterThan(BR0);
    expect(c.icUPerG).toBeGreaterThan(IC0);
    c.endOfDay(constantDay(2, 50));
    c.endOfDay(constantDay(3, 50));
    expect(c.basalUPerMin).toBeLessThan(BR0);
    const s1 = new ActorCritic(therapy, thetaZeros(), NO_EXPLORATION);
    for (let d = 1; d <= 4; d++) s1.endOfDay(constantDay(d, d % 2 ? 300 : 50));
    expect([s1.basalUPerMin, s1.icUPerG]).toEqual([BR0, IC0]);
  });

  it('endOfDay wires critic and actor as the paper orders them (replayed by hand with the same stream)', () => {
    const opts: ActorCriticOptions = { ...ACTOR_CRITIC_DEFAULTS, explorationSd: 0.05, criticRate0: 0.5, actorRate0: 0.1 };
    const theta0 = thetaTransferEntropy(4);
    const c = new ActorCritic(therapy, theta0, opts, randomStream(5, 'p', 'explore'));
    // ā_0 = c_0 and r_0 = 0 make d_0 = 0, so r first moves at the second
    // transition and the actor at the third: five days exercise all of it.
    const days = [constantDay(1, 260), dayRecord(2, [50, 60, 200, 220, 120]), constantDay(3, 200), constantDay(4, 65), constantDay(5, 240)];
    for (const d of days) c.endOfDay(d);

    const noise = randomStream(5, 'p', 'explore');
    let theta = [...theta0.br, ...theta0.ic];
    let critic: CriticState | undefined;
    let prev: { phi: number[]; cost: number } | undefined;
    let br = BR0;
    const limits = { maxDailyIncrease: 0.05, maxDailyDecrease: 0.2, min: 0.3 * BR0, max: 2 * BR0 };
    days.forEach((d, i) => {
      const x = dailyState(d.glucoseMgDl)!;
      const tb: Vec2 = [theta[0]!, theta[1]!];
      const ti: Vec2 = [theta[2]!, theta[3]!];
      const uBr = rateOfChange(x, tb) + 0.05 * noise.normal();
      const uIc = rateOfChange(x, ti) + 0.05 * noise.normal();
      // The score scaled by σ (O(1) features), and the critic's normalised step γ/(1 + ‖z‖²).
      const psi = [...gaussianScore(x, tb, uBr, 0.05), ...gaussianScore(x, ti, uIc, 0.05)].map((v) => v * 0.05);
      const phi = [...psi, ...x];
      const cost = x[0] + 2 * x[1];
      if (!critic || !prev) critic = initialCritic(phi, cost);
      else {
        theta = actorStep(theta, critic.r, phi, psi, 0.1 / i);
        const trace2 = critic.z.reduce((sum, v) => sum + v * v, 0);
        critic = criticStep(critic, prev.phi, prev.cost, phi, cost, (0.5 * Math.pow(i, -0.6)) / (1 + trace2), 0.9);
      }
      prev = { phi, cost };
      br = policyStep(br, uBr, limits).value;
    });
    expect([...c.parameters.br, ...c.parameters.ic]).toEqual(theta);
    expect(c.basalUPerMin).toBe(br);
    expect(c.trace()[5]!.averageCost).toBe(critic!.averageCost);
    // The actor did move θ (the test is not vacuous).
    expect(theta).not.toEqual([...theta0.br, ...theta0.ic]);
  });

  it('a day without readings changes nothing', () => {
    const c = new ActorCritic(therapy, thetaTransferEntropy(1), NO_EXPLORATION);
    c.endOfDay(dayRecord(1, []));
    expect([c.basalUPerMin, c.icUPerG]).toEqual([BR0, IC0]);
    expect(c.trace()[1]!.state).toBeNull();
  });

  it('property: BR and IC never leave [0.3, 2] × start nor rise > 5 % or fall > 20 % a day, whatever θ and states', () => {
    const rng = randomStream(11, 'property', 'ac');
    for (let trial = 0; trial < 60; trial++) {
      const scale = [0.1, 1, 10, 1000][trial % 4]!;
      const theta = { br: [rng.normal() * scale, rng.normal() * scale] as Vec2, ic: [rng.normal() * scale, rng.normal() * scale] as Vec2 };
      const opts: ActorCriticOptions = { ...ACTOR_CRITIC_DEFAULTS, explorationSd: rng.uniformIn(0.001, 0.5), actorRate0: rng.uniformIn(0, 10) };
      const c = new ActorCritic(therapy, theta, opts, randomStream(trial, 'property', 'explore'));
      let prevBr = BR0;
      let prevIc = IC0;
      for (let d = 1; d <= 30; d++) {
        const level = rng.uniformIn(20, 500);
        const spread = rng.uniformIn(0, 150);
        c.endOfDay(dayRecord(d, Array.from({ length: 288 }, () => level + spread * rng.normal())));
        for (const [v, prev, start] of [[c.basalUPerMin, prevBr, BR0], [c.icUPerG, prevIc, IC0]] as const) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0.3 * start * (1 - 1e-12));
          expect(v).toBeLessThanOrEqual(2 * start * (1 + 1e-12));
          expect(v / prev - 1).toBeLessThanOrEqual(0.05 + 1e-12);
          expect(v / prev - 1).toBeGreaterThanOrEqual(-0.2 - 1e-12);
        }
        prevBr = c.basalUPerMin;
        prevIc = c.icUPerG;
      }
    }
  });

  it('options are validated with the field path', () => {
    const source = { file: 's.json', field: 'controller.options' };
    const parse = (o: Record<string, unknown>) => BUILT_IN_CONTROLLERS.parseOptions('actor-critic', o, source) as ActorCriticOptions & { runInDays: number };
    expect(parse({ initialisation: 'S1', lambda: 0.5 })).toEqual({ ...ACTOR_CRITIC_DEFAULTS, ...TE_RUN_IN_DEFAULTS, initialisation: 'S1', lambda: 0.5, runInDays: 0, therapy: 'cohort' });
    expect(() => parse({ initialisation: 'S4' })).toThrow(/s\.json: controller\.options\.initialisation: must be one of S1, S2, S2W, S3/);
    expect(() => parse({ maxDailyDecrease: 1.5 })).toThrow(/controller\.options\.maxDailyDecrease: must be < 1/);
    expect(() => parse({ maxDailyChange: 0.2 })).toThrow(/controller\.options\.maxDailyChange: unknown property/);
    expect(() => parse({ minFactor: 0 })).toThrow(/controller\.options\.minFactor: must be > 0/);
    expect(() => parse({ initialisation: 'S3' })).toThrow(/controller\.options\.initialisation: S3 needs a run-in/);
    expect(parse({ initialisation: 'S3', runInDays: 1 }).runInDays).toBe(1);
  });
});

describe('the TD-error actor (actor: td-error): an actor that learns within a trial', () => {
  it('value critic and actor steps against hand-computed values', () => {
    const critic = { v: [0.5, 2] as Vec2, z: [0.1, 0] as Vec2, averageCost: 0.3 };
    const { critic: next, tdError } = valueCriticStep(critic, [0.2, 0.1], [0.4, 0], 0.6, 0.5, 0.9);
    // z = 0.9·[0.1, 0] + [0.2, 0.1] = [0.29, 0.1]; δ = 0.6 − 0.3 + 0.5·0.4 − (0.5·0.2 + 2·0.1) = 0.2
    expect(tdError).toBeCloseTo(0.2, 12);
    expect(next.z[0]).toBeCloseTo(0.29, 12);
    expect(next.z[1]).toBeCloseTo(0.1, 12);
    // γ = 0.5 / (1 + 0.29² + 0.1²): the step normalised by the trace it multiplies.
    const gamma = 0.5 / (1 + 0.29 ** 2 + 0.1 ** 2);
    expect(next.v[0]).toBeCloseTo(0.5 + gamma * 0.2 * 0.29, 12);
    expect(next.v[1]).toBeCloseTo(2 + gamma * 0.2 * 0.1, 12);
    expect(next.averageCost).toBeCloseTo(0.3 + gamma * 0.3, 12);
    // θ − β δ ε x: a costly day after an upward draw (ε > 0) on a hypo day turns the hypo element down.
    const theta = tdErrorActorStep([0, 0], [0, 0.5], 1.2, 0.25, 2);
    expect(theta[0]).toBeCloseTo(0, 12);
    expect(theta[1]).toBeCloseTo(-2 * 0.25 * 1.2 * 0.5, 12);
  });

  it('hypo-guard: no increase of BR or IC after a day with a reading below 70', () => {
    // θ = [1, 1]: a day both hyper and hypo would raise BR and IC; the guard holds them.
    const day = dayRecord(1, [...new Array(144).fill(300), ...new Array(144).fill(60)]);
    const free = new ActorCritic(therapy, { br: [1, 1], ic: [1, 1] }, NO_EXPLORATION);
    const guarded = new ActorCritic(therapy, { br: [1, 1], ic: [1, 1] }, { ...NO_EXPLORATION, supervisor: 'hypo-guard' });
    free.endOfDay(day);
    guarded.endOfDay(day);
    expect(free.basalUPerMin).toBeGreaterThan(BR0);
    expect(guarded.basalUPerMin).toBe(BR0);
    expect(guarded.icUPerG).toBe(IC0);
    // Decreases pass: θ = [−1, −1].
    const down = new ActorCritic(therapy, { br: [-1, -1], ic: [-1, -1] }, { ...NO_EXPLORATION, supervisor: 'hypo-guard' });
    down.endOfDay(day);
    expect(down.basalUPerMin).toBeLessThan(BR0);
  });

  /**
   * A toy patient overdosed by 60 %: its day's state follows the dose factor
   * D (BR and IC relative to the start, averaged), too much insulin giving
   * hypoglycaemia x² = 0.4(D − 1) and too little hyperglycaemia x¹ = 0.4(1 − D),
   * each with noise of SD 0.05. From θ0 = 0 the eq.-(13) actor does not move;
   * the TD-error actor learns to lower the dose.
   */
  function toyTrial(options: ActorCriticOptions, seed: number, days: number): { dose: number; theta: PolicyParameters } {
    const controller = createActorCritic(therapy, { ...options, initialisation: 'S1' }, streams(seed));
    const noise = randomStream(seed, 'toy', 'noise');
    const clip = (v: number) => Math.min(1, Math.max(0, v));
    let dose = 1.6;
    for (let day = 1; day <= days; day++) {
      const x1 = clip(0.4 * (1 - dose) + 0.05 * noise.normal());
      const x2 = clip(0.4 * (dose - 1) + 0.05 * noise.normal());
      controller.endOfDay(dayRecord(day, [...new Array(144).fill(x1 > 0 ? 180 + 220 * x1 : 120), ...new Array(144).fill(x2 > 0 ? 70 - 30 * x2 : 120)]));
      dose = 1.6 * (controller.basalUPerMin / BR0 + controller.icUPerG / IC0) / 2;
    }
    return { dose, theta: controller.parameters };
  }

  it('learns the direction on a toy patient: lowers an overdose from θ0 = 0, where eq. (13) stays put', () => {
    const learning: ActorCriticOptions = { ...ACTOR_CRITIC_DEFAULTS, actor: 'td-error', tdActorRate: 5, explorationSd: 0.05 };
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const td = seeds.map((s) => toyTrial(learning, s, 30));
    const eq13 = seeds.map((s) => toyTrial({ ...ACTOR_CRITIC_DEFAULTS, explorationSd: 0.05 }, s, 30));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // θ's hypo elements go negative (less insulin after a hypo day) on average, and the dose comes down.
    expect(mean(td.map((r) => r.theta.br[1]))).toBeLessThan(-0.15);
    expect(mean(td.map((r) => r.theta.ic[1]))).toBeLessThan(-0.15);
    expect(mean(td.map((r) => r.dose))).toBeLessThan(1.3);
    // The paper's actor, same draws: θ hardly moves, the dose drifts with the exploration only.
    expect(Math.max(...eq13.map((r) => Math.abs(r.theta.br[1])))).toBeLessThan(0.05);
    expect(mean(eq13.map((r) => r.dose))).toBeGreaterThan(mean(td.map((r) => r.dose)) + 0.1);
  });
});
