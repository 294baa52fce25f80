/**
 * Continuous glucose monitors of the 2008 academic UVa/Padova simulator
 * (docs/model.md §2): the reading is true glucose plus the CGM error model of
 * Breton & Kovatchev 2008 (J Diabetes Sci Technol 2(5):853), clipped to the
 * sensor's range. Plus an ideal sensor that reads blood glucose exactly.
 */
import type { RandomStream } from '../random/streams.js';
import { CGM_PRESETS, type CgmParameters } from './presets.js';
import { NotAKnotSpline } from './spline.js';
import type { PeriodicSensor, SensorSpec } from './types.js';

/** Spacing of the error model's points, min (Breton & Kovatchev 2008: a 15-min AR(1) process). */
export const CGM_NOISE_KNOT_SPACING_MIN = 15;
/**
 * 15-min intervals generated and splined together (the reference's
 * `PRECOMPUTE = 10`, simglucose commit a6f6777): the spline shape depends on
 * the batch, so this is part of the model, not a tuning knob.
 */
export const CGM_NOISE_INTERVALS_PER_BATCH = 10;

/** Sampling period of the ideal sensor when the scenario gives none, min. */
export const IDEAL_SENSOR_DEFAULT_SAMPLE_TIME_MIN = 5;

/**
 * The 15-min error points eps_k of Breton & Kovatchev 2008, one per `next()`:
 * an AR(1) driver e_1 = w_1, e_k = PACF·(e_{k−1} + w_k), w_k ~ N(0, 1)
 * (their eq. for the autoregressive component, as implemented in the
 * reference), through the Johnson SU transform
 * eps = xi + lambda·sinh((e − gamma)/delta).
 */
export class CgmNoiseKnots {
  private readonly params: CgmParameters;
  private readonly stream: RandomStream;
  private e = 0;
  private started = false;

  constructor(params: CgmParameters, stream: RandomStream) {
    this.params = params;
    this.stream = stream;
  }

  /** The next 15-min error value, mg/dL. */
  next(): number {
    const p = this.params;
    const w = this.stream.normal();
    if (this.started) {
      this.e = p.pacf * (this.e + w);
    } else {
      this.e = w;
      this.started = true;
    }
    return p.xi + p.lambda * Math.sinh((this.e - p.gamma) / p.delta);
  }
}

/**
 * The CGM error as a continuous function of time: the 15-min points of
 * `CgmNoiseKnots` (time 0 is the first), joined by a not-a-knot cubic spline
 * fitted per batch of 10 intervals (11 points; the last point of a batch is
 * the first of the next, so the curve is continuous), as the reference does
 * with scipy's interp1d(kind='cubic').
 *
 * Queried at non-decreasing times. The value at a time does not depend on
 * which other times were queried (skipped batches are still drawn), so every
 * sampling period sees the same underlying error curve for a given stream.
 */
export class CgmNoise {
  private readonly knots: CgmNoiseKnots;
  private readonly spline: NotAKnotSpline;
  private readonly values: Float64Array;
  private readonly batchLengthMin: number;
  /** Index of the batch the spline holds; batch b spans [b·150, (b+1)·150] min. */
  private batch = -1;

  constructor(params: CgmParameters, stream: RandomStream) {
    this.knots = new CgmNoiseKnots(params, stream);
    const pointCount = CGM_NOISE_INTERVALS_PER_BATCH + 1;
    this.spline = new NotAKnotSpline(pointCount, CGM_NOISE_KNOT_SPACING_MIN);
    this.values = new Float64Array(pointCount);
    this.batchLengthMin = CGM_NOISE_INTERVALS_PER_BATCH * CGM_NOISE_KNOT_SPACING_MIN;
  }

  /** The error at `timeMin` ≥ 0, mg/dL; times must not decrease from call to call. */
  at(timeMin: number): number {
    if (!(timeMin >= 0 && timeMin < Infinity)) {
      throw new RangeError(`CgmNoise.at: time must be a finite number >= 0, got ${timeMin}`);
    }
    // A time on a batch boundary belongs to the earlier batch (the reference
    // evaluates it there too); both splines pass through that point anyway.
    const wanted = timeMin === 0 ? 0 : Math.ceil(timeMin / this.batchLengthMin) - 1;
    if (wanted < this.batch) {
      throw new RangeError(
        `CgmNoise.at: time ${timeMin} min is before the current batch (from ${this.batch * this.batchLengthMin} min); times must not decrease`,
      );
    }
    if (wanted > this.batch) this.advanceTo(wanted);
    return this.spline.valueAt(timeMin - this.batch * this.batchLengthMin);
  }

  private advanceTo(batch: number): void {
    const v = this.values;
    const last = v.length - 1;
    while (this.batch < batch) {
      if (this.batch < 0) {
        v[0] = this.knots.next();
      } else {
        v[0] = v[last];
      }
      for (let i = 1; i <= last; i++) v[i] = this.knots.next();
      this.batch++;
    }
    this.spline.fit(v);
  }
}

/** A CGM with the S2008 error model: reading = clip(BG + noise(t), min, max). */
export class CgmSensor implements PeriodicSensor {
  readonly name: string;
  readonly sampleTimeMin: number;
  private readonly params: CgmParameters;
  private readonly noise: CgmNoise;

  constructor(params: CgmParameters, stream: RandomStream, sampleTimeMin: number = params.sampleTimeMin) {
    this.name = params.name;
    this.sampleTimeMin = checkSampleTime(sampleTimeMin);
    this.params = params;
    this.noise = new CgmNoise(params, stream);
  }

  samplesAt(timeMin: number): boolean {
    return timeMin % this.sampleTimeMin === 0;
  }

  read(bgMgDl: number, timeMin: number): number {
    if (!Number.isFinite(bgMgDl)) throw new RangeError(`${this.name}: blood glucose must be finite, got ${bgMgDl}`);
    const raw = bgMgDl + this.noise.at(timeMin);
    return Math.min(this.params.maxMgDl, Math.max(this.params.minMgDl, raw));
  }
}

/** A perfect sensor: reads blood glucose exactly. */
export class IdealSensor implements PeriodicSensor {
  readonly name = 'ideal';
  readonly sampleTimeMin: number;

  constructor(sampleTimeMin: number = IDEAL_SENSOR_DEFAULT_SAMPLE_TIME_MIN) {
    this.sampleTimeMin = checkSampleTime(sampleTimeMin);
  }

  samplesAt(timeMin: number): boolean {
    return timeMin % this.sampleTimeMin === 0;
  }

  read(bgMgDl: number, _timeMin: number): number {
    return bgMgDl;
  }
}

function checkSampleTime(sampleTimeMin: number): number {
  if (!(Number.isFinite(sampleTimeMin) && sampleTimeMin > 0)) {
    throw new RangeError(`sensor sampleTimeMin must be a finite number > 0, got ${sampleTimeMin}`);
  }
  return sampleTimeMin;
}

/**
 * The sensor a scenario asks for. `stream` feeds the CGM error and is not
 * drawn from by the ideal sensor. The scenario loader validates the model
 * name first; this is the backstop.
 */
export function createSensor(spec: SensorSpec, stream: RandomStream): PeriodicSensor {
  if (spec.model === 'ideal') return new IdealSensor(spec.sampleTimeMin);
  if (!Object.hasOwn(CGM_PRESETS, spec.model)) {
    const known = [...Object.keys(CGM_PRESETS), 'ideal'].join(', ');
    throw new Error(`unknown sensor model "${spec.model}" (known: ${known})`);
  }
  const params = CGM_PRESETS[spec.model];
  return new CgmSensor(params, stream, spec.sampleTimeMin ?? params.sampleTimeMin);
}

export interface NoiseMoments {
  readonly mean: number;
  readonly sd: number;
  readonly lag1Autocorrelation: number;
}

/**
 * Stationary mean E[eps] and autocovariance Cov(eps_k, eps_{k+lag}) of the
 * 15-min error points, analytically.
 *
 * Derivation. The driver e_k = φ(e_{k−1} + w_k) is a stationary AR(1) with
 * variance σ² = φ²σ² + φ², i.e. σ² = φ²/(1 − φ²), and lag-L correlation
 * ρ_L = φ^L (e_k = φ·e_{k−1} + φ·w_k). With s = σ/δ, a = −γ/δ and Z ~ N(0, 1),
 * eps = ξ + λ·sinh(a + sZ). From E[exp(c + tZ)] = exp(c + t²/2):
 *   E[sinh(a + sZ)]  = (e^a − e^{−a})/2 · e^{s²/2}              = sinh(a)·e^{s²/2};
 * for X = a + sZ₁, Y = a + sZ₂ with corr(Z₁, Z₂) = ρ, sinh X sinh Y =
 * (cosh(X + Y) − cosh(X − Y))/2, Var(X + Y) = 2s²(1 + ρ), Var(X − Y) = 2s²(1 − ρ):
 *   E[sinh X sinh Y] = (cosh(2a)·e^{s²(1+ρ)} − e^{s²(1−ρ)})/2,
 * which at ρ = 1 is E[sinh²] = (cosh(2a)·e^{2s²} − 1)/2. Hence
 *   mean = ξ + λ·sinh(a)·e^{s²/2},
 *   Cov_L = λ²·(E[sinh X sinh Y]|_{ρ=φ^L} − sinh²(a)·e^{s²}).
 * (The first point has Var(e_1) = 1 rather than σ²; that transient decays as φ^{2k}.)
 */
export function cgmNoiseAutocovariance(params: CgmParameters, lag: number): number {
  if (!(Number.isInteger(lag) && lag >= 0)) throw new RangeError(`lag must be an integer >= 0, got ${lag}`);
  const { a, s2 } = johnsonArguments(params);
  const rho = params.pacf ** lag;
  const productMean = (Math.cosh(2 * a) * Math.exp(s2 * (1 + rho)) - Math.exp(s2 * (1 - rho))) / 2;
  const meanSinh = Math.sinh(a) * Math.exp(s2 / 2);
  return params.lambda * params.lambda * (productMean - meanSinh * meanSinh);
}

/** Stationary mean, SD and lag-1 (15-min) autocorrelation of the error points (see cgmNoiseAutocovariance). */
export function cgmNoiseMoments(params: CgmParameters): NoiseMoments {
  const { a, s2 } = johnsonArguments(params);
  const variance = cgmNoiseAutocovariance(params, 0);
  return {
    mean: params.xi + params.lambda * Math.sinh(a) * Math.exp(s2 / 2),
    sd: Math.sqrt(variance),
    lag1Autocorrelation: cgmNoiseAutocovariance(params, 1) / variance,
  };
}

/** a = −γ/δ and s² = σ²/δ² with σ² = φ²/(1 − φ²), the stationary AR(1) variance. */
function johnsonArguments(params: CgmParameters): { a: number; s2: number } {
  const phi = params.pacf;
  if (!(Math.abs(phi) < 1)) throw new RangeError(`CGM pacf must be in (−1, 1) for a stationary process, got ${phi}`);
  const sigma2 = (phi * phi) / (1 - phi * phi);
  return { a: -params.gamma / params.delta, s2: sigma2 / (params.delta * params.delta) };
}
