/**
 * One virtual patient in time: the model, its meal intake and the integrator,
 * advanced minute by minute with inputs that are constant over each minute
 * (docs/model.md §1). Integration restarts only when an input changes, so quiet
 * stretches (basal only, no meal) cost a few long steps.
 */
import { DEFAULT_INTEGRATOR_OPTIONS, type IntegratorOptions, StretchIntegrator, type StretchSolver } from './integrator.js';
import { OdexStretchIntegrator } from './odexIntegrator.js';
import { MealIntake } from './mealIntake.js';
import { PMOL_PER_UNIT } from './parameters.js';
import { QSTO1, QSTO2 } from './gastric.js';
import { createModelInputs, DEPOT_PREPARATIONS, type ModelInputs, type PatientModel, setModelInputs } from './patientModel.js';

export class PatientSimulator {
  readonly model: PatientModel;
  private readonly inputs: ModelInputs;
  private readonly intake: MealIntake;
  private readonly integrator: StretchSolver;
  private readonly state: Float64Array;
  private readonly horizonMin: number;
  private nextMinute = 0;
  /** End of the current integration stretch, min. */
  private stretchEndMin: number;

  /** U/min → pmol/kg/min for this patient (1 U = 6000 pmol). */
  private readonly pmolPerKgPerU: number;

  /** `horizonMin`: the last time (min) that will be asked for. */
  constructor(model: PatientModel, horizonMin: number, options?: IntegratorOptions) {
    this.model = model;
    this.inputs = createModelInputs(model.gastric);
    this.horizonMin = horizonMin;
    this.pmolPerKgPerU = PMOL_PER_UNIT / model.bodyWeightKg;
    this.state = Float64Array.from(model.initialState);
    this.intake = new MealIntake(this.state[QSTO1] + this.state[QSTO2]);
    const chosen = options ?? model.integratorOptions ?? DEFAULT_INTEGRATOR_OPTIONS;
    const rhs = model.rightHandSide(this.inputs);
    this.integrator =
      chosen.method === 'odex'
        ? new OdexStretchIntegrator(rhs, model.stateSize, model.glucoseStateIndex, chosen)
        : new StretchIntegrator(rhs, model.stateSize, model.glucoseStateIndex, chosen);
    this.stretchEndMin = horizonMin;
    this.integrator.start(0, this.state, horizonMin);
  }

  /** Queue a meal of `grams` eaten at `rateGPerMin`, starting with the next minute that is begun. */
  eat(grams: number, rateGPerMin: number): void {
    this.intake.add(grams, rateGPerMin);
  }

  /**
   * Set the inputs of minute [m, m+1): insulin in U/min, meals from the
   * intake queue. Minutes must be begun in order. Returns grams eaten.
   *
   * `holdUntilMin` is the caller's promise that neither the insulin rate nor
   * the meals change before that minute (the next control instant or meal).
   * The integration stretch then ends exactly there, so the next stretch
   * starts from an integrated state, not a re-integrated one. A change before
   * it is still handled exactly, at the cost of redoing one step.
   */
  beginMinute(m: number, insulinUPerMin: number, holdUntilMin: number = this.horizonMin, depotUPerMin?: ArrayLike<number>): number {
    if (m !== this.nextMinute) throw new Error(`minutes must be begun in order: expected ${this.nextMinute}, got ${m}`);
    if (m >= this.horizonMin) throw new Error(`minute ${m} is past the horizon ${this.horizonMin}`);
    this.nextMinute = m + 1;
    let synced = false;
    if (this.intake.startsEatingNextMinute() || m === this.stretchEndMin) {
      this.integrator.stateAt(m, this.state);
      synced = true;
    }
    const grams = this.intake.eatMinute(this.state[QSTO1] + this.state[QSTO2]);
    const meal = grams * 1000;
    const insulin = insulinUPerMin * this.pmolPerKgPerU;
    const dbar = this.intake.dbarMg();
    const inputs = this.inputs;
    let changed = meal !== inputs.mealMgPerMin || insulin !== inputs.insulinPmolPerKgPerMin || dbar !== inputs.dbarMg;
    const depots = inputs.depotPmolPerKgPerMin;
    for (let k = 0; k < DEPOT_PREPARATIONS.length; k++) {
      const rate = depotUPerMin ? depotUPerMin[k] * this.pmolPerKgPerU : 0;
      if (rate !== depots[k]) {
        if (rate > 0 && this.model.depotOffsets[k] === undefined) {
          throw new Error(`${this.model.name}: no subcutaneous depot for ${DEPOT_PREPARATIONS[k]} insulin in this model`);
        }
        changed = true;
      }
    }
    if (changed || synced) {
      if (!synced) this.integrator.stateAt(m, this.state);
      setModelInputs(inputs, meal, insulin, dbar);
      for (let k = 0; k < DEPOT_PREPARATIONS.length; k++) depots[k] = depotUPerMin ? depotUPerMin[k] * this.pmolPerKgPerU : 0;
      // While eating, the meal memory changes every minute.
      const hold = grams > 0 ? m + 1 : holdUntilMin;
      this.stretchEndMin = Math.min(Math.max(hold, m + 1), this.horizonMin);
      this.integrator.start(m, this.state, this.stretchEndMin);
    }
    return grams;
  }

  /** Blood glucose Gs/Vg (mg/dL) at time t, not before the last input change. */
  bloodGlucoseAt(t: number): number {
    return this.integrator.valueAt(t) / this.model.glucoseVolumeDlPerKg;
  }

  /** Full model state at time t, written into `out` (ends the current stretch there). */
  stateAt(t: number, out: Float64Array): void {
    this.integrator.stateAt(t, out);
    for (let i = 0; i < out.length; i++) this.state[i] = out[i];
    this.stretchEndMin = this.horizonMin;
    this.integrator.start(t, this.state, this.horizonMin);
  }
}
