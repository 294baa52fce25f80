/**
 * Insulin pens for multiple daily injections: each requested injection is
 * rounded to the pen's dial step and capped at its largest dose.
 */
import { INSULIN_PREPARATIONS, type InsulinPreparation } from '../model/patientModel.js';
import type { Injection, InsulinPen, PenSpec } from './types.js';

/**
 * Quotients dose/step are snapped to this many decimals before rounding to
 * whole steps, so binary noise (e.g. 0.15/0.05 = 2.9999999999999996) does not
 * decide the result; the same rule as the pumps.
 */
const QUOTIENT_DECIMALS = 1e6;
/** Doses are written to this resolution, U, so k × step reads as the dialled decimal. */
const DOSE_DECIMALS = 1e9;

export interface PenParameters {
  readonly name: string;
  /** Dial step, U; also the smallest dose (a pen's first click is one step). */
  readonly doseStepU: number;
  /** Largest dose one injection can dial, U. */
  readonly maxDoseU: number;
}

/**
 * Typical devices, one of each kind:
 * - whole-unit: 1–80 U in 1-U steps, as the Novo Nordisk FlexTouch pen
 *   (e.g. Levemir FlexTouch: "doses from 1 to 80 units in a single
 *   injection"; St. Jude Children's Research Hospital patient sheet). Other
 *   whole-unit pens stop at 60 U (Humalog KwikPen and NovoLog FlexPen user
 *   instructions: 1 to 60 units).
 * - half-unit: 0.5–30 U in 0.5-U steps, as the NovoPen Echo ("half-unit doses
 *   from 0.5 to 30 units", diabetesabcs.com on the FDA approval). Ranges of
 *   other half-unit pens differ.
 */
export const PEN_PRESETS: Readonly<Record<string, PenParameters>> = {
  'whole-unit': { name: 'whole-unit', doseStepU: 1, maxDoseU: 80 },
  'half-unit': { name: 'half-unit', doseStepU: 0.5, maxDoseU: 30 },
};

/**
 * Largest single injection a regimen may ask for, U: the most any preset
 * pen dials. A pen caps a larger request anyway; in a file it is a mistake
 * (a regimen that means more must ask for two injections), so option
 * schemas refuse it, naming this limit.
 */
export const MAX_PEN_DOSE_U = Math.max(...Object.values(PEN_PRESETS).map((p) => p.maxDoseU));

/**
 * Largest weight-based single injection, U/kg: glucosim's own bound, not a
 * published one: 1 U/kg is 80 U for an 80 kg adult, the most a preset pen
 * dials, and the whole daily dose of many insulin regimens.
 */
export const MAX_PEN_DOSE_U_PER_KG = 1;

/**
 * A dial-a-dose pen. Each requested injection becomes the nearest dial step
 * (ties up, as the pumps); one that rounds to 0 U is not given, and one above
 * the maximum is capped there, because a real pen cannot dial more (a patient
 * would inject twice; a regimen that wants that must ask for two injections).
 * Injections are independent: two of the same preparation are rounded
 * separately and both given, in the order asked.
 */
export class Pen implements InsulinPen {
  readonly name: string;
  readonly doseStepU: number;
  readonly maxDoseU: number;

  constructor(params: PenParameters) {
    const { name, doseStepU, maxDoseU } = params;
    if (!(Number.isFinite(doseStepU) && doseStepU > 0)) {
      throw new RangeError(`${name} pen: doseStepU must be a finite number > 0, got ${doseStepU}`);
    }
    if (!(Number.isFinite(maxDoseU) && maxDoseU >= doseStepU)) {
      throw new RangeError(`${name} pen: maxDoseU must be a finite number >= doseStepU (${doseStepU}), got ${maxDoseU}`);
    }
    // Capping after rounding must land on a dialable dose.
    if (!Number.isInteger(snapQuotient(maxDoseU / doseStepU))) {
      throw new RangeError(`${name} pen: maxDoseU ${maxDoseU} is not a multiple of doseStepU ${doseStepU}`);
    }
    this.name = name;
    this.doseStepU = doseStepU;
    this.maxDoseU = maxDoseU;
  }

  inject(injections: readonly Injection[]): Injection[] {
    const given: Injection[] = [];
    injections.forEach((injection, i) => {
      const preparation = checkPreparation(injection.preparation, i);
      const units = injection.units;
      // Bad input is an error, not something to round away.
      if (!(Number.isFinite(units) && units >= 0)) {
        throw new RangeError(`${this.name} pen: injections[${i}].units must be a finite number >= 0, got ${units}`);
      }
      const dialled = Math.min(this.maxDoseU, this.toStep(units));
      if (dialled > 0) given.push({ preparation, units: dialled });
    });
    return given;
  }

  private toStep(units: number): number {
    const steps = Math.round(snapQuotient(units / this.doseStepU));
    return Math.round(steps * this.doseStepU * DOSE_DECIMALS) / DOSE_DECIMALS;
  }
}

/** The pen a scenario asks for; the scenario loader validates the name first, this is the backstop. */
export function createPen(spec: PenSpec): Pen {
  if (!Object.hasOwn(PEN_PRESETS, spec.model)) {
    const known = Object.keys(PEN_PRESETS).join(', ');
    throw new Error(`unknown pen model "${String(spec.model)}" (known: ${known})`);
  }
  return new Pen(PEN_PRESETS[spec.model]);
}

function snapQuotient(quotient: number): number {
  return Math.round(quotient * QUOTIENT_DECIMALS) / QUOTIENT_DECIMALS;
}

function checkPreparation(preparation: unknown, index: number): InsulinPreparation {
  if (!(INSULIN_PREPARATIONS as readonly unknown[]).includes(preparation)) {
    throw new Error(
      `injections[${index}].preparation: unknown insulin preparation "${String(preparation)}" (known: ${INSULIN_PREPARATIONS.join(', ')})`,
    );
  }
  return preparation as InsulinPreparation;
}
