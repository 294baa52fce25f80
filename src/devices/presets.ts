/**
 * Device presets of the 2008 academic UVa/Padova simulator
 * (`sensor_params.csv`, `pump_params.csv` as distributed with simglucose,
 * commit a6f6777). CGM noise: Breton & Kovatchev 2008 (J Diabetes Sci Technol
 * 2(5):853), AR(1) driving a Johnson SU transform.
 */

export interface CgmParameters {
  readonly name: string;
  /** Partial autocorrelation of the 15-min AR(1) noise driver. */
  readonly pacf: number;
  /** Johnson SU shape and location: eps = xi + lambda·sinh((e − gamma)/delta). */
  readonly gamma: number;
  readonly lambda: number;
  readonly delta: number;
  readonly xi: number;
  /** Sampling period, min. */
  readonly sampleTimeMin: number;
  /** Reading range, mg/dL. */
  readonly minMgDl: number;
  readonly maxMgDl: number;
}

const BRETON_KOVATCHEV = { pacf: 0.7, gamma: -0.5444, lambda: 15.9574, delta: 1.6898, xi: -5.47 } as const;

export const CGM_PRESETS: Readonly<Record<string, CgmParameters>> = {
  Dexcom: { name: 'Dexcom', ...BRETON_KOVATCHEV, sampleTimeMin: 3, minMgDl: 39, maxMgDl: 600 },
  GuardianRT: { name: 'GuardianRT', ...BRETON_KOVATCHEV, sampleTimeMin: 5, minMgDl: 39, maxMgDl: 600 },
  Navigator: { name: 'Navigator', ...BRETON_KOVATCHEV, sampleTimeMin: 1, minMgDl: 32, maxMgDl: 600 },
};

export interface PumpParameters {
  readonly name: string;
  /** Bolus limits and increment, U. */
  readonly minBolusU: number;
  readonly maxBolusU: number;
  readonly bolusIncrementU: number;
  /** Basal limits and increment, U/h (as pumps are programmed). */
  readonly minBasalUPerH: number;
  readonly maxBasalUPerH: number;
  readonly basalIncrementUPerH: number;
}

export const PUMP_PRESETS: Readonly<Record<string, PumpParameters>> = {
  Cozmo: { name: 'Cozmo', minBolusU: 0, maxBolusU: 75, bolusIncrementU: 0.05, minBasalUPerH: 0, maxBasalUPerH: 35, basalIncrementUPerH: 0.05 },
  Insulet: { name: 'Insulet', minBolusU: 0, maxBolusU: 30, bolusIncrementU: 0.05, minBasalUPerH: 0, maxBasalUPerH: 30, basalIncrementUPerH: 0.05 },
};

/** The largest bolus any preset pump gives, U: a replay's limit on insulin in one minute. */
export const MAX_PUMP_BOLUS_U = Math.max(...Object.values(PUMP_PRESETS).map((p) => p.maxBolusU));
/** The highest basal rate any preset pump programs, U/h: a limit on a basal rate written in a file. */
export const MAX_PUMP_BASAL_U_PER_H = Math.max(...Object.values(PUMP_PRESETS).map((p) => p.maxBasalUPerH));
