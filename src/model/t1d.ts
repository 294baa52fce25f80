/**
 * The 13-state UVa/Padova S2008 T1D model (Dalla Man et al. 2007; Kovatchev et
 * al. 2009), exactly as MODEL.md §1 fixes it. Physics only: the right-hand
 * side over a state vector, written into a caller-owned derivative array.
 *
 * State layout (shared with the other models, which append their own states):
 * 0 Qsto1, 1 Qsto2, 2 Qgut (mg) · 3 Gp, 4 Gt (mg/kg) · 5 Ip (pmol/kg) ·
 * 6 X, 7 I1, 8 Id (pmol/L) · 9 Il (pmol/kg) · 10 Isc1, 11 Isc2 (pmol/kg) ·
 * 12 Gs (mg/kg).
 */
import { GastricEmptying, gastricDerivatives } from './gastric.js';
import { GP, GS, glucoseDerivatives } from './glucose.js';
import { ID, IL, IP, insulinActionDerivatives, subcutaneousDerivatives } from './insulin.js';
import type { T1DParameters } from './parameters.js';

export const T1D_STATE_SIZE = 13;

/**
 * Inputs held constant over an integration stretch. The caller changes them
 * between stretches with `setModelInputs`; the right-hand side reads them on
 * every call, so changing inputs allocates nothing.
 */
export interface ModelInputs {
  /** Meal ingestion d, mg/min. */
  mealMgPerMin: number;
  /** Subcutaneous insulin u, pmol/kg/min. */
  insulinPmolPerKgPerMin: number;
  /** Meal memory Dbar = lastQsto + lastFoodTaken·1000, mg (MODEL.md §1), and the emptying it implies. */
  dbarMg: number;
  readonly emptying: GastricEmptying;
}

export function createModelInputs(p: T1DParameters): ModelInputs {
  return { mealMgPerMin: 0, insulinPmolPerKgPerMin: 0, dbarMg: 0, emptying: new GastricEmptying(p) };
}

export function setModelInputs(inputs: ModelInputs, mealMgPerMin: number, insulinPmolPerKgPerMin: number, dbarMg: number): void {
  inputs.mealMgPerMin = mealMgPerMin;
  inputs.insulinPmolPerKgPerMin = insulinPmolPerKgPerMin;
  if (dbarMg !== inputs.dbarMg) inputs.emptying.setMemory(dbarMg);
  inputs.dbarMg = dbarMg;
}

export type RightHandSide = (t: number, x: ArrayLike<number>, dx: { [i: number]: number }) => void;

/** Right-hand side of MODEL.md §1 for subject `p`, reading the live `inputs`. */
export function t1dRightHandSide(p: T1DParameters, inputs: ModelInputs): RightHandSide {
  const m2m4 = p.m2 + p.m4;
  const m1m30 = p.m1 + p.m30;
  return (_t, x, dx) => {
    const ra = gastricDerivatives(p, inputs.emptying, x, dx, inputs.mealMgPerMin);
    // EGP = kp1 − kp2·Gp − kp3·Id (Dalla Man 2007, eq. 11, T1D: no portal insulin term).
    const egp = p.kp1 - p.kp2 * x[GP] - p.kp3 * x[ID];
    glucoseDerivatives(p, x, dx, egp, ra);
    const scAppearance = subcutaneousDerivatives(p, x, dx, inputs.insulinPmolPerKgPerMin);
    const ip = x[IP];
    const il = x[IL];
    dx[IP] = ip < 0 ? 0 : -m2m4 * ip + p.m1 * il + scAppearance;
    dx[IL] = il < 0 ? 0 : -m1m30 * il + p.m2 * ip;
    insulinActionDerivatives(p, x, dx);
  };
}

/** Blood glucose reported by the model, BG = Gs/Vg (mg/dL). */
export function bloodGlucoseMgDl(p: T1DParameters, x: ArrayLike<number>): number {
  return x[GS] / p.Vg;
}
