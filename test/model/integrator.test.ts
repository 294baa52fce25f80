import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEGRATOR_OPTIONS, IntegratorError, type RightHandSide, StretchIntegrator } from '../../src/model/integrator.js';
import { OdexStretchIntegrator } from '../../src/model/odexIntegrator.js';

// y0' = −k·y0 + u, y1' = y0 (two states; component 0 observed): exact solution known.
function linearSystem(inputs: { u: number }, k: number) {
  return (_t: number, y: ArrayLike<number>, dy: { [i: number]: number }) => {
    dy[0] = -k * y[0] + inputs.u;
    dy[1] = y[0];
  };
}

/**
 * Step end points are held to the default rtol 1e-7 locally (global error
 * accumulates a little); the 4th-order dense output of DOPRI5 between them
 * is not error-controlled and may be looser (measured here: 2e-7 at step
 * ends, 3e-7 in between).
 */
const STEP_TOLERANCE = 1e-6;
const DENSE_TOLERANCE = 3e-6;
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

  it('a restart costs one evaluation of f and reuses the last step size; a promised stretch end needs no redo', () => {
    // Slow decay (k = 0.02): steps grow to the 10-min cap, so every 1-min stretch fits in one step.
    let calls = 0;
    const inputs = { u: 0 };
    const f = linearSystem(inputs, 0.02);
    const counted: RightHandSide = (t, y, dy) => {
      calls++;
      f(t, y, dy);
    };
    const warm = new StretchIntegrator(counted, 2, 0);
    const y = new Float64Array([10, 0]);
    warm.start(0, y, 30);
    warm.stateAt(30, y);
    // f at the start, then 6 per step, none rejected; the last lands on t = 30 and its state is returned as is.
    expect(calls % 6).toBe(1);
    for (let m = 30; m < 35; m++) {
      inputs.u = m % 2;
      warm.start(m, y, m + 1);
      calls = 0;
      warm.valueAt(m + 0.5);
      warm.stateAt(m + 1, y);
      // One evaluation at the new inputs, one step of 6 (the warm step exceeds the stretch).
      expect(calls).toBe(7);
    }
    // A cold start on the same stretch works its way up from the first step of 0.05 min.
    calls = 0;
    const cold = new StretchIntegrator(counted, 2, 0);
    cold.start(35, y, 36);
    cold.stateAt(36, y);
    expect(calls).toBeGreaterThan(7);
  });

  it('an unpromised end inside a step redoes that step (5 evaluations) and lands on it exactly', () => {
    let calls = 0;
    const inputs = { u: 1 };
    const f = linearSystem(inputs, k);
    const integ = new StretchIntegrator(
      (t, y, dy) => {
        calls++;
        f(t, y, dy);
      },
      2,
      0,
    );
    const y = new Float64Array([0, 0]);
    integ.start(0, y, 100);
    integ.valueAt(20);
    calls = 0;
    integ.stateAt(20.3, y);
    expect(calls).toBe(5);
    expectNear(y[0], (1 - Math.exp(-k * 20.3)) / k, STEP_TOLERANCE);
  });

  it('agrees with odex on a nonlinear system with a kink (logistic growth, clipped harvest)', () => {
    // y0' = y0·(1 − y0/50) − max(y1 − 20, 0), y1' = 0.3·(y0 − y1): smooth but for the kink at y1 = 20.
    const rhs: RightHandSide = (_t, y, dy) => {
      dy[0] = y[0] * (1 - y[0] / 50) - Math.max(y[1] - 20, 0);
      dy[1] = 0.3 * (y[0] - y[1]);
    };
    const ours = new StretchIntegrator(rhs, 2, 0);
    const odex = new OdexStretchIntegrator(rhs, 2, 0, { method: 'odex', relativeTolerance: 1e-12, absoluteTolerance: 1e-12, maxStepMin: 1, maxExtrapolationColumns: 9 });
    ours.start(0, [1, 0], 60);
    odex.start(0, [1, 0], 60);
    let worst = 0;
    for (let t = 0; t <= 60; t += 0.25) worst = Math.max(worst, Math.abs(ours.valueAt(t) - odex.valueAt(t)));
    // Measured: 1.3e-5 (values up to 50).
    expect(worst).toBeLessThan(1e-4);
    expect(worst).toBeGreaterThan(0);
  });

  it('gives up at the step limit with "maximum allowed steps" (src/sim/closedLoop.ts matches it)', () => {
    // y' = −1e9·y: stable steps are ~3e-9 min, so 1,000 steps cannot reach t = 1.
    const integ = new StretchIntegrator((_t, y, dy) => (dy[0] = -1e9 * y[0]), 1, 0, { ...DEFAULT_INTEGRATOR_OPTIONS, maxSteps: 1000 });
    integ.start(0, [1], 1);
    let error: unknown;
    try {
      integ.valueAt(1);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IntegratorError);
    expect((error as IntegratorError).reason).toMatch(/maximum allowed steps exceeded: 1000/);
    expect((error as IntegratorError).timeMin).toBeLessThan(1e-5);
  });
});
