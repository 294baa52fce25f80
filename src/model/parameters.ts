/**
 * Parameters of one UVa/Padova S2008 T1D subject.
 *
 * Field names are the column names of the 2008 academic simulator's
 * `vpatient_params.csv` (as distributed with simglucose, commit a6f6777), so a
 * reader can check every value against that table. Units follow Dalla Man et
 * al. 2007 (IEEE TBME 54(10):1740), Table 1: rates in 1/min, masses in mg/kg or
 * pmol/kg, volumes in dL/kg (Vg) and L/kg (Vi), body weight in kg.
 */
export interface T1DParameters {
  readonly name: string;
  /** Body weight, kg. */
  readonly BW: number;
  /** Basal glucose, mg/dL, and basal plasma insulin, pmol/L. */
  readonly Gb: number;
  readonly Ib: number;
  /** Gastric emptying and absorption (Dalla Man 2006 oral glucose model). */
  readonly kmax: number;
  readonly kmin: number;
  readonly kabs: number;
  readonly b: number;
  readonly d: number;
  readonly f: number;
  /** Glucose kinetics. */
  readonly Vg: number;
  readonly k1: number;
  readonly k2: number;
  /** Endogenous glucose production. */
  readonly kp1: number;
  readonly kp2: number;
  readonly kp3: number;
  /** Insulin-independent utilisation (mg/kg/min) and insulin-dependent utilisation. */
  readonly Fsnc: number;
  readonly Vm0: number;
  readonly Vmx: number;
  readonly Km0: number;
  readonly p2u: number;
  /** Insulin kinetics. */
  readonly Vi: number;
  readonly m1: number;
  readonly m2: number;
  readonly m4: number;
  readonly m30: number;
  readonly ki: number;
  /** Renal excretion. */
  readonly ke1: number;
  readonly ke2: number;
  /** Subcutaneous insulin absorption. */
  readonly ka1: number;
  readonly ka2: number;
  readonly kd: number;
  /** Subcutaneous glucose (sensor site) rate, 1/min. */
  readonly ksc: number;
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

/** Insulin unit conversion: 1 U = 6000 pmol (Kovatchev et al. 2009; MODEL.md §1). */
export const PMOL_PER_UNIT = 6000;

/** Basal insulin that holds the subject's steady state, U/min (MODEL.md §1: u2ss·BW/6000). */
export function basalRateUPerMin(p: T1DParameters): number {
  return (p.u2ss * p.BW) / PMOL_PER_UNIT;
}

/** Convert an insulin rate in U/min to the model input in pmol/kg/min. */
export function insulinUPerMinToPmolPerKgPerMin(p: T1DParameters, uPerMin: number): number {
  return (uPerMin * PMOL_PER_UNIT) / p.BW;
}
