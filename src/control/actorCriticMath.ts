/**
 * Pure math of the actor-critic (AC) basal/IC adaptation of Daskalaki, Diem &
 * Mougiakakou 2014 (§3.1 and §3.2 "AC-based Algorithm for Glucose
 * Regulation", §3.2.1 "Automatic Tuning"), kept free
 * of the controller plumbing so every equation can be checked by hand.
 *
 * Notation follows the paper: day k has state x_k = [x¹_k, x²_k] (normalised
 * average hyper- and hypoglycaemia error), the action of each policy
 * S ∈ {BR, IC} is its daily rate of change P_k^S = x_k·θ_k^S, and
 * S_k = S_{k−1} + P_k^S·S_{k−1}. The critic is the linear
 * Q̃ = rᵀφ_θ(x, u) learned by TD(λ) with the average-cost update; the actor
 * is θ_{k+1} = θ_k − γ^a_k (r_kᵀφ_θk(x_{k+1}, u_{k+1})) ψ_θk(x_{k+1}, u_{k+1}).
 */
import type { RandomStream } from '../random/streams.js';

export type Vec2 = readonly [number, number];

/** Glycaemic bounds of the paper: G_h = 180, G_l = 70 mg/dL. */
export const HYPER_BOUND_MG_DL = 180;
export const HYPO_BOUND_MG_DL = 70;

export interface StateNormalisation {
  /**
   * Average hyperglycaemia error (mg/dL) that maps to x¹ = 1. Default 220 =
   * 400 − 180: 400 mg/dL is the usual top of the clinical glucose scale (and
   * of the CVGA), so a day spent on average at 400 when high is "maximally"
   * hyperglycaemic. Larger averages are clipped to 1.
   */
  readonly hyperMaxErrorMgDl: number;
  /**
   * Average hypoglycaemia error (mg/dL) that maps to x² = 1. Default 30 =
   * 70 − 40: CGM readings stop at 39–40 mg/dL, so 30 spans the whole
   * measurable hypoglycaemic range and x² can actually reach 1; a smaller
   * scale than for hyper also weights each mg/dL of hypo ~7× more, which is
   * the clinical asymmetry we want. Meter values below 40 are clipped to 1.
   */
  readonly hypoMaxErrorMgDl: number;
}

export const DEFAULT_NORMALISATION: StateNormalisation = { hyperMaxErrorMgDl: 220, hypoMaxErrorMgDl: 30 };

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Daily state x_k = [x¹, x²] (seed eqs. for x¹_k, x²_k): x¹ is the mean of
 * G − 180 over the day's readings above 180, x² the mean of 70 − G over those
 * below 70 (0 when there are none: the paper averages over the N_i samples
 * outside the bound), each divided by its documented maximum and clipped to
 * [0, 1]. NaN entries (minutes without a reading) are skipped. Returns
 * `undefined` when the day has no reading at all: no state can be observed.
 */
export function dailyState(glucoseMgDl: ArrayLike<number>, norm: StateNormalisation = DEFAULT_NORMALISATION): Vec2 | undefined {
  let readings = 0;
  let hyperSum = 0;
  let hyperN = 0;
  let hypoSum = 0;
  let hypoN = 0;
  for (let i = 0; i < glucoseMgDl.length; i++) {
    const g = glucoseMgDl[i]!;
    if (!Number.isFinite(g)) continue;
    readings++;
    if (g > HYPER_BOUND_MG_DL) {
      hyperSum += g - HYPER_BOUND_MG_DL;
      hyperN++;
    } else if (g < HYPO_BOUND_MG_DL) {
      hypoSum += HYPO_BOUND_MG_DL - g;
      hypoN++;
    }
  }
  if (readings === 0) return undefined;
  const x1 = hyperN > 0 ? clip01(hyperSum / hyperN / norm.hyperMaxErrorMgDl) : 0;
  const x2 = hypoN > 0 ? clip01(hypoSum / hypoN / norm.hypoMaxErrorMgDl) : 0;
  return [x1, x2];
}

/** Safety limits on one policy S (BR or IC). */
export interface PolicyLimits {
  /** P_k is clipped to [−maxDailyDecrease, +maxDailyIncrease] per day. */
  readonly maxDailyIncrease: number;
  readonly maxDailyDecrease: number;
  /** Absolute bounds on S_k. */
  readonly min: number;
  readonly max: number;
}

/** P_k = x_k·θ_k (seed: "P_k^S = x_k θ_k^S"). */
export function rateOfChange(x: Vec2, theta: Vec2): number {
  return x[0] * theta[0] + x[1] * theta[1];
}

/**
 * S_k = S_{k−1} + P_k·S_{k−1} (the paper's policy update) behind the safety layer:
 * P is first clipped to [−maxDailyDecrease, +maxDailyIncrease] (a non-finite
 * P, from a diverged θ, counts as no change), then S_k is clamped to
 * [min, max]. Since maxDailyDecrease < 1 and min > 0, S stays positive and inside the bounds
 * whatever θ the actor produced. Returns the new S and the P actually applied.
 */
export function policyStep(previous: number, p: number, limits: PolicyLimits): { value: number; applied: number } {
  const clipped = Number.isFinite(p) ? Math.min(limits.maxDailyIncrease, Math.max(-limits.maxDailyDecrease, p)) : 0;
  const value = Math.min(limits.max, Math.max(limits.min, previous + clipped * previous));
  return { value, applied: previous > 0 ? value / previous - 1 : 0 };
}

/**
 * Score function ψ_θ(x, u) = ∇_θ ln μ(u | x, θ) (seed, after eq. (12)) of the
 * Gaussian exploration policy u ~ N(x·θ, σ²): ψ = (u − x·θ)/σ² · x. The paper's
 * policy written as S_k is deterministic, where ψ does not exist; a Gaussian
 * around the paper's P_k is the usual way to give the likelihood-ratio
 * gradient meaning (Konda & Tsitsiklis' actor-critic, the paper's ref. [19]).
 */
export function gaussianScore(x: Vec2, theta: Vec2, u: number, sd: number): Vec2 {
  const k = (u - rateOfChange(x, theta)) / (sd * sd);
  return [k * x[0], k * x[1]];
}

/** Draw the action u = x·θ + σ·ε, ε ~ N(0, 1), from a seeded stream. */
export function sampleAction(x: Vec2, theta: Vec2, sd: number, stream: RandomStream): number {
  return rateOfChange(x, theta) + sd * stream.normal();
}

/**
 * Local cost c(x, u) = x¹ + w·x² (w = hypoWeight). It depends on the state
 * only: an action's consequences appear in the next day's state, which the TD
 * term rᵀφ(x_{k+1}, u_{k+1}) carries back. The extra weight on hypo is the
 * clinical asymmetry (a low is acutely dangerous, a high is not).
 */
export function localCost(x: Vec2, hypoWeight: number): number {
  return x[0] + hypoWeight * x[1];
}

/** Critic state: weights r, eligibility trace z and average-cost estimate ā. */
export interface CriticState {
  readonly r: readonly number[];
  readonly z: readonly number[];
  readonly averageCost: number;
}

/** The critic before the first transition: r = 0, z_0 = φ(x_0, u_0), ā_0 = c(x_0, u_0). */
export function initialCritic(phi0: readonly number[], cost0: number): CriticState {
  return { r: phi0.map(() => 0), z: [...phi0], averageCost: cost0 };
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * One critic step for the transition (x_k, u_k) → (x_{k+1}, u_{k+1}), the
 * paper's equations verbatim:
 *   d_k = c(x_k, u_k) − ā_k + r_kᵀφ(x_{k+1}, u_{k+1}) − r_kᵀφ(x_k, u_k)
 *   r_{k+1} = r_k + γ^c_k d_k z_k
 *   ā_{k+1} = ā_k + γ^c_k [c(x_{k+1}, u_{k+1}) − ā_k]
 *   z_{k+1} = λ z_k + φ(x_{k+1}, u_{k+1})
 */
export function criticStep(
  critic: CriticState,
  phiK: readonly number[],
  costK: number,
  phiNext: readonly number[],
  costNext: number,
  gammaC: number,
  lambda: number,
): CriticState & { readonly tdError: number } {
  const { r, z, averageCost } = critic;
  const d = costK - averageCost + dot(r, phiNext) - dot(r, phiK);
  return {
    r: r.map((ri, i) => ri + gammaC * d * z[i]!),
    z: z.map((zi, i) => lambda * zi + phiNext[i]!),
    averageCost: averageCost + gammaC * (costNext - averageCost),
    tdError: d,
  };
}

/** Actor: θ_{k+1} = θ_k − γ^a_k (r_kᵀφ(x_{k+1}, u_{k+1})) ψ(x_{k+1}, u_{k+1}) (seed eq. (13)). */
export function actorStep(
  theta: readonly number[],
  r: readonly number[],
  phiNext: readonly number[],
  psiNext: readonly number[],
  gammaA: number,
): number[] {
  const q = dot(r, phiNext);
  return theta.map((t, i) => t - gammaA * q * psiNext[i]!);
}

/**
 * The state-value critic of the TD-error actor (ActorCriticOptions.actor
 * 'td-error'): the differential cost V(x) = vᵀx, learned by average-cost
 * TD(λ) (Sutton & Barto 2018, Reinforcement Learning, 2nd ed., §12.2 and
 * §13.6 "Actor–Critic Methods" for continuing problems; Konda & Tsitsiklis
 * 2003 use the same average-cost TD for their critic). No constant feature:
 * with average cost, V is defined up to a constant that δ does not see.
 */
export interface ValueCriticState {
  readonly v: Vec2;
  readonly z: Vec2;
  readonly averageCost: number;
}

/**
 * One step of the value critic for the day-to-day transition x_k → x_{k+1},
 * whose cost is c(x_{k+1}): the glycaemic cost of a day is what the action
 * chosen the evening before (BR and IC in force that day) led to.
 *   z_k = λ z_{k−1} + x_k
 *   δ_k = c(x_{k+1}) − ā_k + vᵀx_{k+1} − vᵀx_k
 *   v ← v + γ δ_k z_k,   ā ← ā + γ (c(x_{k+1}) − ā_k),   γ = rate/(1 + ‖z_k‖²)
 * with the eq.-(13) critic's normalised step (normalised LMS: the step is
 * divided by the squared norm of the trace it multiplies).
 * δ_k is the TD error that estimates the advantage of the action taken at
 * x_k (Sutton & Barto 2018, §13.6; Bhatnagar, Sutton, Ghavamzadeh & Lee
 * 2009, "Natural actor–critic algorithms", Automatica 45:2471–2482, show
 * that E[δ | x, u] is the advantage when V is exact).
 */
export function valueCriticStep(
  critic: ValueCriticState,
  x: Vec2,
  xNext: Vec2,
  costNext: number,
  rate: number,
  lambda: number,
): { readonly critic: ValueCriticState; readonly tdError: number } {
  const z: Vec2 = [lambda * critic.z[0] + x[0], lambda * critic.z[1] + x[1]];
  const gamma = rate / (1 + z[0] * z[0] + z[1] * z[1]);
  const d = costNext - critic.averageCost + rateOfChange(xNext, critic.v) - rateOfChange(x, critic.v);
  return {
    critic: {
      v: [critic.v[0] + gamma * d * z[0], critic.v[1] + gamma * d * z[1]],
      z,
      averageCost: critic.averageCost + gamma * (costNext - critic.averageCost),
    },
    tdError: d,
  };
}

/**
 * The TD-error actor's step for one policy: θ ← θ − β δ ε x, the
 * likelihood-ratio gradient δ·ψ of the Gaussian policy u ~ N(x·θ, σ²) with
 * ψ = ε x/σ (ε the standard normal draw of the exploration) scaled by σ, as
 * the eq.-(13) actor's score is (see ActorCritic.endOfDay); minus, because
 * δ is a cost.
 */
export function tdErrorActorStep(theta: Vec2, x: Vec2, exploration: number, tdError: number, rate: number): Vec2 {
  const k = rate * tdError * exploration;
  return [theta[0] - k * x[0], theta[1] - k * x[1]];
}

/**
 * Learning-rate schedules, n = 1, 2, … the transition index. Both positive and
 * non-increasing as the paper requires; the critic's γ^c = c0·n^−0.6 and the
 * actor's γ^a = a0/n satisfy Σγ = ∞, Σγ² < ∞ and γ^a/γ^c → 0, the two-timescale
 * conditions under which the critic tracks the slowly moving policy
 * (Konda & Tsitsiklis). The exponent 0.6 keeps the critic fast over the
 * handful of days a trial lasts (n^−0.6 is still 0.25 at day 10).
 */
export function criticRate(c0: number, n: number): number {
  return c0 * Math.pow(n, -0.6);
}
export function actorRate(a0: number, n: number): number {
  return a0 / n;
}

/** Initial θ of both policies, each [element tied to hyper (x¹), element tied to hypo (x²)]. */
export interface PolicyParameters {
  readonly br: Vec2;
  readonly ic: Vec2;
}

/**
 * W of the paper's θ_0 = W/TE: +1 for the hyper element, −1 for the hypo one.
 * With P = x·θ and x ≥ 0 this makes a hyperglycaemic day (x¹ > 0) raise BR
 * and IC (more insulin: IC is U/g) and a hypoglycaemic day (x² > 0) lower them.
 */
export const W: Vec2 = [1, -1];

/** S1: θ_0 = 0 (no adaptation until the actor has learned a direction). */
export function thetaZeros(): PolicyParameters {
  return { br: [0, 0], ic: [0, 0] };
}

/**
 * Signs of S2's random θ_0: `random` as the paper states S2 ("random values
 * with magnitude ranging in (0, 1)", Daskalaki, Diem & Mougiakakou 2014,
 * §3.3.2: nothing fixes the signs), each sign + or − with probability ½;
 * `W` forces the signs of W (+ hyper, − hypo), our earlier reading, kept as
 * the extra arm S2W.
 */
export type RandomThetaSigns = 'random' | 'W';

/**
 * S2: magnitudes uniform in (0, 1), drawn BR then IC, hyper then hypo; then,
 * for random signs, four more draws for the signs in the same order. The
 * magnitudes come first so that S2 and S2W of one seed share them: the two
 * arms differ by their signs alone.
 */
export function thetaRandom(stream: RandomStream, signs: RandomThetaSigns = 'random'): PolicyParameters {
  const draw = () => {
    let u = stream.uniform();
    while (u === 0) u = stream.uniform(); // uniform() is [0, 1): exclude the closed end
    return u;
  };
  const magnitudes = [draw(), draw(), draw(), draw()];
  const sign = signs === 'W' ? [W[0], W[1], W[0], W[1]] : magnitudes.map(() => (stream.uniform() < 0.5 ? -1 : 1));
  const v = magnitudes.map((m, i) => sign[i]! * m);
  return { br: [v[0]!, v[1]!], ic: [v[2]!, v[3]!] };
}

/** S3: θ_0 = W / TE(p), TE in bits (finite, > 0). */
export function thetaTransferEntropy(transferEntropyBits: number): PolicyParameters {
  if (!(transferEntropyBits > 0) || !Number.isFinite(transferEntropyBits)) {
    throw new Error(`S3 initialisation needs a finite transfer entropy > 0 bits, got ${transferEntropyBits}`);
  }
  const v: Vec2 = [W[0] / transferEntropyBits, W[1] / transferEntropyBits];
  return { br: v, ic: [v[0], v[1]] };
}
