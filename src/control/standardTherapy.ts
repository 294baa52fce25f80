/**
 * Standard sensor-augmented pump therapy of the S2008 simulator (docs/model.md §2.6):
 * constant basal u2ss·BW/6000 U/min and, for each announced meal, a bolus of
 * estimated carbs / CR plus, when the sensor reads above 150 mg/dL, a
 * correction (G − 140)/CF. As in the reference basal-bolus controller, the
 * correction rides on meal boluses only: correcting at every control period
 * would stack a dose every few minutes. With `therapy: 'optimised'` the
 * basal rate and CR are the simulator-optimised ones (docs/model.md §2.7).
 */
import { MAX_PUMP_BASAL_U_PER_H } from '../devices/presets.js';
import { type BolusTiming, MealBolusSchedule } from './mealBolus.js';
import { BOLUS_TIMING_SCHEMA, optionsParser } from './options.js';
import { optimisedTherapyProblem, startingTherapy, THERAPY_SOURCE_SCHEMA, type TherapySource } from './startingTherapy.js';
import { type Controller, type ControllerEntry, CORRECTION_MAX_READING_AGE_MIN, type InsulinRequest, type Observation, type TherapySettings } from './types.js';

export interface StandardTherapyOptions {
  /** Add a correction to meal boluses. */
  readonly correction: boolean;
  /** Correction target and threshold, mg/dL. */
  readonly targetMgDl: number;
  readonly correctionThresholdMgDl: number;
  /** When meal boluses are given (src/control/mealBolus.ts). */
  readonly bolusTiming: BolusTiming;
  /** With `intake` timing, bolus this many minutes before intake (0: at the control instant just before the meal starts). */
  readonly preBolusMin: number;
  /** Multiplies every meal bolus: a therapy that over- (> 1) or under-doses (< 1), for sensitivity studies. */
  readonly bolusScale: number;
  /**
   * The basal rate and CR to start from: the cohort's (Quest.csv's CR and the
   * model's steady-state basal) or the simulator-optimised ones
   * (optimised-therapy.csv, docs/model.md §2.7). `basalUPerH` and
   * `carbRatioGPerU` below, when given, win over either.
   */
  readonly therapy: TherapySource;
  /**
   * Therapy settings in place of the patient's (NaN: the patient's own) — for
   * cohorts that give none (T2DM on a pump) or for tuning studies.
   */
  readonly basalUPerH: number;
  readonly carbRatioGPerU: number;
  readonly correctionFactorMgDlPerU: number;
}

export const STANDARD_THERAPY_DEFAULTS: StandardTherapyOptions = {
  correction: true,
  targetMgDl: 140,
  correctionThresholdMgDl: 150,
  bolusTiming: 'intake',
  preBolusMin: 0,
  bolusScale: 1,
  therapy: 'cohort',
  basalUPerH: NaN,
  carbRatioGPerU: NaN,
  correctionFactorMgDlPerU: NaN,
};

/** Meal bolus in U for an announced meal at sensor glucose `cgmMgDl`. */
export function mealBolusU(therapy: TherapySettings, options: StandardTherapyOptions, estimatedCarbsG: number, glucoseMgDl: number): number {
  let bolus = estimatedCarbsG / therapy.carbRatioGPerU;
  if (options.correction && glucoseMgDl > options.correctionThresholdMgDl) {
    bolus += (glucoseMgDl - options.targetMgDl) / therapy.correctionFactorMgDlPerU;
  }
  return Math.max(0, bolus * options.bolusScale);
}

export class StandardTherapy implements Controller {
  private readonly therapy: TherapySettings;
  private readonly options: StandardTherapyOptions;
  private readonly meals: MealBolusSchedule;

  constructor(therapy: TherapySettings, options: StandardTherapyOptions = STANDARD_THERAPY_DEFAULTS) {
    const pick = (override: number, own: number) => (Number.isNaN(override) ? own : override);
    // The optimised set is needed only for what the explicit options leave to it.
    const start = needsStartingTherapy(options) ? startingTherapy(therapy, options.therapy) : therapy;
    this.therapy = {
      ...therapy,
      basalRateUPerMin: pick(options.basalUPerH / 60, start.basalRateUPerMin),
      carbRatioGPerU: pick(options.carbRatioGPerU, start.carbRatioGPerU),
      correctionFactorMgDlPerU: pick(options.correctionFactorMgDlPerU, therapy.correctionFactorMgDlPerU),
    };
    for (const [name, value] of [
      ['carbRatioGPerU', this.therapy.carbRatioGPerU],
      ['correctionFactorMgDlPerU', this.therapy.correctionFactorMgDlPerU],
    ] as const) {
      if (!(value > 0)) throw new Error(`${therapy.patient}: standard-therapy needs ${name}; this cohort gives none, set controller.options.${name}`);
    }
    this.options = options;
    this.meals = new MealBolusSchedule(options.bolusTiming, options.preBolusMin);
  }

  decide(obs: Observation): InsulinRequest {
    let bolusU = 0;
    for (const meal of this.meals.due(obs)) {
      // A correction needs a recent reading (a meter's may be hours old); without one, NaN adds none.
      const fresh = obs.glucoseTimeMin >= 0 && obs.timeMin - obs.glucoseTimeMin <= CORRECTION_MAX_READING_AGE_MIN;
      bolusU += mealBolusU(this.therapy, this.options, meal.estimatedCarbsG, fresh ? obs.glucoseMgDl : NaN);
    }
    return { basalUPerMin: this.therapy.basalRateUPerMin, bolusU };
  }
}

/** Whether a basal rate or CR is taken from the `therapy` source (not both given explicitly). */
function needsStartingTherapy(options: StandardTherapyOptions): boolean {
  return Number.isNaN(options.basalUPerH) || Number.isNaN(options.carbRatioGPerU);
}

/** Therapy settings that the options override (NaN: the patient's own). */
function settingsProblem(options: StandardTherapyOptions, therapy: TherapySettings): string | undefined {
  if (options.therapy === 'optimised' && needsStartingTherapy(options)) {
    const problem = optimisedTherapyProblem(therapy);
    if (problem !== undefined) return `standard-therapy option therapy 'optimised': ${problem}`;
  }
  for (const [name, override, own] of [
    ['carbRatioGPerU', options.carbRatioGPerU, therapy.carbRatioGPerU],
    ['correctionFactorMgDlPerU', options.correctionFactorMgDlPerU, therapy.correctionFactorMgDlPerU],
  ] as const) {
    if (Number.isNaN(override) && !(own > 0)) return `standard-therapy needs ${name}; this cohort gives none, set controller.options.${name}`;
  }
  return undefined;
}

const nonNegative = { type: 'number', minimum: 0 } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;

const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    correction: { type: 'boolean' },
    targetMgDl: nonNegative,
    correctionThresholdMgDl: nonNegative,
    bolusTiming: BOLUS_TIMING_SCHEMA,
    preBolusMin: nonNegative,
    bolusScale: nonNegative,
    therapy: { ...THERAPY_SOURCE_SCHEMA, description: "cohort: the patient's CR (Quest.csv) and steady-state basal; optimised: the simulator-optimised ones (optimised-therapy.csv)" },
    // Within what a pump programs (src/devices/presets.ts); a pump would clip more anyway.
    basalUPerH: { type: 'number', minimum: 0, maximum: MAX_PUMP_BASAL_U_PER_H },
    carbRatioGPerU: positive,
    correctionFactorMgDlPerU: positive,
  },
} as const;

export const standardTherapyEntry: ControllerEntry<StandardTherapyOptions> = {
  name: 'standard-therapy',
  description: 'Sensor-augmented pump therapy: basal u2ss·BW/6000, meal bolus CHO/CR + (G−140)/CF above 150 mg/dL (the S2008 simulator\'s basal-bolus therapy)',
  optionsSchema: OPTIONS_SCHEMA,
  parseOptions: optionsParser(STANDARD_THERAPY_DEFAULTS, (o) =>
    o.bolusTiming === 'announcement' && o.preBolusMin > 0
      ? { field: 'preBolusMin', reason: "a pre-bolus is timed from intake: it needs bolusTiming 'intake' (with 'announcement' the bolus is given when the meal is announced)" }
      : undefined,
  ),
  patientProblem: settingsProblem,
  create: (options, context) => new StandardTherapy(context.therapy, options),
  examples: [
    { title: 'the S2008 therapy', options: {}, patients: ['t1d'], delivery: 'pump' },
    { title: 'bolus at announcement, no correction', options: { bolusTiming: 'announcement', correction: false }, patients: ['t1d'], delivery: 'pump' },
    { title: 'the simulator-optimised basal rate and CR', options: { therapy: 'optimised', bolusTiming: 'announcement' }, patients: ['t1d'], delivery: 'pump' },
    {
      title: 'T2DM on a pump with set therapy',
      options: { basalUPerH: 0.6, carbRatioGPerU: 12, correctionFactorMgDlPerU: 40 },
      patients: ['t2dm'],
      delivery: 'pump',
    },
  ],
};
