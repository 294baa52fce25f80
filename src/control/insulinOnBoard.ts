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
 * Insulin on board, U, at each minute of a per-minute insulin record
 * (`insulinU[i]`: units delivered during minute i, basal and bolus together).
 *
 * Convention: the dose of minute i counts as delivered at time i, and the
 * output at index k includes it in full, i.e.
 *   IOB[k] = Σ_{i ≤ k} insulinU[i] · IOB(k − i).
 * IOB is therefore linear in the record (doses superpose). A non-finite entry
 * (a gap in the record) is counted as no delivery: IOB must stay defined for
 * the transfer-entropy run-in, and a missing pump record means nothing known
 * was delivered; callers that need gaps propagated should check the record.
 * Cost O(n · td), with td ≤ a few hundred minutes.
 */
export function insulinOnBoardU(insulinU: ArrayLike<number>, options: InsulinOnBoardOptions = {}): Float64Array {
  const durationMin = options.durationMin ?? IOB_DEFAULT_DURATION_MIN;
  const peakMin = options.peakMin ?? IOB_DEFAULT_PEAK_MIN;
  checkCurve(durationMin, peakMin);
  // Kernel: fraction on board j minutes after delivery, j = 0 … ⌈td⌉ − 1 (0 from td on).
  const kernelLength = Math.ceil(durationMin);
  const kernel = new Float64Array(kernelLength);
  for (let j = 0; j < kernelLength; j++) kernel[j] = insulinOnBoardFraction(j, durationMin, peakMin);

  const n = insulinU.length;
  const iob = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dose = insulinU[i]!;
    if (!Number.isFinite(dose) || dose === 0) continue;
    const end = Math.min(n, i + kernelLength);
    for (let k = i; k < end; k++) iob[k]! += dose * kernel[k - i]!;
  }
  return iob;
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
