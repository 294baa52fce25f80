/** Interfaces of the simulated devices that sit between a patient and a controller. */
import type { InsulinPreparation } from '../model/patientModel.js';

/**
 * A glucose sensor or meter. The engine asks `samplesAt` every minute and
 * calls `read` at the minutes it says yes to, in increasing order.
 */
export interface Sensor {
  readonly name: string;
  /** Whether a reading is taken at minute `timeMin` of the run (`timeOfDayMin` after midnight). */
  samplesAt(timeMin: number, timeOfDayMin: number): boolean;
  /** The reading (mg/dL) at `timeMin` for true blood glucose `bgMgDl`. */
  read(bgMgDl: number, timeMin: number): number;
  /** A meter's measurement times, minutes after midnight, ascending; absent for a sensor that samples periodically. */
  readonly timesOfDayMin?: readonly number[];
}

/** A sensor that reads every `sampleTimeMin` minutes from the start of the run (CGMs, the ideal sensor). */
export interface PeriodicSensor extends Sensor {
  readonly sampleTimeMin: number;
}

/** A pen or syringe injection of one insulin preparation. */
export interface Injection {
  readonly preparation: InsulinPreparation;
  /** Dose, U. */
  readonly units: number;
}

/** What a controller asks for over one control period. */
export interface InsulinRequest {
  /** Basal rate, U/min (the one internal unit; U/h only at the edges). */
  readonly basalUPerMin: number;
  /** Bolus, U, delivered within the first minute of the period. */
  readonly bolusU: number;
  /** Injections given at the start of the period (multiple daily injections). */
  readonly injections?: readonly Injection[];
}

/** A pump turns a request into what it can deliver (limits and increments). */
export interface InsulinPump {
  readonly name: string;
  deliver(request: InsulinRequest): InsulinRequest;
}

/** An insulin pen turns requested injections into the doses it can dial. */
export interface InsulinPen {
  readonly name: string;
  inject(injections: readonly Injection[]): Injection[];
}

// ---- what a scenario file says of each device (validated by src/scenario) ----

export interface SensorSpec {
  /** A CGM preset of the S2008 simulator (`Dexcom`, `GuardianRT`, `Navigator`), `ideal`, or `smbg` (a meter). */
  readonly model: string;
  /** Overrides the preset's sampling period, min (required meaning for `ideal`: default 5). */
  readonly sampleTimeMin?: number;
  /** For `smbg`: measurement times, minutes after midnight (default: five a day). */
  readonly timesOfDayMin?: readonly number[];
}

export interface PumpSpec {
  /** A preset (`Cozmo`, `Insulet`) or `ideal` (no limits, no rounding). */
  readonly model: string;
}

export interface PenSpec {
  /** `whole-unit` or `half-unit`. */
  readonly model: 'whole-unit' | 'half-unit';
}
