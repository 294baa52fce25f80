/**
 * A self-monitoring blood glucose (SMBG) meter: finger-stick readings at
 * chosen times of day, each with an independent error of the size ISO
 * 15197:2013 allows, clipped to the meter's display range and shown in whole
 * mg/dL.
 *
 * Accuracy criterion (ISO 15197:2013 §6.3.3, minimum system accuracy; as
 * tabulated by Freckmann et al. 2015, J Diabetes Sci Technol 9(4):885,
 * doi:10.1177/1932296815580160, Table 1): at least 95 % of results within
 * ±15 mg/dL of the reference below 100 mg/dL and within ±15 % at or above
 * 100 mg/dL. (The standard's second criterion, 99 % in consensus error grid
 * zones A+B, is far looser than this one at the SD chosen here.)
 */
import type { RandomStream } from '../random/streams.js';
import type { Sensor } from './types.js';

const MINUTES_PER_DAY = 1440;

/**
 * Five measurements a day: morning, noon, afternoon, evening and night, the
 * occasions of the MDP insulin-regimen paper (Shifrin & Siegelmann 2017, Example 2.1:
 * "approximately constant measurement timings, corresponding to morning,
 * noon, afternoon, evening, night", T = 5). The paper gives
 * no clock times; 07:00, 12:00, 16:00, 19:00 and 22:00 are our choice
 * (before breakfast, lunch, an afternoon check, dinner and bedtime).
 */
export const FIVE_A_DAY: readonly number[] = Object.freeze([7 * 60, 12 * 60, 16 * 60, 19 * 60, 22 * 60]);

/** ISO 15197:2013 §6.3.3: the limit is absolute below this reference glucose and relative at or above it, mg/dL. */
export const ISO_15197_THRESHOLD_MGDL = 100;
/** ISO 15197:2013 §6.3.3: allowed deviation below the threshold, mg/dL. */
export const ISO_15197_ABSOLUTE_LIMIT_MGDL = 15;
/** ISO 15197:2013 §6.3.3: allowed deviation at or above the threshold, fraction of the reference. */
export const ISO_15197_RELATIVE_LIMIT = 0.15;

/**
 * The error SD is the ISO limit divided by this. A Gaussian error is then
 * within the limit with probability 2Φ(2.5) − 1 ≈ 98.76 %: a margin of ~3.8
 * points over the required 95 %, so the simulated meter is a compliant
 * device of ordinary quality, not a borderline one (SD = limit/1.96 would
 * meet 95 % exactly) and not a perfect one. Display rounding costs at most
 * half a mg/dL: the displayed value is within the limit whenever the raw
 * value is within limit − 0.5, which at the tightest limit (15 mg/dL) still
 * holds with probability 2Φ(2.5·14.5/15) − 1 ≈ 98.4 %.
 */
export const SMBG_LIMIT_TO_SD = 2.5;

/**
 * Display range, mg/dL: results below/above show as LO/HI, which the meter
 * reports here as the clip value. 20–600 mg/dL is typical of current meters
 * (e.g. LifeScan OneTouch shows "hi" above 600; GlucoDr shows "Lo" below 20;
 * Dario reads 10–600); the exact range differs by model.
 */
export const SMBG_LO_MGDL = 20;
export const SMBG_HI_MGDL = 600;

/** The ISO 15197:2013 §6.3.3 accuracy limit at reference glucose `referenceMgDl`, mg/dL. */
export function iso15197LimitMgDl(referenceMgDl: number): number {
  return referenceMgDl < ISO_15197_THRESHOLD_MGDL
    ? ISO_15197_ABSOLUTE_LIMIT_MGDL
    : ISO_15197_RELATIVE_LIMIT * referenceMgDl;
}

/**
 * SD of the meter error at true glucose `bgMgDl`, mg/dL: 6 mg/dL below
 * 100 mg/dL and 6 % of the value above (continuous at 100, where both are 6).
 */
export function smbgErrorSdMgDl(bgMgDl: number): number {
  return iso15197LimitMgDl(bgMgDl) / SMBG_LIMIT_TO_SD;
}

/** What a scenario says about the meter. */
export interface MeterSpec {
  readonly model: 'smbg';
  /** Minutes after midnight, whole minutes in [0, 1440), unique; default FIVE_A_DAY. */
  readonly timesOfDayMin?: readonly number[];
}

/**
 * A meter read at fixed times of day. Each reading is
 * round(clip(BG + σ(BG)·z, LO, HI)) with z ~ N(0, 1) drawn from the stream,
 * one draw per reading: finger sticks hours apart use separate strips, so
 * their errors are taken as independent. Not modelled: strip-lot bias,
 * haematocrit and other interferences, user error.
 */
export class SmbgMeter implements Sensor {
  readonly name = 'smbg';
  /** The sampling times, sorted, minutes after midnight. */
  readonly timesOfDayMin: readonly number[];
  private readonly times: ReadonlySet<number>;
  private readonly stream: RandomStream;

  constructor(stream: RandomStream, timesOfDayMin: readonly number[] = FIVE_A_DAY) {
    this.timesOfDayMin = Object.freeze(checkTimesOfDay(timesOfDayMin));
    this.times = new Set(this.timesOfDayMin);
    this.stream = stream;
  }

  /** True exactly at the meter's times of day, every day; the run time does not matter. */
  samplesAt(_timeMin: number, timeOfDayMin: number): boolean {
    return this.times.has(timeOfDayMin);
  }

  read(bgMgDl: number, _timeMin: number): number {
    if (!Number.isFinite(bgMgDl)) throw new RangeError(`${this.name}: blood glucose must be finite, got ${bgMgDl}`);
    const raw = bgMgDl + smbgErrorSdMgDl(bgMgDl) * this.stream.normal();
    // Clip before rounding: LO and HI are whole numbers, so the result stays whole.
    return Math.round(Math.min(SMBG_HI_MGDL, Math.max(SMBG_LO_MGDL, raw)));
  }
}

/**
 * The meter a scenario asks for; `stream` feeds the reading errors. The
 * scenario loader validates first; this is the backstop.
 */
export function createMeter(spec: MeterSpec, stream: RandomStream): SmbgMeter {
  if (spec.model !== 'smbg') throw new Error(`unknown meter model "${String(spec.model)}" (known: smbg)`);
  return new SmbgMeter(stream, spec.timesOfDayMin ?? FIVE_A_DAY);
}

/**
 * Whole minutes in [0, 1440), unique, at least one. Whole minutes because
 * the engine asks every whole minute: a time like 420.5 would never be read.
 */
function checkTimesOfDay(times: readonly number[]): number[] {
  if (!Array.isArray(times) || times.length === 0) {
    throw new RangeError(`smbg meter: timesOfDayMin must be a non-empty array of minutes after midnight`);
  }
  const seen = new Set<number>();
  times.forEach((t, i) => {
    if (!(Number.isInteger(t) && t >= 0 && t < MINUTES_PER_DAY)) {
      throw new RangeError(
        `smbg meter: timesOfDayMin[${i}] must be a whole number of minutes in [0, ${MINUTES_PER_DAY}), got ${t}`,
      );
    }
    if (seen.has(t)) throw new RangeError(`smbg meter: timesOfDayMin[${i}] repeats ${t}; times must be unique`);
    seen.add(t);
  });
  return [...times].sort((a, b) => a - b);
}
