/**
 * The reward of Shifrin & Siegelmann 2017, §2.2: r = r^l − r^n, a linear
 * term normalised to 1 at the healthiest glucose gl_h, minus a non-linear
 * fine on the levels 𝕃_hyp = {1, …, L^c} close to hypoglycaemia; and the
 * discounted totals of §2.5, per measurement (equation 1) or per day
 * (equation 2). Shared by every controller that learns from glucose levels
 * (the MDP controller, Q-learning).
 */
import { type GlucoseAxis, glucoseLevel, levelCount, levelGlucoseMgDl } from './space.js';

export interface RewardParameters {
  /** gl_h, the optimal (most healthy) glucose, mg/dL. */
  readonly targetMgDl: number;
  /** L^c, the number of lowest levels fined as close to hypoglycaemia (1 ≤ L^c < L). */
  readonly hypoLevels: number;
}

/**
 * Defaults: gl_h = 110 mg/dL, inside the ADA pre-meal target of 80–130
 * mg/dL (the paper names no value); L^c = 1, the lowest level ("normally,
 * L^c is small").
 */
export const DEFAULT_REWARD: RewardParameters = Object.freeze({ targetMgDl: 110, hypoLevels: 1 });

/** Why reward parameters do not fit an axis, or undefined. */
export function rewardProblem(axis: GlucoseAxis, reward: RewardParameters): { field: string; reason: string } | undefined {
  const levels = levelCount(axis);
  if (!(Number.isInteger(reward.hypoLevels) && reward.hypoLevels >= 1 && reward.hypoLevels < levels)) {
    return { field: 'hypoLevels', reason: `must be a whole number from 1 to L − 1 = ${levels - 1} (L^c < L, Shifrin & Siegelmann 2017, §2.2)` };
  }
  if (!(levelGlucoseMgDl(axis, reward.hypoLevels - 1) > 0)) {
    return { field: 'hypoLevels', reason: `the fine divides by gl_{L^c}, the glucose of level L^c, which is ${levelGlucoseMgDl(axis, reward.hypoLevels - 1)} mg/dL here: it must be above 0 (raise glucose.minMgDl or hypoLevels)` };
  }
  return undefined;
}

/**
 * r^l(gl) = 1 − |gl − gl_h| / (gl_L − gl_1). The paper prints the
 * denominator as gl_1 − gl_L, which is negative and would make the reward
 * grow away from gl_h; its magnitude gives the stated normalisation
 * (r^l(gl_h) = 1, and r^l ≥ 0 on the axis when gl_1 ≤ gl_h ≤ gl_L).
 */
export function linearReward(axis: GlucoseAxis, reward: RewardParameters, level: number): number {
  const span = levelGlucoseMgDl(axis, levelCount(axis) - 1) - levelGlucoseMgDl(axis, 0);
  return 1 - Math.abs(levelGlucoseMgDl(axis, level) - reward.targetMgDl) / span;
}

/**
 * r^n(gl) = [1 − (gl − gl_{L^c}) / gl_{L^c}] on 𝕃_hyp, 0 above it. The
 * paper's indicator reads gl < gl_{L^c}, which would spare level L^c itself
 * although it defines 𝕃_hyp = {1, …, L^c} as the dangerous set; we fine
 * every level of 𝕃_hyp, so level L^c is fined 1 and the fine grows towards
 * 2 as glucose falls to 0.
 */
export function hypoglycaemiaFine(axis: GlucoseAxis, reward: RewardParameters, level: number): number {
  if (level >= reward.hypoLevels) return 0;
  const boundary = levelGlucoseMgDl(axis, reward.hypoLevels - 1);
  return 1 - (levelGlucoseMgDl(axis, level) - boundary) / boundary;
}

/** r = r^l − r^n of a level (0-based). */
export function levelReward(axis: GlucoseAxis, reward: RewardParameters, level: number): number {
  return linearReward(axis, reward, level) - hypoglycaemiaFine(axis, reward, level);
}

/** The reward of a reading: that of the level it falls in. */
export function glucoseReward(axis: GlucoseAxis, reward: RewardParameters, glucoseMgDl: number): number {
  return levelReward(axis, reward, glucoseLevel(axis, glucoseMgDl));
}

/** The reward of every level, index = level. */
export function levelRewards(axis: GlucoseAxis, reward: RewardParameters): Float64Array {
  const out = new Float64Array(levelCount(axis));
  for (let k = 0; k < out.length; k++) out[k] = levelReward(axis, reward, k);
  return out;
}

/** How future rewards are discounted (§2.5): γ per measurement (equation 1) or per day (equation 2). */
export interface Discount {
  /** 0 < γ < 1. */
  readonly gamma: number;
  readonly per: 'measurement' | 'day';
}

/**
 * The discount of one transition. Per measurement, always γ. Per day
 * (equation 2: every reading of a day counts alike, days are discounted),
 * γ when the next reading falls on a later day — its slot is not after
 * this one's — and 1 within a day.
 */
export function transitionDiscount(discount: Discount, fromSlot: number, toSlot: number): number {
  return discount.per === 'measurement' || toSlot <= fromSlot ? discount.gamma : 1;
}

/**
 * The discounted total of a sequence of rewards with their slots, as
 * equation (1) or (2) defines it, from the first reading on.
 */
export function discountedTotal(discount: Discount, rewards: readonly number[], slots: readonly number[]): number {
  let total = 0;
  let factor = 1;
  for (let i = 0; i < rewards.length; i++) {
    if (i > 0) factor *= transitionDiscount(discount, slots[i - 1], slots[i]);
    total += factor * rewards[i];
  }
  return total;
}
