/**
 * The one interface every controller implements, from standard pump therapy
 * to learning controllers whose decisions come from remote servers.
 *
 * A controller sees what a real device would know (sensor readings, announced
 * meals, time, what it delivered), never the patient's true state. `decide`
 * may return a promise; the engine awaits only then, so in-process
 * controllers stay synchronous and fast.
 */
import type { InsulinRequest } from '../devices/types.js';
import type { InsulinPreparation } from '../model/patientModel.js';

export type { InsulinRequest };

/**
 * A correction dose uses a reading at most this old, min: one meter reading
 * before the dose (a CGM is always fresher).
 */
export const CORRECTION_MAX_READING_AGE_MIN = 60;

/** A meal the patient told the controller about. */
export interface AnnouncedMeal {
  /** Stable identifier within a run (index in the meal plan). */
  readonly id: number;
  /** Intake start, min after scenario start. */
  readonly intakeMin: number;
  /** The patient's carbohydrate estimate, g (the true amount may differ). */
  readonly estimatedCarbsG: number;
  /** Minutes from now until intake (negative once eating has begun). */
  readonly leadMin: number;
}

export interface Observation {
  /** Minutes after scenario start. */
  readonly timeMin: number;
  /** Day of the scenario, 1-based, and minutes after midnight. */
  readonly day: number;
  readonly timeOfDayMin: number;
  /** Latest sensor or meter reading (mg/dL) and when it was taken; NaN/−1 before the first. */
  readonly glucoseMgDl: number;
  readonly glucoseTimeMin: number;
  /** Meals announced and not yet past (intake after the previous control instant). */
  readonly announcedMeals: readonly AnnouncedMeal[];
  /** Length of the control period, min: the request holds that long. */
  readonly controlPeriodMin: number;
}

/** One scenario day as the controller could have recorded it (views, do not keep). */
export interface DayRecord {
  readonly day: number;
  /** First minute of the day, min after scenario start; arrays are per minute of the day. */
  readonly startMin: number;
  /** Sensor or meter readings, mg/dL; NaN at minutes without a reading. */
  readonly glucoseMgDl: Float64Array;
  /** Delivered basal rate (U/min) and bolus (U) per minute. */
  readonly basalUPerMin: Float64Array;
  readonly bolusU: Float64Array;
  /** Carbohydrate estimates announced (g) at the minute of announcement. */
  readonly carbsEstimatedG: Float64Array;
  /** Pen injections per preparation, U, at the minute given. */
  readonly injectionsU: Readonly<Record<InsulinPreparation, Float64Array>>;
}

export interface Controller {
  decide(observation: Observation): InsulinRequest | Promise<InsulinRequest>;
  endOfDay?(record: DayRecord): void | Promise<void>;
  /** What a learning controller wants reported: named series, one value per day (e.g. its basal rate and IC ratio). */
  dailyLog?(): Readonly<Record<string, readonly number[]>>;
}

/**
 * What a physician knows of the patient: therapy parameters, not model
 * states. Basal rate is the S2008 simulator's `u2ss·BW/6000` U/min.
 */
export interface TherapySettings {
  readonly patient: string;
  readonly basalRateUPerMin: number;
  readonly carbRatioGPerU: number;
  readonly correctionFactorMgDlPerU: number;
  readonly bodyWeightKg: number;
}
