/**
 * Multiple daily injections: doses of insulin preparations at set times of
 * day, with an optional sliding scale of correction insulin at those times
 * and optional rapid-acting meal boluses — the injection therapy of insulin-
 * treated T2DM and of T1D without a pump. Plugs into the same loop as pump
 * therapy: it asks for `injections` instead of basal and bolus.
 */
import { MAX_PEN_DOSE_U, MAX_PEN_DOSE_U_PER_KG } from '../devices/pen.js';
import type { Injection } from '../devices/types.js';
import { InputError } from '../io/errors.js';
import { joinField } from '../io/schema.js';
import { parseTimeOfDay, TIME_OF_DAY_PATTERN } from '../io/timeOfDay.js';
import type { InsulinPreparation } from '../model/patientModel.js';
import { INSULIN_PREPARATIONS } from '../model/patientModel.js';
import { type BolusTiming, MealBolusSchedule } from './mealBolus.js';
import { BOLUS_TIMING_SCHEMA } from './options.js';
import {
  type Controller,
  type ControllerEntry,
  CORRECTION_MAX_READING_AGE_MIN,
  type InsulinRequest,
  type Observation,
  type OptionsSource,
  type TherapySettings,
} from './types.js';

export interface ScheduledDose {
  /** Minutes after midnight. */
  readonly timeOfDayMin: number;
  readonly preparation: InsulinPreparation;
  /** A fixed dose (U), or a weight-based one (U/kg) as regimens are usually started. */
  readonly units?: number;
  readonly unitsPerKg?: number;
}

export interface SlidingScaleStep {
  /** Added when the latest reading is above this, mg/dL. */
  readonly aboveMgDl: number;
  readonly units: number;
}

export interface MdiOptions {
  readonly doses: readonly ScheduledDose[];
  /** Correction insulin added at each dose time from the latest reading (the highest step it exceeds). */
  readonly slidingScale?: { readonly preparation: InsulinPreparation; readonly steps: readonly SlidingScaleStep[] };
  /** Rapid-acting meal boluses: estimated carbs / CR (needs the patient's CR), timed by `bolusTiming`. */
  readonly mealBolus?: boolean;
  readonly bolusTiming?: BolusTiming;
}

/** Units of the sliding scale for a reading (0 below the first step or without a recent reading). */
export function slidingScaleUnits(steps: readonly SlidingScaleStep[], glucoseMgDl: number): number {
  let units = 0;
  for (const step of steps) if (glucoseMgDl > step.aboveMgDl) units = Math.max(units, step.units);
  return units;
}

export class MultipleDailyInjections implements Controller {
  private readonly therapy: TherapySettings;
  private readonly options: MdiOptions;
  private readonly meals: MealBolusSchedule;

  constructor(therapy: TherapySettings, options: MdiOptions) {
    if (options.mealBolus && !(therapy.carbRatioGPerU > 0)) {
      throw new Error(`${therapy.patient}: mealBolus needs the patient's carbohydrate ratio, which this cohort does not give`);
    }
    this.therapy = therapy;
    this.options = options;
    this.meals = new MealBolusSchedule(options.bolusTiming ?? 'intake');
  }

  decide(obs: Observation): InsulinRequest {
    const injections: Injection[] = [];
    const add = (preparation: InsulinPreparation, units: number) => {
      if (units > 0) injections.push({ preparation, units });
    };
    let doseTime = false;
    for (const dose of this.options.doses) {
      if (!dueNow(dose.timeOfDayMin, obs)) continue;
      doseTime = true;
      add(dose.preparation, dose.units ?? (dose.unitsPerKg ?? 0) * this.therapy.bodyWeightKg);
    }
    const scale = this.options.slidingScale;
    if (scale && doseTime && obs.glucoseTimeMin >= 0 && obs.timeMin - obs.glucoseTimeMin <= CORRECTION_MAX_READING_AGE_MIN) {
      add(scale.preparation, slidingScaleUnits(scale.steps, obs.glucoseMgDl));
    }
    if (this.options.mealBolus) {
      for (const meal of this.meals.due(obs)) add('rapid', meal.estimatedCarbsG / this.therapy.carbRatioGPerU);
    }
    return { basalUPerMin: 0, bolusU: 0, injections };
  }
}

/** A time of day falls due at the control instant whose period contains it. */
function dueNow(timeOfDayMin: number, obs: Observation): boolean {
  const since = (timeOfDayMin - obs.timeOfDayMin + 1440) % 1440;
  return since < obs.controlPeriodMin;
}

// ---- options from a scenario file ------------------------------------------

/** The options as written in a file: dose times as "HH:MM". */
interface MdiOptionsFile {
  doses: { time: string; preparation: InsulinPreparation; units?: number; unitsPerKg?: number }[];
  slidingScale?: { preparation: InsulinPreparation; steps: SlidingScaleStep[] };
  mealBolus?: boolean;
  bolusTiming?: BolusTiming;
}

const preparationSchema = { enum: INSULIN_PREPARATIONS } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
/** One injection, U: within what a pen can dial (src/devices/pen.ts). */
const penDose = { type: 'number', minimum: 0, maximum: MAX_PEN_DOSE_U } as const;

export const MDI_OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['doses'],
  properties: {
    doses: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['time', 'preparation'],
        properties: {
          time: { type: 'string', pattern: TIME_OF_DAY_PATTERN },
          preparation: preparationSchema,
          units: penDose,
          unitsPerKg: { type: 'number', minimum: 0, maximum: MAX_PEN_DOSE_U_PER_KG },
        },
      },
    },
    slidingScale: {
      type: 'object',
      additionalProperties: false,
      required: ['preparation', 'steps'],
      properties: {
        preparation: preparationSchema,
        steps: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['aboveMgDl', 'units'],
            properties: { aboveMgDl: nonNegative, units: penDose },
          },
        },
      },
    },
    mealBolus: { type: 'boolean' },
    bolusTiming: BOLUS_TIMING_SCHEMA,
  },
} as const;

/**
 * `controller.options` for multiple daily injections, after the schema: dose
 * times to minutes, exactly one of units and unitsPerKg, a bolus timing only
 * with meal boluses.
 */
export function parseMdiOptions(options: Readonly<Record<string, unknown>>, source: OptionsSource): MdiOptions {
  const raw = options as unknown as MdiOptionsFile;
  const doses = raw.doses.map((d, i): ScheduledDose => {
    const field = joinField(source.field, `doses[${i}]`);
    if ((d.units === undefined) === (d.unitsPerKg === undefined)) throw new InputError(source.file, field, 'give exactly one of units and unitsPerKg');
    return {
      timeOfDayMin: parseTimeOfDay(d.time, source.file, `${field}.time`),
      preparation: d.preparation,
      ...(d.units !== undefined ? { units: d.units } : { unitsPerKg: d.unitsPerKg }),
    };
  });
  if (raw.bolusTiming !== undefined && raw.mealBolus !== true) {
    throw new InputError(source.file, joinField(source.field, 'bolusTiming'), 'only meal boluses have a timing: set mealBolus to true, or leave bolusTiming out');
  }
  return {
    doses,
    slidingScale: raw.slidingScale,
    mealBolus: raw.mealBolus === true,
    bolusTiming: raw.bolusTiming ?? 'intake',
  };
}

/** Split-mixed NPH + regular with a sliding scale, as file options: an example here and the π0 of the mdp controller's example. */
export const SPLIT_MIXED_EXAMPLE = {
  doses: [
    { time: '07:00', preparation: 'nph', unitsPerKg: 0.13 },
    { time: '07:00', preparation: 'regular', unitsPerKg: 0.07 },
    { time: '19:00', preparation: 'nph', unitsPerKg: 0.05 },
    { time: '19:00', preparation: 'regular', unitsPerKg: 0.05 },
  ],
  slidingScale: { preparation: 'regular', steps: [{ aboveMgDl: 150, units: 2 }, { aboveMgDl: 250, units: 4 }] },
};

export const multipleDailyInjectionsEntry: ControllerEntry<MdiOptions> = {
  name: 'multiple-daily-injections',
  description: 'Injections of insulin preparations at set times of day, optional sliding scale and rapid meal boluses (needs a pen)',
  optionsSchema: MDI_OPTIONS_SCHEMA,
  parseOptions: parseMdiOptions,
  patientProblem: (options, therapy) =>
    options.mealBolus && !(therapy.carbRatioGPerU > 0) ? "mealBolus needs the patient's carbohydrate ratio, which this cohort does not give" : undefined,
  preparations(options) {
    const used = new Set<InsulinPreparation>(options.doses.map((d) => d.preparation));
    if (options.slidingScale) used.add(options.slidingScale.preparation);
    if (options.mealBolus) used.add('rapid');
    return [...used];
  },
  create: (options, context) => new MultipleDailyInjections(context.therapy, options),
  examples: [
    {
      title: 'split-mixed NPH + regular with a sliding scale',
      options: SPLIT_MIXED_EXAMPLE,
      patients: ['t2dm', 't1d'],
      delivery: 'pen',
    },
    {
      title: 'basal-bolus by pen: long-acting at night, rapid for meals',
      options: { doses: [{ time: '22:00', preparation: 'long', unitsPerKg: 0.25 }], mealBolus: true },
      patients: ['t1d'],
      delivery: 'pen',
    },
  ],
};
