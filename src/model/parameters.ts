/**
 * Parameters of one UVa/Padova S2008 T1D subject.
 *
 * Field names are the column names of the 2008 academic simulator's
 * `vpatient_params.csv` (as distributed with simglucose, commit a6f6777), so a
 * reader can check every value against that table. Units follow Dalla Man et
 * al. 2007 (IEEE TBME 54(10):1740), Table 1: rates in 1/min, masses in mg/kg or
 * pmol/kg, volumes in dL/kg (Vg) and L/kg (Vi), body weight in kg. Each
 * subsystem declares the parameters it uses.
 */
import type { GastricParameters } from './gastric.js';
import type { GlucoseParameters } from './glucose.js';
import type { InsulinActionParameters, SubcutaneousParameters } from './insulin.js';

export interface T1DParameters
  extends GastricParameters,
    GlucoseParameters,
    InsulinActionParameters,
    SubcutaneousParameters {
  readonly name: string;
  /** Body weight, kg. */
  readonly BW: number;
  /** Basal glucose, mg/dL. */
  readonly Gb: number;
  /** Glucose distribution volume, dL/kg. */
  readonly Vg: number;
  /** Endogenous glucose production EGP = kp1 − kp2·Gp − kp3·Id (Dalla Man 2007, eq. 11). */
  readonly kp1: number;
  readonly kp2: number;
  readonly kp3: number;
  /** Insulin kinetics: liver and plasma exchange and degradation, 1/min (eqs. 17–19). */
  readonly m1: number;
  readonly m2: number;
  readonly m4: number;
  readonly m30: number;
  /** Steady-state basal insulin infusion, pmol/kg/min. */
  readonly u2ss: number;
  /** Initial state x0_1 … x0_13, the subject's basal steady state. */
  readonly x0: readonly number[];
}

/** Therapy parameters of the 2008 simulator's `Quest.csv`. */
export interface TherapyParameters {
  /** Carbohydrate ratio, g of carbohydrate covered by 1 U. */
  readonly carbRatioGPerU: number;
  /** Correction factor, mg/dL lowered by 1 U. */
  readonly correctionFactorMgDlPerU: number;
  readonly ageYears: number;
  /** Total daily insulin, U. */
  readonly totalDailyInsulinU: number;
}

/** Insulin unit conversion: 1 U = 6000 pmol (Kovatchev et al. 2009; docs/model.md §1). */
export const PMOL_PER_UNIT = 6000;

/** Basal insulin that holds the subject's steady state, U/min (docs/model.md §1: u2ss·BW/6000). */
export function basalRateUPerMin(p: T1DParameters): number {
  return (p.u2ss * p.BW) / PMOL_PER_UNIT;
}

/** Convert an insulin rate in U/min to the model input in pmol/kg/min. */
export function insulinUPerMinToPmolPerKgPerMin(p: T1DParameters, uPerMin: number): number {
  return (uPerMin * PMOL_PER_UNIT) / p.BW;
}
