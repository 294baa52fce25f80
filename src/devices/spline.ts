/**
 * Cubic interpolating spline with not-a-knot end conditions through equally
 * spaced knots x_i = i·h, i = 0 … n−1.
 *
 * This is what scipy's `interp1d(kind='cubic')` builds (`make_interp_spline`
 * with k = 3 and its default not-a-knot boundary), which the reference CGM
 * noise generator uses to go from 15-min points to the sensor's sample grid
 * (docs/model.md §2). Written for a small fixed knot count that is refitted many
 * times: every buffer is allocated once, in the constructor.
 *
 * Formulation (second-derivative form, e.g. Burden & Faires, Numerical
 * Analysis, §3.5): with M_i = S''(x_i), continuity of S' at the interior knots
 * gives, for equal spacing,
 *   M_{i−1} + 4 M_i + M_{i+1} = 6 (y_{i+1} − 2 y_i + y_{i−1}) / h²,  i = 1 … n−2,
 * and not-a-knot (S''' continuous at x_1 and x_{n−2}, i.e. the first two and
 * the last two pieces are one cubic) gives
 *   M_0 − 2 M_1 + M_2 = 0,   M_{n−3} − 2 M_{n−2} + M_{n−1} = 0.
 */

export class NotAKnotSpline {
  readonly knotCount: number;
  readonly spacing: number;
  /** Knot values of the current fit. */
  private readonly y: Float64Array;
  /** Second derivatives at the knots. */
  private readonly m: Float64Array;
  /** Right-hand sides 6·Δ²y/h² of the interior rows. */
  private readonly rhs: Float64Array;
  /**
   * Thomas-algorithm multipliers of the reduced interior system (they depend
   * only on the matrix, so they are computed once): invPivot[j] = 1 / pivot_j.
   */
  private readonly invPivot: Float64Array;
  private fitted = false;

  constructor(knotCount: number, spacing: number) {
    if (!Number.isInteger(knotCount) || knotCount < 4) {
      // Not-a-knot needs two distinct conditions on pieces 0–1 and n−3…n−2, so at least 3 pieces.
      throw new RangeError(`NotAKnotSpline: knotCount must be an integer >= 4 (not-a-knot), got ${knotCount}`);
    }
    if (!(Number.isFinite(spacing) && spacing > 0)) {
      throw new RangeError(`NotAKnotSpline: spacing must be a finite number > 0, got ${spacing}`);
    }
    this.knotCount = knotCount;
    this.spacing = spacing;
    this.y = new Float64Array(knotCount);
    this.m = new Float64Array(knotCount);
    this.rhs = new Float64Array(knotCount);
    this.invPivot = new Float64Array(knotCount);
    // Reduced system (see fit): rows j = 2 … n−3, tridiagonal (1, 4, 1).
    // Thomas forward sweep pivots: p_2 = 4, p_j = 4 − 1/p_{j−1}.
    let pivot = 4;
    for (let j = 2; j <= knotCount - 3; j++) {
      this.invPivot[j] = 1 / pivot;
      pivot = 4 - this.invPivot[j];
    }
  }

  /** Refits the spline to `values` (length knotCount), in place. */
  fit(values: ArrayLike<number>): void {
    const n = this.knotCount;
    if (values.length !== n) {
      throw new RangeError(`NotAKnotSpline.fit: expected ${n} values, got ${values.length}`);
    }
    const { y, m, rhs, invPivot } = this;
    for (let i = 0; i < n; i++) y[i] = values[i];
    const scale = 6 / (this.spacing * this.spacing);
    for (let i = 1; i <= n - 2; i++) rhs[i] = scale * (y[i + 1] - 2 * y[i] + y[i - 1]);

    // Substituting M_0 = 2M_1 − M_2 into row 1 leaves 6·M_1 = rhs_1; the same
    // at the far end gives 6·M_{n−2} = rhs_{n−2}. The rows in between form a
    // (1, 4, 1) tridiagonal system with those two values known.
    m[1] = rhs[1] / 6;
    m[n - 2] = rhs[n - 2] / 6;
    const first = 2;
    const last = n - 3;
    if (first <= last) {
      // Forward sweep: reuse `rhs` for the modified right-hand sides.
      rhs[first] -= m[1];
      rhs[last] -= m[n - 2];
      rhs[first] *= invPivot[first];
      for (let j = first + 1; j <= last; j++) {
        rhs[j] = (rhs[j] - rhs[j - 1]) * invPivot[j];
      }
      // Back substitution; the superdiagonal multiplier of row j is invPivot[j].
      m[last] = rhs[last];
      for (let j = last - 1; j >= first; j--) m[j] = rhs[j] - invPivot[j] * m[j + 1];
    }
    m[0] = 2 * m[1] - m[2];
    m[n - 1] = 2 * m[n - 2] - m[n - 3];
    this.fitted = true;
  }

  /** Value at `x` in [0, (n−1)·h]; exactly the knot value at every knot. */
  valueAt(x: number): number {
    if (!this.fitted) throw new Error('NotAKnotSpline.valueAt: fit() has not been called');
    const h = this.spacing;
    const n = this.knotCount;
    const end = (n - 1) * h;
    if (!(x >= 0 && x <= end)) {
      throw new RangeError(`NotAKnotSpline.valueAt: x = ${x} outside [0, ${end}]`);
    }
    if (x === end) return this.y[n - 1];
    const i = Math.min(Math.floor(x / h), n - 2);
    const t = x - i * h;
    const { y, m } = this;
    const mi = m[i];
    const mj = m[i + 1];
    // Taylor form of piece i: S = y_i + S'(x_i)·t + M_i/2·t² + (M_{i+1} − M_i)/(6h)·t³,
    // with S'(x_i) = (y_{i+1} − y_i)/h − h·(2M_i + M_{i+1})/6.
    const slope = (y[i + 1] - y[i]) / h - (h * (2 * mi + mj)) / 6;
    return y[i] + t * (slope + t * (mi / 2 + (t * (mj - mi)) / (6 * h)));
  }
}
