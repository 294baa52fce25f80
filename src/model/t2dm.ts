/**
 * The Dalla Man 2007 meal model with endogenous insulin secretion and liver
 * insulin extraction (C. Dalla Man, R. A. Rizza, C. Cobelli, IEEE TBME
 * 54(10):1740, 2007, "DM2007"), exactly as docs/model.md §3 fixes it, for T2DM
 * and normal subjects. It shares the gastric, glucose, insulin-action and
 * subcutaneous subsystems with the T1D model (one implementation of each) and
 * appends two states:
 *
 * 0–12 as the T1D model (docs/model.md §1) · 13 Ipo portal insulin (pmol/kg) ·
 * 14 Y static secretion above basal (pmol/kg/min) · then the depots of
 * slower insulin preparations (DepotSet), starting empty.
 *
 * Blood glucose is plasma glucose G = Gp/VG (DM2007, glucose subsystem), the
 * quantity a meter measures, and every sensor (meter or CGM) is fed that;
 * Gs (state 12, Gs' = ksc·(Gp − Gs), S2008) is integrated only because the
 * T1D subsystems shared with this model carry it: nothing reads it here.
 */
import { gastricDerivatives, QGUT, QSTO1, QSTO2 } from './gastric.js';
import { GP, GS, GT, glucoseDerivatives } from './glucose.js';
import { I1, ID, IL, insulinActionDerivatives, IP, ISC1, ISC2, subcutaneousDerivatives, X } from './insulin.js';
import { DEFAULT_INTEGRATOR_OPTIONS, type IntegratorOptions, type RightHandSide } from './integrator.js';
import { DepotSet, type DepotModel, type ModelInputs, type PatientModel } from './patientModel.js';
import { basalStateProblems, type T2dmBasalState, type T2dmParameters, t2dmSteadyState } from './t2dmParameters.js';

/** Portal-vein insulin Ipo and the static secretion state Y (DM2007, insulin secretion; docs/model.md §3). */
export const IPO = 13;
export const Y = 14;
export const T2DM_STATE_SIZE = 15;

/**
 * Right-hand side of docs/model.md §3 for subject `p` with basal state `basal`,
 * reading the live `inputs`; `depots` add slower preparations into plasma.
 * Allocates nothing per call: every constant is hoisted into the closure.
 */
export function t2dmRightHandSide(p: T2dmParameters, basal: T2dmBasalState, inputs: ModelInputs, depots?: DepotSet): RightHandSide {
  // The shared insulin-action code reads Vi, p2u, ki and Ib; Ib is derived.
  const action = { Vi: p.Vi, p2u: p.p2u, ki: p.ki, Ib: basal.Ib };
  const { m1, m5, m6, gamma, alpha, beta, K, Gb, kp2, kp3, kp4 } = p;
  const m2m4 = p.m2 + p.m4;
  const m2 = p.m2;
  const kp1 = basal.kp1;
  const sb = basal.Sb;
  const invVg = 1 / p.Vg;
  const depotSet = depots && depots.stateCount > 0 ? depots : undefined;
  return (_t, x, dx) => {
    const ra = gastricDerivatives(p, inputs.emptying, x, dx, inputs.mealMgPerMin);
    const ipo = x[IPO];
    // EGP = kp1 − kp2·Gp − kp3·Id − kp4·Ipo (DM2007, endogenous glucose production; docs/model.md §3); clipped at 0 in glucoseDerivatives as in docs/model.md §1.
    const egp = kp1 - kp2 * x[GP] - kp3 * x[ID] - kp4 * ipo;
    glucoseDerivatives(p, x, dx, egp, ra);
    // dG/dt of G = Gp/VG drives the dynamic (first-phase) secretion (DM2007, insulin secretion).
    const dGdt = dx[GP] * invVg;
    const excess = x[GP] * invVg - Gb;

    let appearance = subcutaneousDerivatives(p, x, dx, inputs.insulinPmolPerKgPerMin);
    if (depotSet) appearance += depotSet.appearance(inputs, x, dx);

    // Secretion into the liver S = gamma·Ipo (DM2007, insulin secretion); hepatic extraction HE = −m5·S + m6 and
    // m3 = HE·m1/(1 − HE) (DM2007, insulin kinetics; docs/model.md §3). HE is a fraction: the linear law is held at 0 should a
    // secretion burst exceed m6/m5 (outside DM2007's fitted range; the tests check it never acts there).
    const s = gamma * ipo;
    const he = Math.max(m6 - m5 * s, 0);
    const m3 = (he * m1) / (1 - he);
    const ip = x[IP];
    const il = x[IL];
    // Positivity guard of docs/model.md §1 on Ip and Il.
    dx[IP] = ip < 0 ? 0 : -m2m4 * ip + m1 * il + appearance;
    dx[IL] = il < 0 ? 0 : -(m1 + m3) * il + m2 * ip + s;
    insulinActionDerivatives(action, x, dx);

    // Portal insulin (DM2007, insulin secretion; docs/model.md §3): Ipo' = −gamma·Ipo + Spo, Spo = Y + K·max(dG/dt, 0) + Sb.
    const y = x[Y];
    dx[IPO] = -gamma * ipo + y + (dGdt > 0 ? K * dGdt : 0) + sb;
    // Static secretion (DM2007, threshold h = Gb; docs/model.md §3): Y' = −alpha·(Y − beta·(G − Gb)), or
    // −alpha·(Y + Sb) where that would drive total secretion below zero.
    const target = beta * excess;
    dx[Y] = target >= -sb ? -alpha * (y - target) : -alpha * (y + sb);
  };
}

/**
 * Fastest decay rate (1/min) of the subject's linear insulin exchange
 * between liver and plasma at basal: the larger eigenvalue magnitude of
 * [[−(m1 + m3(0)), m2], [m1, −(m2 + m4)]] (DM2007, insulin kinetics), or the portal
 * rate gamma if faster. m3 only falls after a meal (HE falls with secretion),
 * so this is the stiffest the subject gets.
 */
export function t2dmFastestRate(p: T2dmParameters): number {
  const m30 = (p.HEb * p.m1) / (1 - p.HEb);
  const a = p.m1 + m30;
  const d = p.m2 + p.m4;
  const trace = a + d;
  const det = a * d - p.m1 * p.m2;
  return Math.max((trace + Math.sqrt(Math.max(trace * trace - 4 * det, 0))) / 2, p.gamma);
}

/**
 * Integrator options for a T2DM subject: the project defaults with the step
 * capped at 5/rate (`t2dmFastestRate`). DM2007's T2DM insulin kinetics are
 * about twice as fast as the S2008 T1D ones (fastest rate: median 1.5/min in
 * patients/t2dm-100.json against 0.7/min for the 30 S2008 subjects), so
 * 10-min steps of an explicit method fall outside its stability region.
 * The cap was chosen for odex (measured then, wall time per patient-day
 * against the S2008 subjects: no cap 1.82×, 4/rate 1.43×, 5/rate 1.25×,
 * 6/rate 1.35×). Re-measured with the Dormand–Prince stepper (issue #17;
 * 30 subjects, 3 days, 3 meals a day, inputs held 5 min): RHS evaluations
 * per day 7,227 at 2/rate, 5,100 at 3/rate, 4,534 at 4/rate, 4,546 at
 * 5/rate, 4,552 uncapped, its error control keeping it stable either way;
 * max |ΔBG| against a 1e-10-tolerance solution 2.0e-3 mg/dL at 5/rate.
 */
export function t2dmIntegratorOptions(p: T2dmParameters): IntegratorOptions {
  return {
    ...DEFAULT_INTEGRATOR_OPTIONS,
    maxStepMin: Math.min(DEFAULT_INTEGRATOR_OPTIONS.maxStepMin, 5 / t2dmFastestRate(p)),
    // No reference trajectory pins T2DM runs as the S2008 oracles pin T1D
    // ones, so a looser local tolerance is enough: it stays within 0.01 mg/dL
    // of a 1e-10-tolerance solution (test/model/t2dm.test.ts; 2.0e-3 measured above).
    relativeTolerance: 3e-5,
  };
}

/** Plasma glucose G = Gp/VG, mg/dL (DM2007, glucose subsystem). */
export function t2dmPlasmaGlucose(p: T2dmParameters, x: ArrayLike<number>): number {
  return x[GP] / p.Vg;
}

/** The basal initial state of docs/model.md §3 (length T2DM_STATE_SIZE), from `t2dmSteadyState`. */
export function t2dmInitialState(basal: T2dmBasalState): number[] {
  const x = new Array<number>(T2DM_STATE_SIZE).fill(0);
  x[QSTO1] = 0;
  x[QSTO2] = 0;
  x[QGUT] = 0;
  x[GP] = basal.Gpb;
  x[GT] = basal.Gtb;
  x[IP] = basal.Ipb;
  x[X] = 0;
  x[I1] = basal.Ib;
  x[ID] = basal.Ib;
  x[IL] = basal.Ilb;
  x[ISC1] = 0;
  x[ISC2] = 0;
  x[GS] = basal.Gpb;
  x[IPO] = basal.Ipob;
  x[Y] = 0;
  return x;
}

/**
 * A T2DM (or normal) subject as a PatientModel: basal state computed from
 * the parameters (`t2dmSteadyState`), no exogenous basal insulin, blood
 * glucose Gp/VG; `depots` append their states after the 15 of the model.
 * Throws a RangeError naming the subject when it has no physiological steady state.
 */
export function t2dmModel(p: T2dmParameters, depots: readonly DepotModel[] = []): PatientModel {
  const basal = t2dmSteadyState(p);
  const problems = basalStateProblems(p, basal);
  if (problems.length > 0) throw new RangeError(`${p.name}: no physiological steady state: ${problems.join('; ')}`);
  const depotSet = new DepotSet(depots, T2DM_STATE_SIZE);
  const initialState = [...t2dmInitialState(basal), ...new Array<number>(depotSet.stateCount).fill(0)];
  return {
    name: p.name,
    bodyWeightKg: p.BW,
    stateSize: T2DM_STATE_SIZE + depotSet.stateCount,
    initialState,
    gastric: p,
    glucoseStateIndex: GP,
    glucoseVolumeDlPerKg: p.Vg,
    basalInsulinUPerMin: 0,
    depotOffsets: depotSet.offsets,
    integratorOptions: t2dmIntegratorOptions(p),
    rightHandSide: (inputs) => t2dmRightHandSide(p, basal, inputs, depotSet),
  };
}
