/**
 * The actor-critic controller as scenarios and experiments run it (Daskalaki,
 * Diem & Mougiakakou 2014, §3.2.1 "Automatic Tuning"): an optional run-in
 * under the starting therapy, from which the patient's transfer entropy from
 * insulin on board to glucose is measured, then the actor-critic, initialised
 * S1/S2/S3 (S3: θ0 = W/TE), adapting basal rate and IC ratio once a day.
 */
import {
  type ActorCritic,
  ACTOR_CRITIC_DEFAULTS,
  ACTOR_CRITIC_OPTIONS_PROPERTIES,
  type ActorCriticDay,
  type ActorCriticOptions,
  createActorCritic,
} from './actorCritic.js';
import { insulinOnBoardU, IOB_DEFAULT_DURATION_MIN } from './insulinOnBoard.js';
import { MealBolusSchedule } from './mealBolus.js';
import { optionsParser } from './options.js';
import { effectiveTransferEntropyBits, transferEntropyBits, type TransferEntropySurrogate } from './transferEntropy.js';
import type { RandomStream } from '../random/streams.js';
import { optimisedTherapyProblem, startingTherapy, THERAPY_SOURCE_SCHEMA, type TherapySource } from './startingTherapy.js';
import type { Controller, ControllerContext, ControllerEntry, DayRecord, InsulinRequest, Observation, TherapySettings } from './types.js';

export interface ActorCriticRunOptions extends ActorCriticOptions, TransferEntropyRunInOptions {
  /**
   * Days under the starting therapy before the actor-critic takes over; the
   * transfer entropy of S3 is measured over them. An experiment that runs a
   * run-in before its trial says so in its arms' options.
   */
  readonly runInDays: number;
  /**
   * The starting BR and IC: the cohort's (Quest.csv CR, steady-state basal)
   * or the simulator-optimised ones (src/control/startingTherapy.ts).
   */
  readonly therapy: TherapySource;
}

/** The paper's delay from insulin on board to glucose, min (d = 20 min). */
export const TE_DELAY_MIN = 20;
/**
 * TE is estimated on a 5-min grid (the sensor's latest reading and insulin on
 * board at each point): 288 points a day. Equal-width bins: 4 per variable,
 * since the plug-in estimator needs many samples per cell of its bins³ table
 * (64 cells for a one-day run-in; 8 bins would be 512 cells for 288 points,
 * where the estimator's bias dominates: see test/control/transferEntropy.test.ts).
 */
export const TE_GRID_MIN = 5;
export const TE_BINS = 4;
/** S3 divides by TE: a run-in with (almost) no measurable flow would give an unbounded θ0; floor it. */
export const TE_FLOOR_BITS = 0.01;

/**
 * How the run-in's TE is estimated. Each change to the paper's estimator is
 * an option, so that an ablation can switch it on and off; the defaults are
 * the corrected estimate (TE_RUN_IN_DEFAULTS).
 */
export interface TransferEntropyRunInOptions {
  /**
   * 'plug-in': the histogram estimate of Daskalaki, Diem & Mougiakakou 2014
   * (§3.2.1, eq. (21)), biased upward: on a one-day run-in of the S2008
   * cohort its surrogates average 0.035–0.040 bits of the 0.055 it measures.
   * 'surrogate-corrected': that estimate minus its mean over
   * surrogate insulin-on-board series (the effective TE of Marschinski &
   * Kantz 2002, src/control/transferEntropy.ts), ≤ 0 when no coupling is
   * measurable (S3 floors it at TE_FLOOR_BITS).
   */
  readonly teEstimator: 'plug-in' | 'surrogate-corrected';
  /** The surrogate of the correction ('circular-shift' keeps the autocorrelation of insulin on board; see TransferEntropySurrogate). */
  readonly teSurrogate: TransferEntropySurrogate;
  /** Number of surrogates, integer ≥ 2. */
  readonly teSurrogates: number;
  /** Equal-width bins per variable (TE_BINS in the paper's setting). */
  readonly teBins: number;
  /**
   * Insulin on board at the run-in's first minute as after an infinitely
   * long basal at the run-in's first delivered basal rate (the patient starts
   * at the basal steady state), instead of 0 and a 6-h ramp.
   */
  readonly iobWarmStart: boolean;
}

export const TE_RUN_IN_DEFAULTS: TransferEntropyRunInOptions = {
  teEstimator: 'surrogate-corrected',
  teSurrogate: 'circular-shift',
  teSurrogates: 20,
  teBins: TE_BINS,
  iobWarmStart: true,
};

/** The paper's estimator as first implemented here: for ablations. */
export const TE_RUN_IN_PLUG_IN: TransferEntropyRunInOptions = {
  ...TE_RUN_IN_DEFAULTS,
  teEstimator: 'plug-in',
  iobWarmStart: false,
};

/** JSON Schema properties of TransferEntropyRunInOptions, to merge into a controller's options schema. */
export const TE_RUN_IN_OPTIONS_PROPERTIES = {
  teEstimator: {
    enum: ['plug-in', 'surrogate-corrected'],
    description: "run-in transfer entropy: the paper's histogram estimate, or that minus its mean over surrogates (Marschinski & Kantz 2002)",
  },
  teSurrogate: {
    enum: ['circular-shift', 'permutation'],
    description: 'surrogate insulin on board: circularly shifted (keeps its autocorrelation) or permuted',
  },
  teSurrogates: { type: 'integer', minimum: 2, description: 'number of surrogates of the correction' },
  teBins: { type: 'integer', minimum: 2, description: 'equal-width bins per variable' },
  iobWarmStart: { type: 'boolean', description: 'insulin on board starts at its basal steady state, not at 0' },
} as const;

/** The run-in's TE and what it came from. */
export interface RunInTransferEntropy {
  /** The estimate, bits: the plug-in one, or the surrogate-corrected one (may be ≤ 0). */
  readonly bits: number;
  readonly plugInBits: number;
  /** Mean and SD of the surrogates' plug-in TE, bits (NaN for the plug-in estimator). */
  readonly surrogateMeanBits: number;
  readonly surrogateSdBits: number;
  /** Surrogates used (0 for the plug-in estimator). */
  readonly surrogates: number;
  /** Points of the 5-min grid. */
  readonly points: number;
}

/**
 * The shortest circular shift of the surrogates, min: the duration of insulin
 * action (IOB_DEFAULT_DURATION_MIN, 6 h). Insulin on board is autocorrelated
 * over about that long, and glucose responds to insulin over it, so a shorter
 * shift would leave the surrogate coupled to glucose through its own past. It
 * also keeps shifts 6 h or more from a whole day (TE_SURROGATE_PERIOD_MIN):
 * meals come at similar times every day, and a shift of about a day lines up
 * each day's boluses with the next day's meals again.
 */
const TE_SURROGATE_MIN_SHIFT_MIN = IOB_DEFAULT_DURATION_MIN;
const TE_SURROGATE_PERIOD_MIN = 1440;

/**
 * TE (bits) from insulin on board, delayed 20 min, to glucose, over the run-in
 * days' records (Daskalaki, Diem & Mougiakakou 2014, §3.2.1, eq. (21)).
 * `random` draws the surrogates; it is needed by the surrogate-corrected
 * estimator only (a controller passes its own stream for the purpose).
 */
export function runInTransferEntropy(
  records: readonly DayRecord[],
  options: Partial<TransferEntropyRunInOptions> = {},
  random?: RandomStream,
): RunInTransferEntropy {
  const o = { ...TE_RUN_IN_DEFAULTS, ...options };
  const minutes = records.reduce((s, r) => s + r.basalUPerMin.length, 0);
  const insulin = new Float64Array(minutes);
  const glucose = new Float64Array(minutes);
  let m = 0;
  for (const r of records) {
    for (let i = 0; i < r.basalUPerMin.length; i++, m++) {
      insulin[m] = r.basalUPerMin[i] + r.bolusU[i];
      glucose[m] = r.glucoseMgDl[i];
    }
  }
  // Warm start at the basal delivered in the first minute: the starting basal rate as the pump gives it,
  // which the controller assumes was running before (the patient starts at the basal steady state).
  const firstBasal = records[0]?.basalUPerMin.find(Number.isFinite) ?? 0;
  const iob = insulinOnBoardU(insulin, o.iobWarmStart ? { priorBasalUPerMin: firstBasal } : {});
  const points = Math.floor(minutes / TE_GRID_MIN);
  const source = new Float64Array(points);
  const target = new Float64Array(points);
  let latest = NaN;
  for (let k = 0, minute = 0; k < points; k++) {
    const t = k * TE_GRID_MIN;
    for (; minute <= t; minute++) if (Number.isFinite(glucose[minute])) latest = glucose[minute];
    source[k] = iob[t];
    target[k] = latest;
  }
  const te = { delay: TE_DELAY_MIN / TE_GRID_MIN, bins: o.teBins };
  if (o.teEstimator === 'plug-in') {
    const bits = transferEntropyBits(source, target, te);
    return { bits, plugInBits: bits, surrogateMeanBits: NaN, surrogateSdBits: NaN, surrogates: 0, points };
  }
  if (!random) throw new Error('run-in transfer entropy: the surrogate-corrected estimator needs a random stream for its surrogates');
  const e = effectiveTransferEntropyBits(
    source,
    target,
    {
      ...te,
      surrogate: o.teSurrogate,
      surrogates: o.teSurrogates,
      minShift: TE_SURROGATE_MIN_SHIFT_MIN / TE_GRID_MIN,
      period: TE_SURROGATE_PERIOD_MIN / TE_GRID_MIN,
    },
    random,
  );
  return { bits: e.bits, plugInBits: e.plugInBits, surrogateMeanBits: e.surrogateMeanBits, surrogateSdBits: e.surrogateSdBits, surrogates: e.surrogates, points };
}

export class ActorCriticWithRunIn implements Controller {
  private readonly therapy: TherapySettings;
  private readonly options: ActorCriticOptions;
  private readonly teOptions: TransferEntropyRunInOptions;
  private readonly random: ControllerContext['random'];
  private readonly runInDays: number;
  private readonly runIn: DayRecord[] = [];
  /** One meal-bolus schedule for the run-in and the learner: a meal is bolused once, whoever is in charge when it is due. */
  private readonly meals: MealBolusSchedule;
  private learner: ActorCritic | undefined;
  private transferEntropy = NaN;

  constructor(
    therapy: TherapySettings,
    options: ActorCriticOptions,
    random: ControllerContext['random'],
    runInDays: number,
    teOptions: TransferEntropyRunInOptions = TE_RUN_IN_DEFAULTS,
  ) {
    if (runInDays === 0 && options.initialisation === 'S3') throw new Error(`${therapy.patient}: initialisation S3 needs a run-in to measure transfer entropy (runInDays ≥ 1)`);
    this.therapy = therapy;
    this.options = options;
    this.teOptions = teOptions;
    this.random = random;
    this.runInDays = runInDays;
    this.meals = new MealBolusSchedule(options.bolusTiming);
    if (runInDays === 0) this.learner = createActorCritic(therapy, options, random, undefined, this.meals);
  }

  decide(obs: Observation): InsulinRequest {
    if (this.learner) return this.learner.decide(obs);
    // Run-in: the starting therapy, as the actor-critic's own policy before any update.
    let bolusU = 0;
    for (const meal of this.meals.due(obs)) bolusU += meal.estimatedCarbsG / this.therapy.carbRatioGPerU;
    return { basalUPerMin: this.therapy.basalRateUPerMin, bolusU };
  }

  endOfDay(record: DayRecord): void {
    if (this.learner) {
      this.learner.endOfDay(record);
      return;
    }
    // The engine's day record holds views into its trace: keep copies.
    this.runIn.push({ ...record, glucoseMgDl: record.glucoseMgDl.slice(), basalUPerMin: record.basalUPerMin.slice(), bolusU: record.bolusU.slice() });
    if (record.day < this.runInDays) return;
    // The surrogates draw from a stream of their own, so no other stream's draws move.
    this.transferEntropy = runInTransferEntropy(this.runIn, this.teOptions, this.random('te-surrogates')).bits;
    this.learner = createActorCritic(this.therapy, this.options, this.random, Math.max(this.transferEntropy, TE_FLOOR_BITS), this.meals);
  }

  /**
   * Basal rate (U/h) and IC (U/g) in force on each trial day, the run-in's
   * TE, and θ at the start and after the last day, each as [BR hyper, BR
   * hypo, IC hyper, IC hypo]: how far the actor moved θ is how much it learned.
   */
  dailyLog(): Readonly<Record<string, readonly number[]>> {
    const days = this.learner?.trace() ?? [];
    // trace()[0] is the start; entry k holds what is in force from trial day k + 1. The last entry is after the last day.
    const inForce = days.slice(0, Math.max(days.length - 1, 1));
    const theta = (d: ActorCriticDay | undefined) => (d ? [...d.thetaBr, ...d.thetaIc] : []);
    return {
      basalUPerH: inForce.map((d) => d.basalUPerMin * 60),
      icUPerG: inForce.map((d) => d.icUPerG),
      transferEntropyBits: [this.transferEntropy],
      thetaInitial: theta(days[0]),
      thetaFinal: theta(days[days.length - 1]),
    };
  }
}

const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...ACTOR_CRITIC_OPTIONS_PROPERTIES,
    ...TE_RUN_IN_OPTIONS_PROPERTIES,
    runInDays: { type: 'integer', minimum: 0 },
    therapy: { ...THERAPY_SOURCE_SCHEMA, description: "cohort: the patient's CR (Quest.csv) and steady-state basal; optimised: the simulator-optimised ones (optimised-therapy.csv)" },
  },
} as const;

export const actorCriticEntry: ControllerEntry<ActorCriticRunOptions> = {
  name: 'actor-critic',
  description:
    'Actor-critic adapting basal rate and IC ratio once a day (Daskalaki, Diem & Mougiakakou 2014, §3.2), initialised S1/S2/S3, after an optional run-in measuring transfer entropy',
  optionsSchema: OPTIONS_SCHEMA,
  parseOptions: optionsParser<ActorCriticRunOptions>({ ...ACTOR_CRITIC_DEFAULTS, ...TE_RUN_IN_DEFAULTS, runInDays: 0, therapy: 'cohort' }, (o) =>
    o.initialisation === 'S3' && o.runInDays < 1
      ? { field: 'initialisation', reason: 'S3 needs a run-in (runInDays ≥ 1) to measure transfer entropy' }
      : undefined,
  ),
  patientProblem(options, therapy) {
    if (options.therapy === 'optimised') {
      const problem = optimisedTherapyProblem(therapy);
      if (problem !== undefined) return `actor-critic option therapy 'optimised': ${problem}`;
    }
    if (!(therapy.basalRateUPerMin > 0)) return `actor-critic needs a basal rate > 0 (this patient's is ${therapy.basalRateUPerMin} U/min)`;
    if (!(therapy.carbRatioGPerU > 0)) return "actor-critic needs the patient's carbohydrate ratio, which this cohort does not give";
    return undefined;
  },
  runIn: (options) => ({ days: options.runInDays, option: 'runInDays' }),
  create: (options, context) =>
    new ActorCriticWithRunIn(startingTherapy(context.therapy, options.therapy), options, context.random, options.runInDays, options),
  examples: [
    { title: 'S3 after a one-day run-in', options: { initialisation: 'S3', runInDays: 1 }, patients: ['t1d'], delivery: 'pump' },
    { title: 'S2 from the first day, bolus at announcement', options: { initialisation: 'S2', bolusTiming: 'announcement' }, patients: ['t1d'], delivery: 'pump' },
  ],
};
