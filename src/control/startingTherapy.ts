/**
 * Which basal rate and carb ratio a controller starts from: the cohort's own
 * (Quest.csv's CR, the model's steady-state basal) or the simulator-optimised
 * ones (`optimised-therapy.csv`, docs/model.md §2.7). Daskalaki, Diem &
 * Mougiakakou 2014, §3.3.1, start their actor-critic from "optimized values
 * for the BR and IC ratio which can be assumed as the standard SAP
 * treatment"; the S2008 subjects' Quest.csv values are not such values (they
 * over-dose many subjects), so the optimised set is an option, not the default.
 */
import type { TherapySettings } from './types.js';

/** Where the starting basal rate and carb ratio come from. */
export type TherapySource = 'cohort' | 'optimised';
export const THERAPY_SOURCES: readonly TherapySource[] = ['cohort', 'optimised'];

/** The JSON Schema of a controller option that chooses the starting therapy. */
export const THERAPY_SOURCE_SCHEMA = { type: 'string', enum: THERAPY_SOURCES } as const;

/**
 * Why the patient has no optimised therapy (naming the file it would come
 * from; the caller names the patient), or undefined when it has one.
 */
export function optimisedTherapyProblem(therapy: TherapySettings): string | undefined {
  if (therapy.optimised) return undefined;
  if (therapy.optimisedTherapyFile === undefined) {
    return 'no optimised therapy: its cohort has none (glucosim optimise-therapy makes one for the S2008 subjects)';
  }
  return `no optimised therapy in ${therapy.optimisedTherapyFile} (the file is missing or has no row for this patient: make it with glucosim optimise-therapy)`;
}

/**
 * The therapy settings with the basal rate and carb ratio of `source`:
 * `cohort` returns `therapy` itself; `optimised` replaces both by the
 * patient's optimised values, and throws (naming the patient and the file)
 * when it has none. Pure.
 */
export function startingTherapy(therapy: TherapySettings, source: TherapySource): TherapySettings {
  if (source === 'cohort') return therapy;
  const problem = optimisedTherapyProblem(therapy);
  if (problem !== undefined || !therapy.optimised) throw new Error(`${therapy.patient}: ${problem}`);
  return { ...therapy, basalRateUPerMin: therapy.optimised.basalRateUPerMin, carbRatioGPerU: therapy.optimised.carbRatioGPerU };
}
