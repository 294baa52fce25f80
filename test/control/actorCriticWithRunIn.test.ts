import { describe, expect, it } from 'vitest';
import { ACTOR_CRITIC_DEFAULTS } from '../../src/control/actorCritic.js';
import {
  ActorCriticWithRunIn,
  runInTransferEntropy,
  TE_FLOOR_BITS,
  TE_RUN_IN_DEFAULTS,
  TE_RUN_IN_OPTIONS_PROPERTIES,
  TE_RUN_IN_PLUG_IN,
} from '../../src/control/actorCriticWithRunIn.js';
import { insulinOnBoardU } from '../../src/control/insulinOnBoard.js';
import { transferEntropyBits } from '../../src/control/transferEntropy.js';
import { compileValidatorAtRunTime } from '../../src/io/schema.js';
import type { AnnouncedMeal, DayRecord, Observation, TherapySettings } from '../../src/control/types.js';
import { randomStream } from '../../src/random/streams.js';
import { controllerIdentity } from '../../src/control/context.js';

const therapy: TherapySettings = { patient: 'adult#001', basalRateUPerMin: 0.02, carbRatioGPerU: 10, correctionFactorMgDlPerU: 20, bodyWeightKg: 100 };
const streams = controllerIdentity('actor-critic', therapy, 1).random;
const empty = () => ({ rapid: new Float64Array(1440), regular: new Float64Array(1440), nph: new Float64Array(1440), long: new Float64Array(1440) });

/** A day whose glucose follows insulin delivered `lagMin` earlier (or not at all), sensor every 5 min. */
function day(n: number, lagMin: number | null, seed: number): DayRecord {
  const s = randomStream(seed, 'run-in', 'test');
  const bolusU = new Float64Array(1440);
  for (let m = 0; m < 1440; m += 60) bolusU[m] = s.uniform() < 0.5 ? 4 * s.uniform() : 0;
  const basalUPerMin = new Float64Array(1440).fill(0.01);
  const glucoseMgDl = new Float64Array(1440).fill(NaN);
  let iob = 0;
  const history: number[] = [];
  for (let m = 0; m < 1440; m++) {
    iob = iob * Math.exp(-1 / 120) + bolusU[m];
    history.push(iob);
    if (m % 5 === 0) glucoseMgDl[m] = lagMin === null ? 100 + 80 * s.uniform() : 250 - 30 * (history[Math.max(0, m - lagMin)] ?? 0) + 5 * s.normal();
  }
  return { day: n, startMin: (n - 1) * 1440, glucoseMgDl, basalUPerMin, bolusU, carbsEstimatedG: new Float64Array(1440), injectionsU: empty() };
}

function obs(timeMin: number, meals: AnnouncedMeal[] = []): Observation {
  return { timeMin, day: Math.floor(timeMin / 1440) + 1, timeOfDayMin: timeMin % 1440, glucoseMgDl: 120, glucoseTimeMin: timeMin, announcedMeals: meals, controlPeriodMin: 5 };
}

describe('transfer entropy of the run-in', () => {
  const surrogates = () => randomStream(1, 'adult#001', 'actor-critic/te-surrogates');

  /** The paper's estimator by hand: IOB and the 5-min readings of the day, delay 20 min = 4 points. */
  function byHand(r: DayRecord, priorBasalUPerMin: number, bins: number): number {
    const iob = insulinOnBoardU(Float64Array.from(r.basalUPerMin, (b, i) => b + r.bolusU[i]!), { priorBasalUPerMin });
    const points = 1440 / 5;
    return transferEntropyBits(
      Float64Array.from({ length: points }, (_, k) => iob[5 * k]!),
      Float64Array.from({ length: points }, (_, k) => r.glucoseMgDl[5 * k]!),
      { delay: 4, bins },
    );
  }

  it("plug-in without warm start is the paper's estimator as before; warm start starts IOB at the basal steady state", () => {
    const d = day(1, 20, 1);
    const old = runInTransferEntropy([d], TE_RUN_IN_PLUG_IN);
    expect(old.bits).toBe(byHand(d, 0, 4));
    expect(old).toMatchObject({ plugInBits: old.bits, surrogates: 0, points: 288 });
    expect(Number.isNaN(old.surrogateMeanBits)).toBe(true);
    // No stream needed for the plug-in estimator.
    const warm = runInTransferEntropy([d], { ...TE_RUN_IN_PLUG_IN, iobWarmStart: true });
    expect(warm.bits).toBe(byHand(d, 0.01, 4));
    expect(warm.bits).not.toBe(old.bits);
    expect(runInTransferEntropy([d], { ...TE_RUN_IN_PLUG_IN, teBins: 6 }).bits).toBe(byHand(d, 0, 6));
  });

  it('the surrogate-corrected estimate (the default) is the plug-in one minus its surrogates mean, from its own stream', () => {
    const d = day(1, 20, 1);
    const e = runInTransferEntropy([d], {}, surrogates());
    expect(e.plugInBits).toBe(runInTransferEntropy([d], { ...TE_RUN_IN_DEFAULTS, teEstimator: 'plug-in' }).bits);
    expect(e.bits).toBeCloseTo(e.plugInBits - e.surrogateMeanBits, 15);
    expect(e.surrogates).toBe(TE_RUN_IN_DEFAULTS.teSurrogates);
    expect(runInTransferEntropy([d], {}, surrogates())).toEqual(e);
    expect(runInTransferEntropy([d], { teSurrogates: 5 }, surrogates()).surrogates).toBe(5);
    expect(runInTransferEntropy([d], { teSurrogate: 'permutation' }, surrogates()).bits).not.toBe(e.bits);
    expect(() => runInTransferEntropy([d])).toThrow(/random stream/);
  });

  it('is larger when glucose follows insulin on board 20 min later than when it is independent; ≈ 0 when independent', () => {
    for (const options of [TE_RUN_IN_PLUG_IN, TE_RUN_IN_DEFAULTS]) {
      const coupled = runInTransferEntropy([day(1, 20, 1)], options, surrogates()).bits;
      const independent = runInTransferEntropy([day(1, null, 1)], options, surrogates()).bits;
      expect(coupled).toBeGreaterThan(independent + 0.05);
    }
    // Over 20 days where glucose is independent of insulin: the plug-in estimate is its bias,
    // the corrected one within 3 SE of 0 (one day's corrected TE has an SD of about 0.02 bits).
    const plugIn: number[] = [];
    const corrected: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const e = runInTransferEntropy([day(1, null, seed)], {}, surrogates());
      plugIn.push(e.plugInBits);
      corrected.push(e.bits);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const se = Math.sqrt(corrected.reduce((a, b) => a + (b - mean(corrected)) ** 2, 0) / (corrected.length - 1) / corrected.length);
    expect(mean(plugIn)).toBeGreaterThan(0.05);
    expect(Math.abs(mean(corrected))).toBeLessThan(3 * se);
  });

  it('a run-in of several days: one series, shifts kept away from whole days', () => {
    const days = [day(1, 20, 1), day(2, 20, 2), day(3, 20, 3)];
    const e = runInTransferEntropy(days, { teSurrogates: 10_000 }, surrogates());
    expect(e.points).toBe(3 * 288);
    // Lags ≥ 72 points (6 h) from 0 and from 288 and 576 (whole days): 72…216, 360…504, 648…792.
    expect(e.surrogates).toBe(3 * 145);
  });

  it('its options schema accepts the defaults and the ablation, and refuses what the estimator refuses', () => {
    const validate = compileValidatorAtRunTime({ type: 'object', additionalProperties: false, properties: TE_RUN_IN_OPTIONS_PROPERTIES });
    expect(validate(TE_RUN_IN_DEFAULTS, 'test.json')).toEqual(TE_RUN_IN_DEFAULTS);
    expect(validate(TE_RUN_IN_PLUG_IN, 'test.json')).toEqual(TE_RUN_IN_PLUG_IN);
    for (const bad of [{ teEstimator: 'kraskov' }, { teSurrogate: 'phase' }, { teSurrogates: 1 }, { teSurrogates: 2.5 }, { teBins: 1 }, { iobWarmStart: 'yes' }]) {
      expect(() => validate(bad, 'test.json'), JSON.stringify(bad)).toThrow(Object.keys(bad)[0]);
    }
    expect(TE_RUN_IN_DEFAULTS).toEqual({ teEstimator: 'surrogate-corrected', teSurrogate: 'circular-shift', teSurrogates: 20, teBins: 4, iobWarmStart: true });
  });
});

describe('actor-critic with a run-in', () => {
  it('runs the starting therapy in the run-in, then adapts; a meal bolused in the run-in is not bolused again', () => {
    const c = new ActorCriticWithRunIn(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S3' }, streams, 1);
    const meal: AnnouncedMeal = { id: 7, intakeMin: 1438, estimatedCarbsG: 50, leadMin: 3 };
    expect(c.decide(obs(1435, [meal]))).toEqual({ basalUPerMin: 0.02, bolusU: 5 });
    c.endOfDay(day(1, 20, 2));
    const te = c.dailyLog().transferEntropyBits[0];
    expect(te).toBeGreaterThan(0);
    // Just after the switch the meal is still announced (intake 2 min ago): no second bolus.
    expect(c.decide(obs(1440, [{ ...meal, leadMin: -2 }])).bolusU).toBe(0);
    // A hyperglycaemic day raises basal with S3 (θ = W/TE: +1/TE on the hyper element).
    const hyper = day(2, null, 3);
    hyper.glucoseMgDl.forEach((_, i) => (hyper.glucoseMgDl[i] = i % 5 === 0 ? 260 : NaN));
    c.endOfDay(hyper);
    // The log holds the basal in force on each trial day so far (day 1: the start).
    expect(c.dailyLog().basalUPerH).toEqual([0.02 * 60]);
    // θ0 = W/TE of both policies, [BR hyper, BR hypo, IC hyper, IC hypo]; the final θ is after the last actor step.
    const g = 1 / Math.max(te, TE_FLOOR_BITS);
    expect(c.dailyLog().thetaInitial).toEqual([g, -g, g, -g]);
    expect(c.dailyLog().thetaFinal).toHaveLength(4);
    const next = c.decide(obs(2880)).basalUPerMin;
    expect(next).toBeGreaterThan(0.02);
    expect(next).toBeLessThanOrEqual(0.02 * (1 + ACTOR_CRITIC_DEFAULTS.maxDailyIncrease) + 1e-12);
  });

  it('S3 without a run-in is refused; S1 adapts from the first day', () => {
    expect(() => new ActorCriticWithRunIn(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S3' }, streams, 0)).toThrow(/needs a run-in/);
    const c = new ActorCriticWithRunIn(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S1' }, streams, 0);
    expect(c.decide(obs(0)).basalUPerMin).toBe(0.02);
    expect(Number.isNaN(c.dailyLog().transferEntropyBits[0])).toBe(true);
  });

  it('floors a vanishing transfer entropy so θ0 = W/TE stays bounded', () => {
    const flat = day(1, null, 4);
    flat.glucoseMgDl.forEach((_, i) => (flat.glucoseMgDl[i] = i % 5 === 0 ? 120 : NaN));
    expect(runInTransferEntropy([flat], {}, randomStream(1, 'adult#001', 'actor-critic/te-surrogates')).bits).toBe(0);
    const c = new ActorCriticWithRunIn(therapy, { ...ACTOR_CRITIC_DEFAULTS, initialisation: 'S3', explorationSd: 0 }, streams, 1);
    c.endOfDay(flat);
    const hyper = day(2, null, 5);
    hyper.glucoseMgDl.forEach((_, i) => (hyper.glucoseMgDl[i] = i % 5 === 0 ? 260 : NaN));
    c.endOfDay(hyper);
    // θ0 = W/TE_FLOOR: a large but finite step, held to the daily limit.
    const next = c.decide(obs(2880)).basalUPerMin;
    expect(next).toBeCloseTo(0.02 * (1 + ACTOR_CRITIC_DEFAULTS.maxDailyIncrease), 12);
    expect(TE_FLOOR_BITS).toBeGreaterThan(0);
  });
});
