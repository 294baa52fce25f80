import { describe, it, expect } from 'vitest';
import { NotAKnotSpline } from '../../src/devices/spline.js';

/** Cubic coefficients c0…c3 of one spline piece, recovered from its values at 4 points (exact for a cubic). */
function pieceCoefficients(spline: NotAKnotSpline, piece: number): [number, number, number, number] {
  const h = spline.spacing;
  // Values at t = 0, h/3, 2h/3, h of the local variable t = x − piece·h; the
  // last point is nudged inside so it is evaluated on this piece.
  const ts = [0, h / 3, (2 * h) / 3, h * (1 - 1e-9)];
  const vs = ts.map((t) => spline.valueAt(piece * h + t));
  // Solve the 4×4 Vandermonde system by Gaussian elimination.
  const a = ts.map((t, r) => [1, t, t * t, t * t * t, vs[r]]);
  for (let col = 0; col < 4; col++) {
    for (let row = col + 1; row < 4; row++) {
      const f = a[row][col] / a[col][col];
      for (let k = col; k < 5; k++) a[row][k] -= f * a[col][k];
    }
  }
  const c = [0, 0, 0, 0];
  for (let row = 3; row >= 0; row--) {
    let sum = a[row][4];
    for (let k = row + 1; k < 4; k++) sum -= a[row][k] * c[k];
    c[row] = sum / a[row][row];
  }
  return [c[0], c[1], c[2], c[3]];
}

/** Derivatives 0…3 of a piece with coefficients c at local t. */
function derivatives(c: readonly number[], t: number): number[] {
  return [
    c[0] + t * (c[1] + t * (c[2] + t * c[3])),
    c[1] + t * (2 * c[2] + 3 * t * c[3]),
    2 * c[2] + 6 * t * c[3],
    6 * c[3],
  ];
}

describe('NotAKnotSpline', () => {
  it('matches scipy interp1d(kind="cubic") (values computed with scipy 1.17.1)', () => {
    const y = [3.0, -1.5, 4.25, 10.0, 2.0, -7.5, 0.5, 12.0, 11.0, -3.0, 6.0];
    const expected: [number, number][] = [
      [1.0, 2.225922632684231],
      [7.5, -1.0150195024852722],
      [22.0, 0.3786945399007251],
      [44.4, 10.007797620029455],
      [68.0, -4.530877052310042],
      [91.3, 1.6434882913291575],
      [119.0, 11.65643504200076],
      [140.0, -4.767819642175312],
      [149.9, 5.76528586712146],
    ];
    const spline = new NotAKnotSpline(11, 15);
    spline.fit(y);
    for (const [x, v] of expected) expect(spline.valueAt(x)).toBeCloseTo(v, 12);

    const s4 = new NotAKnotSpline(4, 2);
    s4.fit([1.0, -2.0, 0.5, 3.0]);
    [-0.5664062499999999, -1.6757812500000004, 2.95990625].forEach((v, i) =>
      expect(s4.valueAt([0.5, 2.5, 5.9][i])).toBeCloseTo(v, 12),
    );
    const s5 = new NotAKnotSpline(5, 2);
    s5.fit([1.0, -2.0, 0.5, 3.0, -1.0]);
    [-0.5527343749999999, -1.685546875, 2.9732656250000007, 0.27973437499999965].forEach((v, i) =>
      expect(s5.valueAt([0.5, 2.5, 5.9, 7.7][i])).toBeCloseTo(v, 12),
    );
  });

  it.each([4, 5, 6, 7, 11, 20])('reproduces any cubic exactly with %i knots (not-a-knot)', (n) => {
    const h = 15;
    const cubics = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [2.5, -0.3, 0.01, 0],
      [-4, 0.7, -0.02, 3e-4],
      [0, 0, 0, -1e-5],
    ];
    const spline = new NotAKnotSpline(n, h);
    const y = new Float64Array(n);
    for (const [c0, c1, c2, c3] of cubics) {
      const p = (x: number) => c0 + x * (c1 + x * (c2 + x * c3));
      for (let i = 0; i < n; i++) y[i] = p(i * h);
      spline.fit(y);
      const end = (n - 1) * h;
      const scale = Math.max(1, ...Array.from(y, Math.abs));
      for (let x = 0; x <= end; x += 0.37 * h) {
        expect(Math.abs(spline.valueAt(x) - p(x))).toBeLessThan(1e-12 * scale);
      }
      expect(Math.abs(spline.valueAt(end) - p(end))).toBeLessThan(1e-12 * scale);
    }
  });

  it('interpolates the knots exactly and is C² with continuous third derivative at x₁ and x_{n−2}', () => {
    const n = 11;
    const h = 15;
    const y = [0.3, 5.1, -2.2, 7.7, 7.0, -9.4, 1.2, 3.3, -0.8, 12.5, 4.4];
    const spline = new NotAKnotSpline(n, h);
    spline.fit(y);
    for (let i = 0; i < n; i++) expect(spline.valueAt(i * h)).toBe(y[i]);

    const pieces = Array.from({ length: n - 1 }, (_, i) => pieceCoefficients(spline, i));
    for (let i = 1; i < n - 1; i++) {
      const left = derivatives(pieces[i - 1], h);
      const right = derivatives(pieces[i], 0);
      // Values, first and second derivatives agree at every interior knot …
      expect(left[0]).toBeCloseTo(right[0], 6);
      expect(left[1]).toBeCloseTo(right[1], 6);
      expect(left[2]).toBeCloseTo(right[2], 6);
      // … and the third derivative jumps except at the not-a-knot points.
      if (i === 1 || i === n - 2) expect(left[3]).toBeCloseTo(right[3], 7);
    }
    // The data are not a cubic, so somewhere inside the third derivative must jump.
    const jumps = pieces.slice(1).map((c, k) => Math.abs(derivatives(c, 0)[3] - derivatives(pieces[k], h)[3]));
    expect(Math.max(...jumps)).toBeGreaterThan(1e-3);
  });

  it('refits in place: a fit does not depend on the previous one', () => {
    const a = [1, 2, 0, -1, 3, 4, 4, 2, 0, 1, 5];
    const b = [9, -3, 2, 2, 0, 1, 7, -5, 3, 3, 0];
    const reused = new NotAKnotSpline(11, 15);
    reused.fit(a);
    reused.fit(b);
    const fresh = new NotAKnotSpline(11, 15);
    fresh.fit(b);
    for (let x = 0; x <= 150; x += 2.5) expect(reused.valueAt(x)).toBe(fresh.valueAt(x));
  });

  it('rejects fewer than 4 knots, bad spacing, wrong length, unfitted use and points outside the knots', () => {
    expect(() => new NotAKnotSpline(3, 1)).toThrow(/>= 4/);
    expect(() => new NotAKnotSpline(4.5, 1)).toThrow(RangeError);
    expect(() => new NotAKnotSpline(5, 0)).toThrow(/spacing/);
    expect(() => new NotAKnotSpline(5, Number.NaN)).toThrow(/spacing/);
    const spline = new NotAKnotSpline(5, 2);
    expect(() => spline.valueAt(1)).toThrow(/fit/);
    expect(() => spline.fit([1, 2, 3, 4])).toThrow(/expected 5/);
    spline.fit([1, 2, 3, 4, 5]);
    expect(() => spline.valueAt(-0.001)).toThrow(RangeError);
    expect(() => spline.valueAt(8.001)).toThrow(RangeError);
    expect(() => spline.valueAt(Number.NaN)).toThrow(RangeError);
    expect(spline.valueAt(8)).toBe(5);
  });
});
