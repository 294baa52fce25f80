/**
 * Glucose subsystem of the UVa/Padova model (Dalla Man et al. 2007, IEEE TBME
 * 54(10):1740, eqs. 1–9; S2008 form in docs/model.md §1): plasma and tissue glucose
 * masses, renal excretion, insulin-dependent utilisation, and the
 * subcutaneous glucose compartment that the sensor sees (Kovatchev et al.
 * 2009, S2008).
 *
 * Shared by every patient model; a model passes its own endogenous glucose
 * production, since that is where T1D and T2DM differ (kp4 term).
 */
import { X } from './insulin.js';

export const GP = 3;
export const GT = 4;
export const GS = 12;

/**
 * k1, k2: plasma–tissue exchange (1/min); Fsnc: insulin-independent
 * utilisation (mg/kg/min); ke1 (1/min), ke2 (mg/kg): renal excretion; Vm0,
 * Vmx, Km0: insulin-dependent utilisation; ksc: sensor-site exchange (1/min).
 */
export interface GlucoseParameters {
  readonly k1: number;
  readonly k2: number;
  readonly Fsnc: number;
  readonly ke1: number;
  readonly ke2: number;
  readonly Vm0: number;
  readonly Vmx: number;
  readonly Km0: number;
  readonly ksc: number;
}

/** Renal excretion, mg/kg/min: ke1·(Gp − ke2) above the threshold ke2 (Dalla Man 2007, eq. 27). */
export function renalExcretion(p: GlucoseParameters, gp: number): number {
  return gp > p.ke2 ? p.ke1 * (gp - p.ke2) : 0;
}

/** Insulin-dependent utilisation Uid = (Vm0 + Vmx·X)·Gt/(Km0 + Gt), mg/kg/min (eqs. 14–16). */
export function insulinDependentUtilisation(p: GlucoseParameters, gt: number, x: number): number {
  return ((p.Vm0 + p.Vmx * x) * gt) / (p.Km0 + gt);
}

/**
 * Writes dGp, dGt, dGs. `egp` is endogenous production (mg/kg/min, clipped at
 * zero here as in the reference), `ra` the rate of appearance.
 * Positivity guard of the reference (docs/model.md §1): a negative state's
 * derivative is zero.
 */
export function glucoseDerivatives(
  p: GlucoseParameters,
  s: ArrayLike<number>,
  dx: { [i: number]: number },
  egp: number,
  ra: number,
): void {
  const gp = s[GP];
  const gt = s[GT];
  const gs = s[GS];
  dx[GP] = gp < 0 ? 0 : Math.max(egp, 0) + ra - p.Fsnc - renalExcretion(p, gp) - p.k1 * gp + p.k2 * gt;
  dx[GT] = gt < 0 ? 0 : -insulinDependentUtilisation(p, gt, s[X]) + p.k1 * gp - p.k2 * gt;
  dx[GS] = gs < 0 ? 0 : p.ksc * (gp - gs);
}
