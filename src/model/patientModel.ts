/**
 * What the simulator needs of any patient model (T1D S2008, T2DM Dalla Man
 * 2007): a state vector, its basal initial state, a right-hand side over the
 * live inputs, and where blood glucose is read. Models share the gastric and
 * glucose subsystems and the subcutaneous depots of slower insulin
 * preparations (state indices 0–12 are common; models append their own).
 */
import { type GastricParameters, GastricEmptying } from './gastric.js';
import type { IntegratorOptions, RightHandSide } from './integrator.js';

/** Preparations with a subcutaneous depot of their own; rapid-acting insulin uses the patient's Isc1/Isc2. */
export const DEPOT_PREPARATIONS = ['regular', 'nph', 'long'] as const;
export type DepotPreparation = (typeof DEPOT_PREPARATIONS)[number];
export type InsulinPreparation = 'rapid' | DepotPreparation;
export const INSULIN_PREPARATIONS: readonly InsulinPreparation[] = ['rapid', ...DEPOT_PREPARATIONS];

/**
 * The subcutaneous depot of one slower preparation: its own states, appended
 * to a model's state vector at `offset`.
 */
export interface DepotModel {
  readonly preparation: DepotPreparation;
  readonly stateCount: number;
  /**
   * Write the derivatives of the depot's states (dx[offset …]) for an
   * infusion into it (pmol/kg/min, an injection is one minute of infusion)
   * and return the insulin appearing in plasma, pmol/kg/min.
   */
  derivatives(x: ArrayLike<number>, dx: { [i: number]: number }, offset: number, infusionPmolPerKgPerMin: number): number;
  /**
   * Depots whose last part is a linear chain of soluble compartments (the
   * same for every preparation) say so here. A model carrying several of
   * them then keeps one chain for all: the chains are linear and identical,
   * so by superposition one chain fed with the sum of their inflows gives the
   * same plasma appearance with fewer states.
   */
  readonly solublePath?: SolublePath;
}

export interface SolublePath {
  readonly compartments: number;
  readonly ratePerMin: number;
  /** States before the soluble chain (undissolved insulin). */
  readonly undissolvedStates: number;
  /** Write the derivatives of the undissolved states at dx[offset …] and return the flow into the chain, pmol/kg/min. */
  dissolve(x: ArrayLike<number>, dx: { [i: number]: number }, offset: number, infusionPmolPerKgPerMin: number): number;
}

/**
 * Inputs held constant over an integration stretch. The caller changes them
 * between stretches with `setModelInputs`; the right-hand side reads them on
 * every call, so changing inputs allocates nothing.
 */
export interface ModelInputs {
  /** Meal ingestion d, mg/min. */
  mealMgPerMin: number;
  /** Rapid-acting insulin into Isc1 (pump, or a rapid-acting pen), pmol/kg/min. */
  insulinPmolPerKgPerMin: number;
  /** Meal memory Dbar = lastQsto + lastFoodTaken·1000, mg (docs/model.md §1), and the emptying it implies. */
  dbarMg: number;
  readonly emptying: GastricEmptying;
  /** Infusion into each depot of DEPOT_PREPARATIONS (same order), pmol/kg/min. */
  readonly depotPmolPerKgPerMin: Float64Array;
}

export function createModelInputs(gastric: GastricParameters): ModelInputs {
  return {
    mealMgPerMin: 0,
    insulinPmolPerKgPerMin: 0,
    dbarMg: 0,
    emptying: new GastricEmptying(gastric),
    depotPmolPerKgPerMin: new Float64Array(DEPOT_PREPARATIONS.length),
  };
}

export function setModelInputs(inputs: ModelInputs, mealMgPerMin: number, insulinPmolPerKgPerMin: number, dbarMg: number): void {
  inputs.mealMgPerMin = mealMgPerMin;
  inputs.insulinPmolPerKgPerMin = insulinPmolPerKgPerMin;
  if (dbarMg !== inputs.dbarMg) inputs.emptying.setMemory(dbarMg);
  inputs.dbarMg = dbarMg;
}

export interface PatientModel {
  readonly name: string;
  readonly bodyWeightKg: number;
  readonly stateSize: number;
  /** The basal steady state (with `basalInsulinUPerMin` of rapid insulin, no meal). */
  readonly initialState: readonly number[];
  readonly gastric: GastricParameters;
  /** Blood glucose (mg/dL) = state[glucoseStateIndex] / glucoseVolumeDlPerKg. */
  readonly glucoseStateIndex: number;
  readonly glucoseVolumeDlPerKg: number;
  /** Exogenous rapid-acting insulin that holds the steady state, U/min (0 without insulin therapy). */
  readonly basalInsulinUPerMin: number;
  /** Where each depot's states start, in DEPOT_PREPARATIONS order; undefined: the model has no depot for it. */
  readonly depotOffsets: readonly (number | undefined)[];
  /** Integrator settings this model needs (e.g. a step cap for faster dynamics); default DEFAULT_INTEGRATOR_OPTIONS. */
  readonly integratorOptions?: IntegratorOptions;
  rightHandSide(inputs: ModelInputs): RightHandSide;
}

/**
 * The depots a model carries, laid out from `firstOffset` in its state
 * vector: each depot's own states one after another, or, when every depot
 * declares the same soluble path, each one's undissolved states followed by
 * one shared soluble chain (see DepotModel.solublePath).
 */
export class DepotSet {
  readonly stateCount: number;
  /** State offset per DEPOT_PREPARATIONS entry (undefined: not carried). */
  readonly offsets: readonly (number | undefined)[];
  private readonly depots: readonly DepotModel[];
  private readonly depotOffsets: Int32Array;
  private readonly inputIndex: Int32Array;
  /** The shared chain: its first state and its rate; -1 when the depots keep their own. */
  private readonly chainOffset: number;
  private readonly chainLength: number;
  private readonly chainRate: number;

  constructor(depots: readonly DepotModel[], firstOffset: number) {
    this.depots = depots;
    this.depotOffsets = new Int32Array(depots.length);
    this.inputIndex = new Int32Array(depots.length);
    const first = depots[0]?.solublePath;
    const shared =
      first !== undefined &&
      depots.every((d) => d.solublePath !== undefined && d.solublePath.compartments === first.compartments && d.solublePath.ratePerMin === first.ratePerMin);
    const offsets: (number | undefined)[] = DEPOT_PREPARATIONS.map(() => undefined);
    let offset = firstOffset;
    depots.forEach((d, k) => {
      const index = DEPOT_PREPARATIONS.indexOf(d.preparation);
      if (offsets[index] !== undefined) throw new Error(`depot '${d.preparation}' given twice`);
      offsets[index] = offset;
      this.depotOffsets[k] = offset;
      this.inputIndex[k] = index;
      offset += shared ? d.solublePath!.undissolvedStates : d.stateCount;
    });
    this.chainOffset = shared ? offset : -1;
    this.chainLength = shared ? first.compartments : 0;
    this.chainRate = shared ? first.ratePerMin : 0;
    offset += this.chainLength;
    this.offsets = offsets;
    this.stateCount = offset - firstOffset;
  }

  /** Write the depots' derivatives and return their total appearance in plasma, pmol/kg/min. */
  appearance(inputs: ModelInputs, x: ArrayLike<number>, dx: { [i: number]: number }): number {
    const rates = inputs.depotPmolPerKgPerMin;
    if (this.chainOffset < 0) {
      let total = 0;
      for (let k = 0; k < this.depots.length; k++) total += this.depots[k].derivatives(x, dx, this.depotOffsets[k], rates[this.inputIndex[k]]);
      return total;
    }
    let inflow = 0;
    for (let k = 0; k < this.depots.length; k++) inflow += this.depots[k].solublePath!.dissolve(x, dx, this.depotOffsets[k], rates[this.inputIndex[k]]);
    // The shared soluble chain, with the positivity guard of the depots (an empty compartment has no outflow).
    for (let j = 0; j < this.chainLength; j++) {
      const i = this.chainOffset + j;
      const xj = x[i];
      const out = xj > 0 ? this.chainRate * xj : 0;
      dx[i] = inflow - out;
      inflow = out;
    }
    return inflow;
  }
}
