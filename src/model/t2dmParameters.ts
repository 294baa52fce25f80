/**
 * Parameters and basal steady state of the Dalla Man 2007 meal model with
 * endogenous insulin secretion (docs/model.md §3): C. Dalla Man, R. A. Rizza,
 * C. Cobelli, "Meal simulation model of the glucose-insulin system", IEEE
 * TBME 54(10):1740–1749, 2007 (below "DM2007"); Table 1 gives the normal and
 * T2DM population values.
 *
 * Names follow the S2008 columns where a subsystem is shared with the T1D
 * model (Vg, Vi, p2u, Fsnc are DM2007's VG, VI, p2U, Fcns), so one parameter
 * object feeds the shared gastric, glucose and insulin-action code.
 *
 * What is given and what is derived. DM2007 writes the basal steady state of
 * each subsystem with the measured basal Gb, Ib and EGPb as inputs and solves
 * it for Vm0, m6 (hence Sb) and kp1. A virtual subject has no
 * measurements, but Table 1 publishes Vm0 and m6, so we solve the same
 * equations the other way round: given the Table 1 parameters and the
 * fasting glucose Gb, the steady state gives Gtb, EGPb, Sb, Ipb, Ilb, Ib,
 * Ipob, and kp1 exactly as DM2007 does. kp1 is therefore derived, never
 * given; Table 1's kp1 is used only to check the derivation (see
 * `fastingGlucoseForKp1`).
 */
import type { GastricParameters } from './gastric.js';
import type { GlucoseParameters } from './glucose.js';
import type { SubcutaneousParameters } from './insulin.js';

/** The given parameters of one subject (units of DM2007 Table 1). */
export interface T2dmParameters extends GastricParameters, GlucoseParameters, SubcutaneousParameters {
  readonly name: string;
  /** Body weight, kg. */
  readonly BW: number;
  /** Fasting (basal) plasma glucose, mg/dL; also the secretion threshold h = Gb (DM2007, insulin secretion). */
  readonly Gb: number;
  /** Glucose distribution volume VG, dL/kg. */
  readonly Vg: number;
  /** Insulin distribution volume VI, L/kg. */
  readonly Vi: number;
  /** Insulin kinetics (DM2007, insulin kinetics): liver→plasma m1, plasma→liver m2, peripheral degradation m4, 1/min. */
  readonly m1: number;
  readonly m2: number;
  readonly m4: number;
  /** Hepatic extraction HE = −m5·S + m6 (DM2007, insulin kinetics): m5 in min·kg/pmol, m6 dimensionless. */
  readonly m5: number;
  readonly m6: number;
  /** Basal hepatic extraction, dimensionless (0.6 in DM2007 for both groups). */
  readonly HEb: number;
  /** EGP = kp1 − kp2·Gp − kp3·Id − kp4·Ipo (DM2007, endogenous glucose production): kp2 1/min, kp3 mg/kg/min per pmol/L, kp4 mg/kg/min per pmol/kg. */
  readonly kp2: number;
  readonly kp3: number;
  readonly kp4: number;
  /** Delay of insulin action on EGP, 1/min (DM2007, endogenous glucose production). */
  readonly ki: number;
  /** Insulin action on utilisation, 1/min (DM2007, glucose utilisation). */
  readonly p2u: number;
  /** Secretion (DM2007, insulin secretion): K pmol/kg per mg/dL, alpha 1/min, beta pmol/kg/min per mg/dL, gamma 1/min. */
  readonly K: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
}

/** Names of the numeric parameters, in the order they are written to cohort files. */
export const T2DM_PARAMETER_NAMES = [
  'BW', 'Gb', 'Vg', 'k1', 'k2', 'Vi', 'm1', 'm2', 'm4', 'm5', 'm6', 'HEb', 'kmax', 'kmin', 'kabs', 'f', 'b', 'd',
  'kp2', 'kp3', 'kp4', 'ki', 'Fsnc', 'Vm0', 'Vmx', 'Km0', 'p2u', 'K', 'alpha', 'beta', 'gamma', 'ke1', 'ke2',
  'ka1', 'ka2', 'kd', 'ksc',
] as const satisfies readonly (keyof T2dmParameters)[];
export type T2dmParameterName = (typeof T2DM_PARAMETER_NAMES)[number];

/**
 * Subcutaneous routes that DM2007 does not have (it has no exogenous
 * insulin): the 10 adults of the S2008 simulator (patients/uva-padova-s2008/
 * vpatient_params.csv; Kovatchev et al. 2009), their mean ka1, ka2, kd (rapid
 * insulin, 1/min) and ksc (interstitial glucose, 1/min), to 4 significant
 * digits. test/model/t2dm.test.ts recomputes them from the file.
 */
export const S2008_ADULT_MEAN_SUBCUTANEOUS = { ka1: 0.00337, ka2: 0.01587, kd: 0.01592, ksc: 0.09537 } as const;

/**
 * Table 1 of DM2007, normal column. Fcns = 1 mg/kg/min (insulin-independent utilisation Uii).
 * Table 1's kp1 = 2.70 is not a parameter here (derived, see module note).
 */
const NORMAL_TABLE1 = {
  Vg: 1.88, k1: 0.065, k2: 0.079, Vi: 0.05, m1: 0.19, m2: 0.484, m4: 0.194, m5: 0.0304, m6: 0.6471, HEb: 0.6,
  kmax: 0.0558, kmin: 0.008, kabs: 0.057, f: 0.9, b: 0.82, d: 0.01,
  kp2: 0.0021, kp3: 0.009, kp4: 0.0618, ki: 0.0079, Fsnc: 1, Vm0: 2.5, Vmx: 0.047, Km0: 225.59, p2u: 0.0331,
  K: 2.3, alpha: 0.05, beta: 0.11, gamma: 0.5, ke1: 0.0005, ke2: 339, BW: 78,
} as const;

/** Table 1 of DM2007, T2DM column (same conventions). */
const T2DM_TABLE1 = {
  Vg: 1.49, k1: 0.042, k2: 0.071, Vi: 0.04, m1: 0.379, m2: 0.673, m4: 0.269, m5: 0.0526, m6: 0.8118, HEb: 0.6,
  kmax: 0.0465, kmin: 0.0076, kabs: 0.023, f: 0.9, b: 0.68, d: 0.09,
  kp2: 0.0007, kp3: 0.005, kp4: 0.0786, ki: 0.0066, Fsnc: 1, Vm0: 4.65, Vmx: 0.034, Km0: 466.21, p2u: 0.084,
  K: 0.99, alpha: 0.013, beta: 0.05, gamma: 0.5, ke1: 0.0007, ke2: 269, BW: 91,
} as const;

/** Table 1's kp1 (mg/kg/min), which DM2007 derived from each group's mean basal state. */
export const TABLE1_KP1 = { normal: 2.7, t2dm: 3.09 } as const;

/**
 * Fasting glucose of the two mean subjects, mg/dL: the Gb at which our
 * steady state reproduces Table 1's kp1 (`fastingGlucoseForKp1`), i.e. the
 * basal glucose DM2007 must have used when deriving kp1 from each group's
 * mean data, rounded to 0.1 mg/dL. Normal: 91.8 (DM2007's normal group, ≈ 90);
 * T2DM: 159.2 (fasting hyperglycaemia). The tests recompute both.
 */
export const MEAN_SUBJECT_FASTING_GLUCOSE = { normal: 91.8, t2dm: 159.2 } as const;

/** The "normal subject": DM2007 Table 1 normal means, fasting glucose 91.8 mg/dL. */
export function normalSubject(Gb: number = MEAN_SUBJECT_FASTING_GLUCOSE.normal): T2dmParameters {
  return { name: 'normal', ...NORMAL_TABLE1, ...S2008_ADULT_MEAN_SUBCUTANEOUS, Gb };
}

/** The "T2DM mean subject": DM2007 Table 1 T2DM means, fasting glucose 159.2 mg/dL. */
export function t2dmMeanSubject(Gb: number = MEAN_SUBJECT_FASTING_GLUCOSE.t2dm): T2dmParameters {
  return { name: 't2dm-mean', ...T2DM_TABLE1, ...S2008_ADULT_MEAN_SUBCUTANEOUS, Gb };
}

/** The basal steady state and the parameters derived from it. */
export interface T2dmBasalState {
  /** Plasma and tissue glucose, mg/kg. */
  readonly Gpb: number;
  readonly Gtb: number;
  /** Endogenous production, insulin-dependent utilisation and renal excretion at basal, mg/kg/min. */
  readonly EGPb: number;
  readonly Uidb: number;
  readonly Eb: number;
  /** Basal secretion S = gamma·Ipo, pmol/kg/min. */
  readonly Sb: number;
  /** Plasma, liver and portal insulin, pmol/kg. */
  readonly Ipb: number;
  readonly Ilb: number;
  readonly Ipob: number;
  /** Basal plasma insulin concentration, pmol/L. */
  readonly Ib: number;
  /** Basal liver degradation rate m3(0) = HEb·m1/(1 − HEb), 1/min. */
  readonly m30: number;
  /** EGP at zero glucose and insulin, mg/kg/min. */
  readonly kp1: number;
}

/**
 * Tissue glucose Gtb (mg/kg) that balances insulin-dependent utilisation at
 * basal (X = 0): Vm0·Gt/(Km0 + Gt) = k1·Gpb − k2·Gt (DM2007, glucose subsystem, with
 * dGt/dt = 0). The quadratic k2·Gt² + (k2·Km0 + Vm0 − k1·Gpb)·Gt −
 * k1·Gpb·Km0 = 0 has exactly one positive root when Gpb > 0; it is computed
 * in the form that does not cancel.
 */
function tissueGlucoseAtBasal(p: T2dmParameters, gpb: number): number {
  const a = p.k2;
  const b = p.k2 * p.Km0 + p.Vm0 - p.k1 * gpb;
  const c = -p.k1 * gpb * p.Km0;
  const root = Math.sqrt(b * b - 4 * a * c);
  return b >= 0 ? (-2 * c) / (b + root) : (-b + root) / (2 * a);
}

/**
 * The basal steady state of subject `p` at its fasting glucose Gb, no meal,
 * no exogenous insulin (DM2007, basal steady state of each subsystem):
 * - Gpb = Gb·VG; Gtb from `tissueGlucoseAtBasal`;
 * - EGPb = Fcns + Eb + Uidb (dGp/dt = 0, Ra = 0), Eb the renal excretion at Gpb (DM2007, renal excretion);
 * - Sb = (m6 − HEb)/m5, from HE(0) = −m5·Sb + m6 = HEb (DM2007, insulin kinetics);
 * - m3(0) = HEb·m1/(1 − HEb); dIp/dt = 0 gives Ilb = (m2 + m4)·Ipb/m1,
 *   dIl/dt = 0 gives Sb = (m1 + m3(0))·Ilb − m2·Ipb, hence Ipb; Ib = Ipb/VI;
 *   together they are DM2007's Sb = m3(0)·Ilb + m4·Ipb;
 * - Ipob = Sb/gamma (dIpo/dt = 0 with Spo = Sb, Y = 0);
 * - kp1 = EGPb + kp2·Gpb + kp3·Ib + kp4·Ipob (EGP at basal, Id = Ib).
 * X = 0, I1 = Id = Ib, Y = 0, Gs = Gpb. No validation: see
 * `basalStateProblems` for what makes it physiological.
 */
export function t2dmSteadyState(p: T2dmParameters): T2dmBasalState {
  const Gpb = p.Gb * p.Vg;
  const Gtb = tissueGlucoseAtBasal(p, Gpb);
  const Uidb = (p.Vm0 * Gtb) / (p.Km0 + Gtb);
  const Eb = Gpb > p.ke2 ? p.ke1 * (Gpb - p.ke2) : 0;
  const EGPb = p.Fsnc + Eb + Uidb;
  const Sb = (p.m6 - p.HEb) / p.m5;
  const m30 = (p.HEb * p.m1) / (1 - p.HEb);
  const Ipb = Sb / (((p.m1 + m30) * (p.m2 + p.m4)) / p.m1 - p.m2);
  const Ilb = ((p.m2 + p.m4) * Ipb) / p.m1;
  const Ib = Ipb / p.Vi;
  const Ipob = Sb / p.gamma;
  const kp1 = EGPb + p.kp2 * Gpb + p.kp3 * Ib + p.kp4 * Ipob;
  return { Gpb, Gtb, EGPb, Uidb, Eb, Sb, Ipb, Ilb, Ipob, Ib, m30, kp1 };
}

/**
 * What makes a steady state unusable whatever the cohort rule: a parameter
 * outside its domain, or a basal state that is not positive. Empty when fine.
 */
export function basalStateProblems(p: T2dmParameters, s: T2dmBasalState): string[] {
  const problems: string[] = [];
  for (const name of T2DM_PARAMETER_NAMES) {
    const v = p[name];
    if (!Number.isFinite(v) || v <= 0) problems.push(`${name} must be a finite number > 0, got ${v}`);
  }
  // Fractions (DM2007): absorbed fraction f ≤ 1; b, d are fractions of the dose (Dalla Man 2006); HE in (0, 1).
  for (const name of ['f', 'b', 'd'] as const) if (!(p[name] <= 1)) problems.push(`${name} must be ≤ 1, got ${p[name]}`);
  if (!(p.HEb < 1)) problems.push(`HEb must be < 1, got ${p.HEb}`);
  // HE = m6 − m5·S must be HEb at basal and stay below 1 for any S ≥ 0, so HEb < m6 < 1.
  if (!(p.m6 < 1)) problems.push(`m6 must be < 1 (hepatic extraction at zero secretion), got ${p.m6}`);
  if (!(p.m6 > p.HEb)) problems.push(`m6 must exceed HEb (basal secretion (m6 − HEb)/m5 > 0), got m6 ${p.m6}, HEb ${p.HEb}`);
  if (!(p.kmin < p.kmax)) problems.push(`kmin must be < kmax, got ${p.kmin} ≥ ${p.kmax}`);
  for (const [name, v] of Object.entries(s)) {
    // Renal excretion is zero below its threshold; every other basal quantity is a positive mass, flux or rate.
    const ok = name === 'Eb' ? v >= 0 : v > 0;
    if (!Number.isFinite(v) || !ok) problems.push(`basal ${name} must be ${name === 'Eb' ? '≥' : '>'} 0, got ${v}`);
  }
  return problems;
}

/**
 * The fasting glucose (mg/dL) at which the steady state of `p` gives the
 * published kp1: kp1 rises with Gb (kp2·Gpb and Uidb both rise), so bisection
 * on [20, 600] mg/dL finds it. Used to place the mean subjects at the basal
 * glucose Table 1 implies.
 */
export function fastingGlucoseForKp1(p: T2dmParameters, kp1: number): number {
  let lo = 20;
  let hi = 600;
  const kp1At = (gb: number) => t2dmSteadyState({ ...p, Gb: gb }).kp1;
  if (!(kp1At(lo) <= kp1 && kp1 <= kp1At(hi))) throw new RangeError(`kp1 ${kp1} is not reached for fasting glucose in [${lo}, ${hi}] mg/dL`);
  for (let i = 0; i < 100 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (kp1At(mid) < kp1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
