/**
 * Insulin pumps of the 2008 academic UVa/Padova simulator (docs/model.md §2,
 * `pump_params.csv`): a request is clipped to the pump's limits and rounded
 * to its increments. Basal limits and increments are in U/h, as pumps are
 * programmed; requests and deliveries are in U/min, the one internal unit.
 */
import { PUMP_PRESETS, type PumpParameters } from './presets.js';
import type { InsulinPump, InsulinRequest, PumpSpec } from './types.js';

const MINUTES_PER_HOUR = 60;
/**
 * Quotients dose/increment are snapped to this many decimals before rounding
 * to whole increments, so binary noise (0.15/0.05 = 2.9999999999999996) does
 * not decide the result; far finer than any pump resolution.
 */
const QUOTIENT_DECIMALS = 1e6;
/** Largest decimal exponent an increment may need (0.05 → 2). */
const MAX_INCREMENT_DECIMALS = 12;

/** A pump with limits and increments: clip, then round to the nearest increment (ties up). */
export class PresetPump implements InsulinPump {
  readonly name: string;
  private readonly bolus: DoseGrid;
  private readonly basal: DoseGrid;

  constructor(params: PumpParameters) {
    this.name = params.name;
    this.bolus = new DoseGrid(`${params.name} bolus`, params.minBolusU, params.maxBolusU, params.bolusIncrementU);
    this.basal = new DoseGrid(
      `${params.name} basal`,
      params.minBasalUPerH,
      params.maxBasalUPerH,
      params.basalIncrementUPerH,
    );
  }

  deliver(request: InsulinRequest): InsulinRequest {
    checkRequest(request);
    const basalUPerH = this.basal.apply(request.basalUPerMin * MINUTES_PER_HOUR);
    return { basalUPerMin: basalUPerH / MINUTES_PER_HOUR, bolusU: this.bolus.apply(request.bolusU) };
  }
}

/** A pump without limits or increments: delivers what is asked. */
export class IdealPump implements InsulinPump {
  readonly name = 'ideal';

  deliver(request: InsulinRequest): InsulinRequest {
    checkRequest(request);
    return { basalUPerMin: request.basalUPerMin, bolusU: request.bolusU };
  }
}

/** The pump a scenario asks for; the scenario loader validates the name first, this is the backstop. */
export function createPump(spec: PumpSpec): InsulinPump {
  if (spec.model === 'ideal') return new IdealPump();
  if (!Object.hasOwn(PUMP_PRESETS, spec.model)) {
    const known = [...Object.keys(PUMP_PRESETS), 'ideal'].join(', ');
    throw new Error(`unknown pump model "${spec.model}" (known: ${known})`);
  }
  return new PresetPump(PUMP_PRESETS[spec.model]);
}

/** A negative or non-finite dose is bad input, not something to clip. */
function checkRequest(request: InsulinRequest): void {
  checkDose('basalUPerMin', request.basalUPerMin);
  checkDose('bolusU', request.bolusU);
}

function checkDose(field: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`insulin request: ${field} must be a finite number >= 0, got ${value}`);
  }
}

/**
 * The doses a pump can give: [min, max] in steps of `increment`. Results are
 * whole increments written as the nearest decimal (3 × 0.05 gives 0.15, not
 * 0.15000000000000002), so logs and comparisons see the programmed value.
 */
class DoseGrid {
  private readonly min: number;
  private readonly max: number;
  private readonly increment: number;
  /** 10^d with d the decimals of the increment. */
  private readonly decimalScale: number;

  constructor(label: string, min: number, max: number, increment: number) {
    if (!(Number.isFinite(increment) && increment > 0)) {
      throw new RangeError(`${label}: increment must be a finite number > 0, got ${increment}`);
    }
    if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && min <= max)) {
      throw new RangeError(`${label}: limits must satisfy 0 <= min <= max, got [${min}, ${max}]`);
    }
    this.min = min;
    this.max = max;
    this.increment = increment;
    this.decimalScale = decimalScaleOf(label, increment);
    // Rounding after clipping stays inside [min, max] only if both are on the grid.
    for (const limit of [min, max]) {
      if (this.toGrid(limit) !== limit) {
        throw new RangeError(`${label}: limit ${limit} is not a multiple of the increment ${increment}`);
      }
    }
  }

  apply(dose: number): number {
    return this.toGrid(Math.min(this.max, Math.max(this.min, dose)));
  }

  private toGrid(dose: number): number {
    const quotient = Math.round((dose / this.increment) * QUOTIENT_DECIMALS) / QUOTIENT_DECIMALS;
    const steps = Math.round(quotient);
    return Math.round(steps * this.increment * this.decimalScale) / this.decimalScale;
  }
}

function decimalScaleOf(label: string, increment: number): number {
  for (let d = 0, scale = 1; d <= MAX_INCREMENT_DECIMALS; d++, scale *= 10) {
    const scaled = increment * scale;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return scale;
  }
  throw new RangeError(`${label}: increment ${increment} has more than ${MAX_INCREMENT_DECIMALS} decimals`);
}
