/**
 * The one meal-bolus path: "bolus each announced meal once, when due", for
 * every controller that boluses for meals (standard therapy, the actor-critic
 * and its run-in, multiple daily injections). What the bolus is, each
 * controller decides; when, this does.
 */
import type { AnnouncedMeal, Observation } from './types.js';

/**
 * - `intake`: at the last control instant before intake minus `preBolusMin`
 *   (the S2008 simulator's basal-bolus timing; later, if that instant was
 *   missed);
 * - `announcement`: at the first control instant that sees the meal, i.e. as
 *   soon as the patient announces it.
 */
export type BolusTiming = 'intake' | 'announcement';

const NONE_DUE: readonly AnnouncedMeal[] = Object.freeze([]);

export class MealBolusSchedule {
  readonly timing: BolusTiming;
  readonly preBolusMin: number;
  private readonly given = new Set<number>();

  constructor(timing: BolusTiming = 'intake', preBolusMin = 0) {
    if (!(preBolusMin >= 0)) throw new RangeError(`preBolusMin must be ≥ 0, got ${preBolusMin}`);
    this.timing = timing;
    this.preBolusMin = preBolusMin;
  }

  /**
   * The announced meals to bolus now, each returned once in a run (and marked
   * as bolused). Meals are handed out in the order of the observation.
   */
  due(obs: Observation): readonly AnnouncedMeal[] {
    let due: AnnouncedMeal[] | undefined;
    for (const meal of obs.announcedMeals) {
      if (this.given.has(meal.id) || !this.isDue(meal, obs)) continue;
      this.given.add(meal.id);
      (due ??= []).push(meal);
    }
    // Most control periods have no meal due: no array for them.
    return due ?? NONE_DUE;
  }

  private isDue(meal: AnnouncedMeal, obs: Observation): boolean {
    return this.timing === 'announcement' || meal.leadMin - this.preBolusMin < obs.controlPeriodMin;
  }
}
