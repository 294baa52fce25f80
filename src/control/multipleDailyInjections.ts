/**
 * Multiple daily injections: doses of insulin preparations at set times of
 * day, with an optional sliding scale of correction insulin at those times
 * and optional rapid-acting meal boluses — the injection therapy of insulin-
 * treated T2DM and of T1D without a pump. Plugs into the same loop as pump
 * therapy: it asks for `injections` instead of basal and bolus.
 */
import type { Injection } from '../devices/types.js';
import { InputError } from '../io/errors.js';
import type { InsulinPreparation } from '../model/patientModel.js';
import { INSULIN_PREPARATIONS } from '../model/patientModel.js';
import { type Controller, CORRECTION_MAX_READING_AGE_MIN, type InsulinRequest, type Observation, type TherapySettings } from './types.js';

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
  /** Rapid-acting meal boluses: estimated carbs / CR at the control instant before intake (needs the patient's CR). */
  readonly mealBolus?: boolean;
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
  private readonly bolused = new Set<number>();

  constructor(therapy: TherapySettings, options: MdiOptions) {
    if (options.mealBolus && !(therapy.carbRatioGPerU > 0)) {
      throw new Error(`${therapy.patient}: mealBolus needs the patient's carbohydrate ratio, which this cohort does not give`);
    }
    this.therapy = therapy;
    this.options = options;
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
      for (const meal of obs.announcedMeals) {
        if (this.bolused.has(meal.id) || meal.leadMin >= obs.controlPeriodMin) continue;
        this.bolused.add(meal.id);
        add('rapid', meal.estimatedCarbsG / this.therapy.carbRatioGPerU);
      }
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

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function timeOfDay(text: unknown, file: string, field: string): number {
  const m = typeof text === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text) : null;
  if (!m) throw new InputError(file, field, `must be a time of day "HH:MM", got ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function preparation(x: unknown, file: string, field: string): InsulinPreparation {
  if (typeof x !== 'string' || !(INSULIN_PREPARATIONS as readonly string[]).includes(x)) {
    throw new InputError(file, field, `must be one of ${INSULIN_PREPARATIONS.join(', ')}, got ${JSON.stringify(x)}`);
  }
  return x as InsulinPreparation;
}

function nonNegative(x: unknown, file: string, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new InputError(file, field, `must be a number ≥ 0, got ${JSON.stringify(x)}`);
  return x;
}

function onlyKeys(x: Record<string, unknown>, allowed: readonly string[], file: string, field: string): void {
  for (const key of Object.keys(x)) {
    if (!allowed.includes(key)) throw new InputError(file, `${field}.${key}`, `unknown option (known: ${allowed.join(', ')})`);
  }
}

/** Validate `controller.options` of a scenario for multiple daily injections. */
export function parseMdiOptions(options: Readonly<Record<string, unknown>>, file: string): MdiOptions {
  const base = 'controller.options';
  onlyKeys(options, ['doses', 'slidingScale', 'mealBolus'], file, base);
  if (!Array.isArray(options.doses) || options.doses.length === 0) {
    throw new InputError(file, `${base}.doses`, 'must be a non-empty list of {time, preparation, units | unitsPerKg}');
  }
  const doses = options.doses.map((d: unknown, i: number): ScheduledDose => {
    const field = `${base}.doses[${i}]`;
    if (!isRecord(d)) throw new InputError(file, field, 'must be an object {time, preparation, units | unitsPerKg}');
    onlyKeys(d, ['time', 'preparation', 'units', 'unitsPerKg'], file, field);
    if ((d.units === undefined) === (d.unitsPerKg === undefined)) throw new InputError(file, field, 'give exactly one of units and unitsPerKg');
    return {
      timeOfDayMin: timeOfDay(d.time, file, `${field}.time`),
      preparation: preparation(d.preparation, file, `${field}.preparation`),
      ...(d.units !== undefined ? { units: nonNegative(d.units, file, `${field}.units`) } : { unitsPerKg: nonNegative(d.unitsPerKg, file, `${field}.unitsPerKg`) }),
    };
  });
  let slidingScale: MdiOptions['slidingScale'];
  if (options.slidingScale !== undefined) {
    const field = `${base}.slidingScale`;
    const s = options.slidingScale;
    if (!isRecord(s)) throw new InputError(file, field, 'must be an object {preparation, steps}');
    onlyKeys(s, ['preparation', 'steps'], file, field);
    if (!Array.isArray(s.steps) || s.steps.length === 0) throw new InputError(file, `${field}.steps`, 'must be a non-empty list of {aboveMgDl, units}');
    const steps = s.steps.map((step: unknown, i: number) => {
      const f = `${field}.steps[${i}]`;
      if (!isRecord(step)) throw new InputError(file, f, 'must be an object {aboveMgDl, units}');
      onlyKeys(step, ['aboveMgDl', 'units'], file, f);
      return { aboveMgDl: nonNegative(step.aboveMgDl, file, `${f}.aboveMgDl`), units: nonNegative(step.units, file, `${f}.units`) };
    });
    slidingScale = { preparation: preparation(s.preparation, file, `${field}.preparation`), steps };
  }
  if (options.mealBolus !== undefined && typeof options.mealBolus !== 'boolean') {
    throw new InputError(file, `${base}.mealBolus`, `must be a boolean, got ${JSON.stringify(options.mealBolus)}`);
  }
  return { doses, slidingScale, mealBolus: options.mealBolus === true };
}
