import { describe, expect, it } from 'vitest';
import { StretchIntegrator } from '../../src/model/integrator.js';

// y0' = −k·y0 + u, y1' = y0 (two states; component 0 observed): exact solution known.
function linearSystem(inputs: { u: number }, k: number) {
  return (_t: number, y: ArrayLike<number>, dy: { [i: number]: number }) => {
    dy[0] = -k * y[0] + inputs.u;
    dy[1] = y[0];
  };
}

/**
 * Step end points are held to rtol 1e-5 locally (global error accumulates a
 * little); dense output between them may be 10× looser: ODEX rejects a step
 * only when its interpolation error estimate exceeds 10 (Hairer, Nørsett &
 * Wanner, Solving ODEs I, §II.9, dense output of extrapolation methods).
 */
const STEP_TOLERANCE = 2e-5;
const DENSE_TOLERANCE = 3e-4;
function expectNear(actual: number, exact: number, relative: number) {
  expect(Math.abs(actual - exact)).toBeLessThan(relative * Math.max(1, Math.abs(exact)));
}

describe('StretchIntegrator', () => {
  const k = 0.2;
  it('follows the exact solution across stretches with input changes at arbitrary times', () => {
    const inputs = { u: 0 };
    const integ = new StretchIntegrator(linearSystem(inputs, k), 2, 0);
    const y = new Float64Array([10, 0]);
    integ.start(0, y, 100);
    // Exact solution with u switching 0 → 3 at t = 37.5 (not a step boundary).
    const exact = (t: number) => (t <= 37.5 ? 10 * Math.exp(-k * t) : 3 / k + (10 * Math.exp(-k * 37.5) - 3 / k) * Math.exp(-k * (t - 37.5)));
    for (let t = 0; t <= 37; t += 1) expectNear(integ.valueAt(t), exact(t), DENSE_TOLERANCE);
    integ.stateAt(37.5, y);
    expectNear(y[0], exact(37.5), STEP_TOLERANCE);
    inputs.u = 3;
    integ.start(37.5, y, 100);
    for (let t = 38; t <= 100; t += 0.5) expectNear(integ.valueAt(t), exact(t), DENSE_TOLERANCE);
    integ.stateAt(100, y);
    expectNear(y[0], exact(100), STEP_TOLERANCE);
  });

  it('lands exactly on a short stretch and on the horizon', () => {
    const inputs = { u: 1 };
    const integ = new StretchIntegrator(linearSystem(inputs, k), 2, 0);
    const y = new Float64Array([0, 0]);
    let t = 0;
    for (let i = 0; i < 20; i++) {
      integ.start(t, y, t + 1);
      integ.stateAt(t + 1, y);
      t += 1;
    }
    expectNear(y[0], (1 - Math.exp(-k * 20)) / k, STEP_TOLERANCE);
  });

  it('refuses to look past the stretch horizon', () => {
    const integ = new StretchIntegrator(linearSystem({ u: 0 }, k), 2, 0);
    integ.start(0, [1, 0], 10);
    expect(() => integ.valueAt(11)).toThrow(/horizon/);
  });
});
