/**
 * The stretch integrator on odex (Hairer & Wanner's GBS extrapolation code
 * ODEX, JavaScript port): the project's integrator until issue #17, kept as
 * an independent reference for the Dormand–Prince stepper of integrator.ts
 * (the tests compare the two) and selectable with `method: 'odex'`.
 *
 * Same contract as StretchIntegrator (integrator.ts): steps are produced
 * lazily, `valueAt(t)` reads the observed component from odex's dense output
 * and `stateAt(t)` ends the stretch exactly at `t` by redoing the last step.
 */
import { createRequire } from 'node:module';
import type { Derivative, SolutionSegment, Solver } from 'odex';
import { DEFAULT_MAX_STEPS, IntegratorError, type IntegratorOptions, type RightHandSide, type StretchSolver } from './integrator.js';

/**
 * odex's settings before issue #17, chosen by measurement then: rtol 1e-5,
 * atol 1e-8 (max |ΔBG| against every oracle file ≈ 1e-3 mg/dL); outside meals
 * the steps are limited by stability (the insulin and glucose exchange modes,
 * ~0.3–0.6 /min), where low-order extrapolation (KM = 4) and steps ≤ 10 min
 * do the same work with ~20 % fewer evaluations than ODEX's defaults (KM = 9).
 */
export const ODEX_INTEGRATOR_OPTIONS = {
  method: 'odex',
  relativeTolerance: 1e-5,
  absoluteTolerance: 1e-8,
  maxStepMin: 10,
  maxExtrapolationColumns: 4,
} as const satisfies IntegratorOptions;

/** First step of a cold start, min: short enough for any meal transient. */
const COLD_START_STEP_MIN = 0.05;
/** Times closer than this are the same instant, min. */
const TIME_EPSILON = 1e-9;

interface LiveOptions {
  initialStepSize: number;
}

/** odex's failures (plain Errors with odex's words) as IntegratorErrors at the time reached. */
function integratorError(timeMin: number, err: unknown): IntegratorError {
  return err instanceof IntegratorError ? err : new IntegratorError(timeMin, `odex: ${err instanceof Error ? err.message : String(err)}`);
}

export class OdexStretchIntegrator implements StretchSolver {
  private readonly solver: Solver;
  /** odex 3 reads its `options.initialStepSize` at each solve; we set it to warm start. */
  private readonly liveOptions: LiveOptions;
  private readonly n: number;
  private readonly component: number;
  /** State at the start of the current segment (or of the stretch before the first segment). */
  private readonly segmentStartState: number[];
  private segmentStart = 0;
  private segment: SolutionSegment | undefined;
  private segments: Generator<SolutionSegment, undefined, boolean | undefined> | undefined;
  private horizon = 0;
  private lastStepMin = COLD_START_STEP_MIN;

  constructor(rhs: RightHandSide, n: number, observedComponent: number, options: IntegratorOptions = ODEX_INTEGRATOR_OPTIONS) {
    this.n = n;
    this.component = observedComponent;
    // Required on first use (odex is CommonJS): the default stepper is ours, and every process and
    // worker would otherwise load odex (~7 ms) for nothing.
    const odex = createRequire(import.meta.url)('odex') as typeof import('odex');
    this.solver = new odex.Solver(rhs as Derivative, n, {
      rawFunction: true,
      denseOutput: true,
      denseComponents: [observedComponent],
      relativeTolerance: options.relativeTolerance,
      absoluteTolerance: options.absoluteTolerance,
      maxStepSize: options.maxStepMin,
      maxExtrapolationColumns: options.maxExtrapolationColumns ?? ODEX_INTEGRATOR_OPTIONS.maxExtrapolationColumns,
      initialStepSize: COLD_START_STEP_MIN,
      maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
      // ODEX's stability check compares the change of f over the first
      // substep with f itself; at an exact steady state f is round-off, the
      // ratio is meaningless and every step is halved (measured: 600,000
      // steps for one basal hour). Step-size control by the error estimate
      // alone keeps the explicit scheme stable here.
      stabilityCheckCount: 0,
    });
    const live = (this.solver as unknown as { options?: LiveOptions }).options;
    if (!live || typeof live.initialStepSize !== 'number') {
      throw new Error('odex: unexpected Solver layout (expected odex 3.0.0-rc.4, pinned in package.json)');
    }
    this.liveOptions = live;
    this.segmentStartState = new Array<number>(n).fill(0);
  }

  /** Begin a stretch at `t0` from state `y0`; the caller's inputs must already be set. */
  start(t0: number, y0: ArrayLike<number>, horizon: number): void {
    for (let i = 0; i < this.n; i++) this.segmentStartState[i] = y0[i];
    this.segmentStart = t0;
    this.horizon = horizon;
    this.segment = undefined;
    this.segments = undefined;
  }

  /** The observed component at time `t` (start of stretch ≤ t ≤ horizon). */
  valueAt(t: number): number {
    if (t <= this.segmentStart + TIME_EPSILON && this.segment === undefined) {
      return this.segmentStartState[this.component];
    }
    const seg = this.advanceTo(t);
    if (t >= seg.x1 - TIME_EPSILON) return seg.y[this.component];
    return seg.f(this.component, t);
  }

  /**
   * Writes the full state at `t` into `out` and ends the stretch there: the
   * last step is redone to land exactly on `t`, so no interpolation error
   * enters the state that the next stretch starts from.
   */
  stateAt(t: number, out: { [i: number]: number }): void {
    if (t <= this.segmentStart + TIME_EPSILON && this.segment === undefined) {
      for (let i = 0; i < this.n; i++) out[i] = this.segmentStartState[i];
      return;
    }
    const seg = this.advanceTo(t);
    if (t >= seg.x1 - TIME_EPSILON) {
      for (let i = 0; i < this.n; i++) out[i] = seg.y[i];
    } else {
      this.liveOptions.initialStepSize = t - this.segmentStart;
      let last: number[] = this.segmentStartState;
      try {
        for (const s of this.solver.solutionSegments(this.segmentStart, this.segmentStartState, t)) last = s.y;
      } catch (err) {
        throw integratorError(this.segmentStart, err);
      }
      for (let i = 0; i < this.n; i++) out[i] = last[i];
    }
    this.segment = undefined;
    this.segments = undefined;
  }

  private advanceTo(t: number): SolutionSegment {
    if (t > this.horizon + TIME_EPSILON) {
      throw new Error(`integrator: time ${t} is past the stretch horizon ${this.horizon}`);
    }
    let seg = this.segment;
    if (seg !== undefined && t <= seg.x1 + TIME_EPSILON) return seg;
    let segments = this.segments;
    if (segments === undefined) {
      // ODEX caps the first step of a solve at half the interval
      // (H = min(H, |XEND − X|/2)), so a stretch shorter than the warm step
      // would cost two steps. Asking for twice the stretch with a first step
      // of exactly the stretch lands on its end in one step; if that step is
      // rejected, stateAt() redoes the stretch exactly.
      const length = this.horizon - this.segmentStart;
      const oneStep = length <= this.lastStepMin;
      this.liveOptions.initialStepSize = oneStep ? length : this.lastStepMin;
      segments = this.solver.solutionSegments(this.segmentStart, this.segmentStartState, oneStep ? this.segmentStart + 2 * length : this.horizon);
      this.segments = segments;
    }
    while (seg === undefined || t > seg.x1 + TIME_EPSILON) {
      if (seg !== undefined) {
        for (let i = 0; i < this.n; i++) this.segmentStartState[i] = seg.y[i];
        this.segmentStart = seg.x1;
      }
      // (try/catch inline: a closure here would allocate every step)
      let next: IteratorResult<SolutionSegment, undefined>;
      try {
        next = segments.next();
      } catch (err) {
        throw integratorError(this.segmentStart, err);
      }
      if (next.done) throw new Error(`integrator: solution ended before time ${t}`);
      const current: SolutionSegment = next.value;
      // odex accepts steps into an infinite or NaN state (measured: dx/dt = x² past its blow-up);
      // without this the run would go on with NaN glucose.
      if (!Number.isFinite(current.y[this.component])) throw new IntegratorError(current.x0, `the state is no longer finite (${current.y[this.component]})`);
      seg = current;
      // Keep the step size of the latest full step as the next stretch's first
      // step (warm start); the closing step that lands on the horizon is short by construction.
      if (current.x1 < this.horizon - TIME_EPSILON) this.lastStepMin = current.x1 - current.x0;
    }
    this.segment = seg;
    return seg;
  }
}
