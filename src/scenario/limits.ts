/**
 * Limits a physiologist would accept for a study's inputs, checked in the
 * schemas (scenario files, replay inputs; the devices' dose limits are in
 * src/devices/pen.ts and presets.ts) so that an absurd value is refused,
 * naming the field and the limit, instead of running for hours, exhausting
 * memory, or giving a glucose of millions of mg/dL.
 */

/**
 * Longest run, days: ten years, longer than the longest clinical trials
 * (the DCCT followed its patients for a mean 6.5 years; DCCT Research Group
 * 1993, NEJM 329:977); memory and time grow linearly with it
 * (docs/architecture.md §4).
 */
export const MAX_SCENARIO_DAYS = 3650;

/**
 * Carbohydrate of one meal, g: about five times the largest meal of the
 * shipped protocols (110 g) and of the mixed meals the oral meal model was
 * identified on (Dalla Man, Rizza & Cobelli 2007: about 1 g of carbohydrate
 * per kg); far beyond that the meal model has no physiological meaning.
 */
export const MAX_MEAL_CARBS_G = 500;

/** The longest run in minutes (a replay's horizon). */
export const MAX_SCENARIO_MINUTES = MAX_SCENARIO_DAYS * 1440;
