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
import { insulinOnBoardU } from './insulinOnBoard.js';
import { MealBolusSchedule } from './mealBolus.js';
import { optionsParser } from './options.js';
import { transferEntropyBits } from './transferEntropy.js';
import type { Controller, ControllerContext, ControllerEntry, DayRecord, InsulinRequest, Observation, TherapySettings } from './types.js';

export interface ActorCriticRunOptions extends ActorCriticOptions {
  /**
   * Days under the starting therapy before the actor-critic takes over; the
   * transfer entropy of S3 is measured over them. An experiment that runs a
   * run-in before its trial says so in its arms' options.
   */
  readonly runInDays: number;
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

/** TE (bits) from insulin on board, delayed 20 min, to glucose, over the run-in days' records. */
export function runInTransferEntropy(records: readonly DayRecord[]): number {
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
  const iob = insulinOnBoardU(insulin);
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
  return transferEntropyBits(source, target, { delay: TE_DELAY_MIN / TE_GRID_MIN, bins: TE_BINS });
}

export class ActorCriticWithRunIn implements Controller {
  private readonly therapy: TherapySettings;
  private readonly options: ActorCriticOptions;
  private readonly random: ControllerContext['random'];
  private readonly runInDays: number;
  private readonly runIn: DayRecord[] = [];
  /** One meal-bolus schedule for the run-in and the learner: a meal is bolused once, whoever is in charge when it is due. */
  private readonly meals: MealBolusSchedule;
  private learner: ActorCritic | undefined;
  private transferEntropy = NaN;

  constructor(therapy: TherapySettings, options: ActorCriticOptions, random: ControllerContext['random'], runInDays: number) {
    if (runInDays === 0 && options.initialisation === 'S3') throw new Error(`${therapy.patient}: initialisation S3 needs a run-in to measure transfer entropy (runInDays ≥ 1)`);
    this.therapy = therapy;
    this.options = options;
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
    this.transferEntropy = runInTransferEntropy(this.runIn);
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
  properties: { ...ACTOR_CRITIC_OPTIONS_PROPERTIES, runInDays: { type: 'integer', minimum: 0 } },
} as const;

export const actorCriticEntry: ControllerEntry<ActorCriticRunOptions> = {
  name: 'actor-critic',
  description:
    'Actor-critic adapting basal rate and IC ratio once a day (Daskalaki, Diem & Mougiakakou 2014, §3.2), initialised S1/S2/S3, after an optional run-in measuring transfer entropy',
  optionsSchema: OPTIONS_SCHEMA,
  parseOptions: optionsParser<ActorCriticRunOptions>({ ...ACTOR_CRITIC_DEFAULTS, runInDays: 0 }, (o) =>
    o.initialisation === 'S3' && o.runInDays < 1
      ? { field: 'initialisation', reason: 'S3 needs a run-in (runInDays ≥ 1) to measure transfer entropy' }
      : undefined,
  ),
  patientProblem(_options, therapy) {
    if (!(therapy.basalRateUPerMin > 0)) return `actor-critic needs a basal rate > 0 (this patient's is ${therapy.basalRateUPerMin} U/min)`;
    if (!(therapy.carbRatioGPerU > 0)) return "actor-critic needs the patient's carbohydrate ratio, which this cohort does not give";
    return undefined;
  },
  runIn: (options) => ({ days: options.runInDays, option: 'runInDays' }),
  create: (options, context) => new ActorCriticWithRunIn(context.therapy, options, context.random, options.runInDays),
  examples: [
    { title: 'S3 after a one-day run-in', options: { initialisation: 'S3', runInDays: 1 }, patients: ['t1d'], delivery: 'pump' },
    { title: 'S2 from the first day, bolus at announcement', options: { initialisation: 'S2', bolusTiming: 'announcement' }, patients: ['t1d'], delivery: 'pump' },
  ],
};
