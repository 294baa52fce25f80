/**
 * Actor-critic (AC) adaptation of the average daily basal rate (BR) and the
 * insulin-to-carbohydrate ratio (IC, U/g) of Daskalaki, Diem & Mougiakakou
 * 2014 (§3.2 "AC-based Algorithm for Glucose Regulation", §3.2.1 "Automatic
 * Tuning"). Between the daily updates it runs
 * pump therapy with the current BR and IC: basal BR and, for each announced
 * meal, a bolus IC × estimated carbs at the control instant before intake
 * (timed as standard therapy with no pre-bolus; no correction bolus, since the
 * paper adapts only BR and IC). At each `endOfDay` it observes the day's state,
 * runs one critic and one actor step and sets tomorrow's BR and IC.
 *
 * The equations live in `actorCriticMath.ts`; the choices made where the paper
 * leaves them open are documented on ACTOR_CRITIC_DEFAULTS and below.
 */
import type { RandomStream } from '../random/streams.js';
import {
  actorRate,
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
  type ValueCriticState,
  type PolicyLimits,
  type PolicyParameters,
  type Vec2,
} from './actorCriticMath.js';
import { type BolusTiming, MealBolusSchedule } from './mealBolus.js';
import { BOLUS_TIMING_SCHEMA } from './options.js';
import type { Controller, ControllerContext, DayRecord, InsulinRequest, Observation, TherapySettings } from './types.js';

export type ActorCriticInitialisation = 'S1' | 'S2' | 'S2W' | 'S3';

/**
 * How θ learns: `eq13` the paper's actor (Daskalaki, Diem & Mougiakakou
 * 2014, eq. (13)) with its Q-critic, nearly inert in a 10-day trial (see
 * actorRate0); `td-error` an actor that learns within the trial (see
 * tdActorRate).
 */
export type ActorUpdate = 'eq13' | 'td-error';

/**
 * A conservative supervisory action on top of the learned one (the authors'
 * patent, US 10,937,536 B2, claim 1, combines "a linear deterministic control
 * action" with "a supervisory control action" that is conservative):
 * `hypo-guard` allows no increase of BR or IC on the day after a day with any
 * reading below 70 mg/dL (x² > 0): more insulin right after a hypoglycaemia is
 * the one step a clinician would not take, whatever the learner says.
 */
export type Supervisor = 'none' | 'hypo-guard';

export interface ActorCriticOptions {
  /**
   * θ_0: S1 zeros, S2 random magnitudes in (0, 1) with random signs (the
   * paper), S2W the same magnitudes with the signs of W, S3 W/TE (needs the
   * patient's TE). All seeded.
   */
  readonly initialisation: ActorCriticInitialisation;
  readonly actor: ActorUpdate;
  /**
   * β of the TD-error actor, θ ← θ − β δ ε x (constant: a trial of ten
   * transitions is far from the asymptotics a decaying rate serves).
   */
  readonly tdActorRate: number;
  readonly supervisor: Supervisor;
  /**
   * Safety: P_k ≥ −maxDailyDecrease per day (0.2 = −20 %). Clinical practice
   * lowers a dose by 10–20 % when hypoglycaemia has no other cause (ADA
   * Standards of Care 2023, section 9, Diabetes Care 46 Suppl 1:S140–S157,
   * Fig. 9.4); 20 %
   * lets a 2× overdose (the S2008 children's starting therapy) be undone in
   * ~4 days.
   */
  readonly maxDailyDecrease: number;
  /**
   * Safety: P_k ≤ +maxDailyIncrease per day (0.05 = +5 %). Doses go up slowly
   * and come down fast: the same guidance titrates basal up by ~2 U (≈ 5–10 %)
   * only every 3 days, because too much insulin is the acute danger and too
   * little the slow one. With the symmetric ±20 % we used first, a day of
   * post-meal highs (from carbohydrates under-estimated by up to 50 %) raised
   * BR and IC by a full 20 % the next morning, and S3's large θ0 = W/TE (TE
   * 0.015–0.15 bits, θ0 ≈ 7–67) turned that into a ±20 %/day oscillation:
   * S3 17 % CVGA A+B against 30 % for the fixed therapy (30 patients, 5
   * seeds). Chosen among 0.05/0.1/0.2 on seeds 101–105, not the study's
   * seeds, by the mean A+B of the three AC arms without the two excluded
   * children (42 / 36 / 27 %).
   */
  readonly maxDailyIncrease: number;
  /**
   * Safety: BR and IC stay within [minFactor, maxFactor] × their starting
   * values (0.3–2): the starting therapy is a physician's setting, and a
   * learner should not take a patient below a third of it (persistent
   * hyperglycaemia, ketosis risk with too little basal) nor above double it
   * without a human review. Both limits hold during learning too.
   */
  readonly minFactor: number;
  readonly maxFactor: number;
  /**
   * σ of the Gaussian exploration on P (u ~ N(x·θ, σ²)). The paper's policy is
   * deterministic, for which ψ = ∇ ln μ does not exist; 0.02 (2 %/day) is well
   * under the daily limits and the day-to-day noise of glucose itself,
   * yet gives the actor a gradient. It stays small also because the limits
   * are asymmetric: with σ = 0.1 the +5 % cap cuts off most upward draws, so
   * the applied steps drift down whatever θ says (on seeds 101–105 that drift,
   * not learning, lowered S1's LBGI). 0 disables exploration and so the actor
   * (ψ = 0): a fixed-gain adaptation with θ = θ_0.
   */
  readonly explorationSd: number;
  /**
   * λ of TD(λ). The paper (after its ref. [21]) notes higher λ approximates better; with
   * compatible features the actor's gradient bias shrinks as λ → 1. 0.9 keeps
   * most of a 10-day trial in the trace while staying < 1 as required.
   */
  readonly lambda: number;
  /** c0 of the critic rate γ^c_n = c0·n^−0.6 (see criticRate). */
  readonly criticRate0: number;
  /**
   * a0 of the actor rate γ^a_n = a0/n (see actorRate). Measured on
   * experiments/ac-learning-period.json (30 patients, 2 seeds, 60 days): at
   * 0.05 the actor moves θ by 0.002 on average in 60 days (0.0006 in the
   * 10-day study), so each arm runs on its θ0 and what S1–S3 compare is
   * their initialisation. Faster is worse, not better: at 10 θ moves (mean
   * 0.45) and control degrades in every group (adults' daily LBGI 1.3 → 19.5
   * by day 60); at 2.5 (0.05/σ, the step before ψ was scaled by σ; set it
   * on the S1-fast arm to repeat) adults reach 14.8. Why: one transition a
   * day carries almost no signal. A day's cost varies more (children under
   * the fixed therapy: SD 0.20–0.56) than a 2 % change in BR and IC moves it
   * (slope 1.1–3.7 per unit of P, from paired runs at 0.9×, 1× and 1.1× the
   * therapy with the same meals, 5 seeds × 9 days; an ad-hoc analysis, not
   * shipped), so the critic would need 75–1080 days to see the sign of the
   * effect at 2 SD (12–170 at 5 % exploration). A fast actor then follows
   * noise. We keep 0.05: nearly inert, and safe.
   */
  readonly actorRate0: number;
  /** w in c(x, u) = x¹ + w·x² (see localCost): hypoglycaemia costs twice as much. */
  readonly hypoCostWeight: number;
  /** Normalisation of the state (see StateNormalisation). */
  readonly hyperMaxErrorMgDl: number;
  readonly hypoMaxErrorMgDl: number;
  /**
   * When meal boluses IC × estimated carbs are given (src/control/mealBolus.ts).
   * `intake` (default) is the timing of the S2008 simulator's therapy, with
   * no pre-bolus.
   */
  readonly bolusTiming: BolusTiming;
}

export const ACTOR_CRITIC_DEFAULTS: ActorCriticOptions = {
  initialisation: 'S3',
  actor: 'eq13',
  tdActorRate: 5,
  supervisor: 'none',
  maxDailyDecrease: 0.2,
  maxDailyIncrease: 0.05,
  minFactor: 0.3,
  maxFactor: 2,
  explorationSd: 0.02,
  lambda: 0.9,
  criticRate0: 0.5,
  actorRate0: 0.05,
  hypoCostWeight: 2,
  hyperMaxErrorMgDl: 220,
  hypoMaxErrorMgDl: 30,
  bolusTiming: 'intake',
};

/** One day of the learning trace (day 0: the starting therapy, before any update). */
export interface ActorCriticDay {
  readonly day: number;
  /** x_k, or null when the day had no reading (no update then). */
  readonly state: Vec2 | null;
  readonly cost: number;
  /** P actually applied after the safety layer. */
  readonly pBr: number;
  readonly pIc: number;
  /** BR (U/min) and IC (U/g) in force from the next day. */
  readonly basalUPerMin: number;
  readonly icUPerG: number;
  /** θ after this day's actor step. */
  readonly thetaBr: Vec2;
  readonly thetaIc: Vec2;
  readonly averageCost: number;
  readonly tdError: number;
}

export class ActorCritic implements Controller {
  private readonly options: ActorCriticOptions;
  private readonly exploration: RandomStream | undefined;
  private readonly brLimits: PolicyLimits;
  private readonly icLimits: PolicyLimits;
  private readonly meals: MealBolusSchedule;
  private br: number;
  private ic: number;
  private theta: PolicyParameters;
  private critic: CriticState | undefined;
  private previous: { phi: number[]; cost: number } | undefined;
  /** The TD-error actor's critic, and the state and exploration draws of the day before. */
  private valueCritic: ValueCriticState | undefined;
  private lastDraw: { x: Vec2; br: number; ic: number } | undefined;
  private transitions = 0;
  private readonly days: ActorCriticDay[] = [];

  /**
   * @param initialTheta θ_0 of both policies (see thetaZeros/thetaRandom/thetaTransferEntropy).
   * @param exploration seeded stream for the exploration noise; required when explorationSd > 0.
   * @param meals the meal boluses already given (a run-in's), so a meal is never bolused twice across the switch.
   */
  constructor(
    therapy: TherapySettings,
    initialTheta: PolicyParameters,
    options: ActorCriticOptions = ACTOR_CRITIC_DEFAULTS,
    exploration?: RandomStream,
    meals: MealBolusSchedule = new MealBolusSchedule(options.bolusTiming),
  ) {
    const br0 = therapy.basalRateUPerMin;
    const ic0 = 1 / therapy.carbRatioGPerU;
    if (!(br0 > 0) || !Number.isFinite(br0)) throw new Error(`${therapy.patient}: actor-critic needs a basal rate > 0, got ${br0}`);
    if (!(ic0 > 0) || !Number.isFinite(ic0)) throw new Error(`${therapy.patient}: actor-critic needs a carb ratio > 0, got ${therapy.carbRatioGPerU}`);
    if (options.explorationSd > 0 && !exploration) throw new Error('actor-critic: explorationSd > 0 needs a seeded exploration stream');
    if (!(options.maxDailyDecrease < 1) || !(options.minFactor > 0) || !(options.minFactor <= 1 && options.maxFactor >= 1)) {
      throw new Error('actor-critic: needs maxDailyDecrease < 1 and 0 < minFactor ≤ 1 ≤ maxFactor');
    }
    this.options = options;
    this.exploration = exploration;
    this.meals = meals;
    this.br = br0;
    this.ic = ic0;
    const daily = { maxDailyIncrease: options.maxDailyIncrease, maxDailyDecrease: options.maxDailyDecrease };
    this.brLimits = { ...daily, min: options.minFactor * br0, max: options.maxFactor * br0 };
    this.icLimits = { ...daily, min: options.minFactor * ic0, max: options.maxFactor * ic0 };
    this.theta = { br: [...initialTheta.br], ic: [...initialTheta.ic] };
    this.days.push({
      day: 0, state: null, cost: NaN, pBr: 0, pIc: 0, basalUPerMin: br0, icUPerG: ic0,
      thetaBr: this.theta.br, thetaIc: this.theta.ic, averageCost: NaN, tdError: NaN,
    });
  }

  /** Current BR (U/min) and IC (U/g). */
  get basalUPerMin(): number {
    return this.br;
  }
  get icUPerG(): number {
    return this.ic;
  }
  get parameters(): PolicyParameters {
    return this.theta;
  }
  /** Learning trace: day 0 (start) then one entry per endOfDay. */
  trace(): readonly ActorCriticDay[] {
    return this.days;
  }

  decide(obs: Observation): InsulinRequest {
    let bolusU = 0;
    for (const meal of this.meals.due(obs)) bolusU += this.ic * meal.estimatedCarbsG;
    return { basalUPerMin: this.br, bolusU };
  }

  endOfDay(record: DayRecord): void {
    const o = this.options;
    const x = dailyState(record.glucoseMgDl, o);
    const last = this.days[this.days.length - 1]!;
    if (!x) {
      // No reading: nothing observed, so no transition and no change.
      this.days.push({ ...last, day: record.day, state: null, cost: NaN, pBr: 0, pIc: 0, tdError: NaN });
      return;
    }
    if (o.actor === 'td-error') {
      this.tdErrorDay(record.day, x);
      return;
    }
    // Action u_k = P_k drawn from the policy in force (θ_{k−1} after the last
    // actor step; the paper's P_k = x_k·θ_k up to that index shift, which is
    // what makes ψ of the drawn action well defined).
    const sd = o.explorationSd;
    const uBr = sd > 0 ? rateOfChange(x, this.theta.br) + sd * this.exploration!.normal() : rateOfChange(x, this.theta.br);
    const uIc = sd > 0 ? rateOfChange(x, this.theta.ic) + sd * this.exploration!.normal() : rateOfChange(x, this.theta.ic);
    // The score ψ = (u − x·θ)/σ² · x is O(1/σ) = O(50): as critic features
    // that drove the TD(λ) weights to diverge within a week (measured: TD
    // errors 1e2 → 1e9 by day 9, θ ~ 1e7). Scaled by σ it is z·x with z ~
    // N(0, 1): the same direction, O(1) (a constant factor the actor rate absorbs).
    const psi = sd > 0 ? [...gaussianScore(x, this.theta.br, uBr, sd), ...gaussianScore(x, this.theta.ic, uIc, sd)].map((v) => v * sd) : [0, 0, 0, 0];
    // Basis φ_θ(x, u) = [ψ_BR, ψ_IC, x¹, x²]: the ψ part is the compatible
    // feature set of Konda & Tsitsiklis (the paper's φ "dependent on the
    // Actor's parameters θ"), for which rᵀφ·ψ is an unbiased gradient
    // estimate; the x part lets the critic carry the state's own differential
    // cost, so the ψ weights need not absorb it (E[ψ | x] = 0, no bias added).
    const phi = [...psi, x[0], x[1]];
    const cost = localCost(x, o.hypoCostWeight);

    let tdError = NaN;
    if (!this.critic || !this.previous) {
      this.critic = initialCritic(phi, cost);
    } else {
      const n = ++this.transitions;
      // Actor first: eq. (13) uses r_k, the weights before this critic step.
      const theta = actorStep([...this.theta.br, ...this.theta.ic], this.critic.r, phi, psi, actorRate(o.actorRate0, n));
      // Normalised step γ/(1 + ‖z‖²) (normalised LMS; Haykin, Adaptive Filter
      // Theory, ch. 7): keeps the TD(λ) update stable whatever the scale of
      // the eligibility trace, which grows with λ over the first days.
      const trace2 = this.critic.z.reduce((sum, v) => sum + v * v, 0);
      const next = criticStep(this.critic, this.previous.phi, this.previous.cost, phi, cost, criticRate(o.criticRate0, n) / (1 + trace2), o.lambda);
      tdError = next.tdError;
      this.critic = next;
      this.theta = { br: [theta[0]!, theta[1]!], ic: [theta[2]!, theta[3]!] };
    }
    this.previous = { phi, cost };

    this.applyDay(record.day, x, cost, uBr, uIc, this.critic.averageCost, tdError);
  }

  /**
   * The TD-error actor's day: the value critic's step for yesterday's
   * transition, whose cost is today's, then the actor's step for yesterday's
   * action (θ ← θ − β δ ε x with yesterday's x and draws), then today's
   * action from the updated θ. Choices and their reasons: tdActorRate,
   * valueCriticStep, tdErrorActorStep.
   */
  private tdErrorDay(day: number, x: Vec2): void {
    const o = this.options;
    const cost = localCost(x, o.hypoCostWeight);
    let tdError = NaN;
    if (!this.valueCritic || !this.lastDraw) {
      this.valueCritic = { v: [0, 0], z: [0, 0], averageCost: cost };
    } else {
      const n = ++this.transitions;
      const step = valueCriticStep(this.valueCritic, this.lastDraw.x, x, cost, criticRate(o.criticRate0, n), o.lambda);
      tdError = step.tdError;
      this.valueCritic = step.critic;
      const { x: before, br, ic } = this.lastDraw;
      this.theta = { br: tdErrorActorStep(this.theta.br, before, br, tdError, o.tdActorRate), ic: tdErrorActorStep(this.theta.ic, before, ic, tdError, o.tdActorRate) };
    }
    const sd = o.explorationSd;
    const eBr = sd > 0 ? this.exploration!.normal() : 0;
    const eIc = sd > 0 ? this.exploration!.normal() : 0;
    this.lastDraw = { x, br: eBr, ic: eIc };
    this.applyDay(day, x, cost, rateOfChange(x, this.theta.br) + sd * eBr, rateOfChange(x, this.theta.ic) + sd * eIc, this.valueCritic.averageCost, tdError);
  }

  /** Tomorrow's BR and IC from today's actions, behind the supervisor and the safety layer; the day's trace entry. */
  private applyDay(day: number, x: Vec2, cost: number, uBr: number, uIc: number, averageCost: number, tdError: number): void {
    // The supervisor only caps the step: what the learner drew (and learns from) is unchanged.
    const guard = this.options.supervisor === 'hypo-guard' && x[1] > 0;
    const br = policyStep(this.br, guard ? Math.min(0, uBr) : uBr, this.brLimits);
    const ic = policyStep(this.ic, guard ? Math.min(0, uIc) : uIc, this.icLimits);
    this.br = br.value;
    this.ic = ic.value;
    this.days.push({
      day, state: x, cost, pBr: br.applied, pIc: ic.applied, basalUPerMin: this.br, icUPerG: this.ic,
      thetaBr: this.theta.br, thetaIc: this.theta.ic, averageCost, tdError,
    });
  }
}

/** θ_0 for an initialisation; S2 and S2W draw from `stream`, S3 needs the patient's TE in bits. */
export function initialTheta(kind: ActorCriticInitialisation, stream: RandomStream, transferEntropyBits?: number): PolicyParameters {
  switch (kind) {
    case 'S1':
      return thetaZeros();
    case 'S2':
      return thetaRandom(stream, 'random');
    case 'S2W':
      return thetaRandom(stream, 'W');
    case 'S3':
      if (transferEntropyBits === undefined) throw new Error('actor-critic S3 needs the patient transfer entropy');
      return thetaTransferEntropy(transferEntropyBits);
  }
}

/**
 * Factory for one patient: S2's θ_0 comes from the controller's stream
 * 'init' and exploration from 'exploration' (ControllerContext.random: the
 * seeded streams (seed, patient, 'actor-critic/init' and
 * 'actor-critic/exploration')), so runs are deterministic per seed and arms
 * sharing a seed share meals and sensor noise (other streams).
 */
export function createActorCritic(
  therapy: TherapySettings,
  options: ActorCriticOptions,
  random: ControllerContext['random'],
  transferEntropyBits?: number,
  meals?: MealBolusSchedule,
): ActorCritic {
  const theta = initialTheta(options.initialisation, random('init'), transferEntropyBits);
  return new ActorCritic(therapy, theta, options, random('exploration'), meals);
}

const nonNegative = { type: 'number', minimum: 0 } as const;

/** JSON Schema of the actor-critic's options (ranges: see ActorCriticOptions). */
export const ACTOR_CRITIC_OPTIONS_PROPERTIES = {
  initialisation: { enum: ['S1', 'S2', 'S2W', 'S3'] },
  actor: { enum: ['eq13', 'td-error'] },
  tdActorRate: nonNegative,
  supervisor: { enum: ['none', 'hypo-guard'] },
  maxDailyDecrease: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
  maxDailyIncrease: nonNegative,
  minFactor: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
  maxFactor: { type: 'number', minimum: 1 },
  explorationSd: nonNegative,
  lambda: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
  criticRate0: nonNegative,
  actorRate0: nonNegative,
  hypoCostWeight: nonNegative,
  hyperMaxErrorMgDl: { type: 'number', exclusiveMinimum: 0 },
  hypoMaxErrorMgDl: { type: 'number', exclusiveMinimum: 0 },
  bolusTiming: BOLUS_TIMING_SCHEMA,
} as const;
