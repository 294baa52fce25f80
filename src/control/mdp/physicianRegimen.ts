/**
 * The physician's regimen π0 as the MDP sees it: at the reading of a slot,
 * the regimen's doses whose time falls in that slot, plus its sliding scale
 * on the reading where the regimen doses (as the multiple-daily-injections
 * controller gives it), as the nearest action of the action space.
 */
import { type MdiOptions, slidingScaleUnits } from '../multipleDailyInjections.js';
import { type DaySlots, type DoseTriplet, nearestAction, slotOf, type ActionSpace, levelCount, levelGlucoseMgDl, type StateSpace, stateCount, stateIndex } from './space.js';

/** The regimen's doses (U) in a slot at this body weight, and whether it doses there at all. */
export function regimenDosesAtSlot(regimen: MdiOptions, slots: DaySlots, slot: number, bodyWeightKg: number): { readonly doses: DoseTriplet; readonly dosed: boolean } {
  const doses = { regular: 0, nph: 0, long: 0 };
  let given = false;
  for (const dose of regimen.doses) {
    if (slotOf(slots, dose.timeOfDayMin) !== slot) continue;
    given = true;
    doses[dose.preparation as keyof DoseTriplet] += dose.units ?? (dose.unitsPerKg ?? 0) * bodyWeightKg;
  }
  return { doses, dosed: given };
}

/** π0's action at a reading of `glucoseMgDl` in a slot. */
export function physicianAction(regimen: MdiOptions, slots: DaySlots, actions: ActionSpace, slot: number, bodyWeightKg: number, glucoseMgDl: number): number {
  const { doses, dosed } = regimenDosesAtSlot(regimen, slots, slot, bodyWeightKg);
  const scale = regimen.slidingScale;
  if (!scale || !dosed) return nearestAction(actions, doses);
  const prep = scale.preparation as keyof DoseTriplet;
  return nearestAction(actions, { ...doses, [prep]: doses[prep] + slidingScaleUnits(scale.steps, glucoseMgDl) });
}

/**
 * π0's action in every state (index = slot·L + level), at the state's
 * lower-bound glucose: the action a learned policy prefers on ties (the
 * `mdp` controller), and the one a patient falls back on where a policy
 * has no data.
 */
export function physicianActions(regimen: MdiOptions, space: StateSpace, actions: ActionSpace, bodyWeightKg: number): Int32Array {
  const L = levelCount(space.glucose);
  const out = new Int32Array(stateCount(space));
  for (let slot = 0; slot < space.slots.timesOfDayMin.length; slot++) {
    for (let level = 0; level < L; level++) {
      out[stateIndex(space, level, slot)] = physicianAction(regimen, space.slots, actions, slot, bodyWeightKg, levelGlucoseMgDl(space.glucose, level));
    }
  }
  return out;
}
