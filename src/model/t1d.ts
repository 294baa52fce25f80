/**
 * The 13-state UVa/Padova S2008 T1D model (Dalla Man et al. 2007; Kovatchev et
 * al. 2009), exactly as docs/model.md §1 fixes it. Physics only: the right-hand
 * side over a state vector, written into a caller-owned derivative array.
 *
 * State layout (shared with the other models, which append their own states):
 * 0 Qsto1, 1 Qsto2, 2 Qgut (mg) · 3 Gp, 4 Gt (mg/kg) · 5 Ip (pmol/kg) ·
 * 6 X, 7 I1, 8 Id (pmol/L) · 9 Il (pmol/kg) · 10 Isc1, 11 Isc2 (pmol/kg) ·
 * 12 Gs (mg/kg).
 */
import { gastricDerivatives } from './gastric.js';
import { GP, GS, glucoseDerivatives } from './glucose.js';
import { ID, IL, IP, insulinActionDerivatives, subcutaneousDerivatives } from './insulin.js';
import { basalRateUPerMin, type T1DParameters } from './parameters.js';
import { DepotSet, type DepotModel, type ModelInputs, type PatientModel } from './patientModel.js';
import type { RightHandSide } from './integrator.js';

export const T1D_STATE_SIZE = 13;

/** Right-hand side of docs/model.md §1 for subject `p`, reading the live `inputs`; `depots` add slower preparations. */
export function t1dRightHandSide(p: T1DParameters, inputs: ModelInputs, depots?: DepotSet): RightHandSide {
  const m2m4 = p.m2 + p.m4;
  const m1m30 = p.m1 + p.m30;
  if (depots && depots.stateCount > 0) {
    const base = t1dRightHandSide(p, inputs);
    return (t, x, dx) => {
      base(t, x, dx);
      if (x[IP] >= 0) dx[IP] += depots.appearance(inputs, x, dx);
      else depots.appearance(inputs, x, dx);
    };
  }
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

/**
 * A T1D subject as a PatientModel; `depots` (slower insulin preparations)
 * append their states after the 13 of docs/model.md §1, starting empty.
 */
export function t1dModel(p: T1DParameters, depots: readonly DepotModel[] = []): PatientModel {
  const depotSet = new DepotSet(depots, T1D_STATE_SIZE);
  const initialState = [...p.x0, ...new Array<number>(depotSet.stateCount).fill(0)];
  return {
    name: p.name,
    bodyWeightKg: p.BW,
    stateSize: T1D_STATE_SIZE + depotSet.stateCount,
    initialState,
    gastric: p,
    glucoseStateIndex: GS,
    glucoseVolumeDlPerKg: p.Vg,
    basalInsulinUPerMin: basalRateUPerMin(p),
    depotOffsets: depotSet.offsets,
    rightHandSide: (inputs) => t1dRightHandSide(p, inputs, depotSet),
  };
}
