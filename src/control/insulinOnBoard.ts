/**
 * Insulin on board (IOB, "active insulin" IA of Daskalaki, Diem & Mougiakakou 2014, §3.2.1) from a
 * per-minute insulin record.
 *
 * Action curve: the exponential insulin model derived by Dragan Maksimovic
 * (LoopKit/Loop issue #388, 2017) and used by the open-source automated
 * insulin delivery projects Loop (`ExponentialInsulinModel`) and OpenAPS
 * oref0 (`lib/iob/calculate.js`, "rapid-acting"/"ultra-rapid" curves). It is
 * chosen over Walsh's bilinear/curvilinear curves because it has a smooth
 * activity peak and reaches exactly zero at the duration of insulin action
 * (DIA), so "no insulin left after DIA" holds by construction. With
 *   td = DIA, tp = time of peak activity,
 *   τ = tp·(1 − tp/td) / (1 − 2·tp/td)   (time constant of the decay),
 *   a = 2τ/td                            (rise-time factor),
 *   S = 1 / (1 − a + (1 + a)·e^(−td/τ))  (scales the activity to unit area),
 * the activity of a unit dose is
 *   Ia(t) = (S/τ²)·t·(1 − t/td)·e^(−t/τ),   0 ≤ t ≤ td,
 * which peaks at t = tp (d/dt of t(1 − t/td)e^(−t/τ) vanishes there by the
 * choice of τ), and the fraction still on board is
 *   IOB(t) = 1 − ∫₀ᵗ Ia = 1 − S·(1 − a)·[(t²/(τ·td·(1 − a)) − t/τ − 1)·e^(−t/τ) + 1],
 * so IOB(0) = 1 and IOB(td) = 0 (the definition of S). Written here from the
 * formulas above, not copied from either project.
 *
 * Defaults (DIA 360 min, peak 75 min) are Loop's "rapid-acting adult" preset
 * for lispro/aspart, also oref0's default rapid-acting peak.
 */

export interface InsulinOnBoardOptions {
  /** Duration of insulin action td, min (default 360). */
  readonly durationMin?: number;
  /** Time of peak insulin activity tp, min (default 75); must be < td/2 for τ > 0. */
  readonly peakMin?: number;
  /**
   * Warm start: basal delivered at this rate, U/min, at every minute before
   * the record, forever (default 0: nothing on board before minute 0, the
   * cold start). A patient who starts a record at the basal steady state has
   * this on board already (see `insulinOnBoardU`).
   */
  readonly priorBasalUPerMin?: number;
}

export const IOB_DEFAULT_DURATION_MIN = 360;
export const IOB_DEFAULT_PEAK_MIN = 75;

/**
 * Fraction of a dose still on board `t` minutes after delivery under the
 * exponential model above: 1 for t ≤ 0, 0 for t ≥ td, non-increasing between.
 */
export function insulinOnBoardFraction(t: number, durationMin: number, peakMin: number): number {
  checkCurve(durationMin, peakMin);
  if (t <= 0) return 1;
  if (t >= durationMin) return 0;
  const td = durationMin;
  const tp = peakMin;
  const tau = (tp * (1 - tp / td)) / (1 - 2 * tp / td);
  const a = (2 * tau) / td;
  const s = 1 / (1 - a + (1 + a) * Math.exp(-td / tau));
  const iob = 1 - s * (1 - a) * ((t * t / (tau * td * (1 - a)) - t / tau - 1) * Math.exp(-t / tau) + 1);
  // Rounding can leave ±1e-16 near the ends; the fraction is in [0, 1] by construction.
  return Math.min(1, Math.max(0, iob));
}

/**
 * Insulin on board, U, of basal delivered at `basalUPerMin` U/min at every
 * minute forever: under the convention of `insulinOnBoardU` (each minute's
 * dose counted in full from its own minute), the doses of minutes k, k − 1,
 * k − 2, … are on board with fractions IOB(0), IOB(1), IOB(2), …, so
 *   IOB_ss = b · Σ_{j=0}^{⌈td⌉−1} IOB(j)
 * (IOB(j) = 0 from j = td on). It is the minute sum, b·(∫₀^td IOB(t) dt + ½)
 * (Euler–Maclaurin), not the integral, because doses are counted per minute:
 * with the defaults 122 min of basal. What matters is that it is the value
 * `insulinOnBoardU` settles at after ⌈td⌉ minutes of basal, and the value it
 * starts at with `priorBasalUPerMin` = b.
 */
export function steadyStateInsulinOnBoardU(basalUPerMin: number, options: Omit<InsulinOnBoardOptions, 'priorBasalUPerMin'> = {}): number {
  const kernel = insulinOnBoardKernel(options.durationMin ?? IOB_DEFAULT_DURATION_MIN, options.peakMin ?? IOB_DEFAULT_PEAK_MIN);
  let sum = 0;
  for (let j = kernel.length - 1; j >= 0; j--) sum += kernel[j]!;
  return basalUPerMin * sum;
}

/**
 * Insulin on board, U, at each minute of a per-minute insulin record
 * (`insulinU[i]`: units delivered during minute i, basal and bolus together).
 *
 * Convention: the dose of minute i counts as delivered at time i, and the
 * output at index k includes it in full, i.e.
 *   IOB[k] = Σ_{i ≤ k} insulinU[i] · IOB(k − i).
 * With `priorBasalUPerMin` = b the sum runs over the minutes before the
 * record too, each with dose b (an infinitely long basal before minute 0):
 *   IOB[k] = Σ_{0 ≤ i ≤ k} insulinU[i] · IOB(k − i) + b · Σ_{j ≥ k+1} IOB(j),
 * the second term being the tail of the kernel, exact (no truncated prefix
 * of basal to simulate): a record that is all basal b then gives
 * b · Σ_j IOB(j) = steadyStateInsulinOnBoardU(b) at every minute from 0.
 * IOB is linear in (record, b) (doses superpose). A non-finite entry
 * (a gap in the record) is counted as no delivery: IOB must stay defined for
 * the transfer-entropy run-in, and a missing pump record means nothing known
 * was delivered; callers that need gaps propagated should check the record.
 * Cost O(n · td), with td ≤ a few hundred minutes.
 */
export function insulinOnBoardU(insulinU: ArrayLike<number>, options: InsulinOnBoardOptions = {}): Float64Array {
  const kernel = insulinOnBoardKernel(options.durationMin ?? IOB_DEFAULT_DURATION_MIN, options.peakMin ?? IOB_DEFAULT_PEAK_MIN);
  const kernelLength = kernel.length;
  const priorBasal = options.priorBasalUPerMin ?? 0;
  if (!(Number.isFinite(priorBasal) && priorBasal >= 0)) {
    throw new RangeError(`insulin on board: priorBasalUPerMin must be a finite rate ≥ 0 U/min, got ${priorBasal}`);
  }

  const n = insulinU.length;
  const iob = new Float64Array(n);
  if (priorBasal > 0) {
    // Tail sums from the end: the basal of minute −m (m ≥ 1) is IOB(k + m) on board at minute k.
    let tail = 0;
    for (let j = kernelLength - 1; j >= 1; j--) {
      tail += kernel[j]!;
      if (j - 1 < n) iob[j - 1] = priorBasal * tail;
    }
  }
  for (let i = 0; i < n; i++) {
    const dose = insulinU[i]!;
    if (!Number.isFinite(dose) || dose === 0) continue;
    const end = Math.min(n, i + kernelLength);
    for (let k = i; k < end; k++) iob[k]! += dose * kernel[k - i]!;
  }
  return iob;
}

/** Fraction on board j minutes after delivery, j = 0 … ⌈td⌉ − 1 (0 from td on). */
function insulinOnBoardKernel(durationMin: number, peakMin: number): Float64Array {
  checkCurve(durationMin, peakMin);
  const kernelLength = Math.ceil(durationMin);
  const kernel = new Float64Array(kernelLength);
  for (let j = 0; j < kernelLength; j++) kernel[j] = insulinOnBoardFraction(j, durationMin, peakMin);
  return kernel;
}

function checkCurve(durationMin: number, peakMin: number): void {
  if (!(Number.isFinite(durationMin) && durationMin > 0)) {
    throw new RangeError(`insulin on board: durationMin must be a positive number, got ${durationMin}`);
  }
  if (!(Number.isFinite(peakMin) && peakMin > 0 && peakMin < durationMin / 2)) {
    throw new RangeError(
      `insulin on board: peakMin must be in (0, durationMin/2) for the exponential curve, got ${peakMin} (durationMin ${durationMin})`,
    );
  }
}
