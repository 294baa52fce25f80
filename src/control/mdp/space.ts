/**
 * The state and action spaces of the insulin-regimen MDP of Shifrin &
 * Siegelmann 2017 (§2.1, §2.3): a state is a glucose level (the measurement
 * space 𝕃, §2.1.1) at a time of day (the daytime space 𝕋, §2.1.2), 𝕊 = 𝕃 × 𝕋
 * (§2.1.6, the simplest case); an action is a triplet of doses of short-,
 * intermediate- and long-acting insulin, 𝔸 = 𝔸^s × 𝔸^i × 𝔸^l (§2.3).
 *
 * Indices are 0-based here: level k is the paper's level k + 1.
 */

/** The glucose axis [gl_min, gl_max) cut into L = (gl_max − gl_min)/BFC levels (§2.1.1). */
export interface GlucoseAxis {
  readonly minMgDl: number;
  readonly maxMgDl: number;
  /** The BGL finesse coefficient BFC: the width of one level, mg/dL. */
  readonly bfcMgDl: number;
}

/** Named times of day at which glucose is measured, sorted (§2.1.2, example 2.1). */
export interface DaySlots {
  readonly names: readonly string[];
  /** Minutes after midnight, ascending. */
  readonly timesOfDayMin: readonly number[];
}

/** Doses of each preparation, U, 0 first (§2.3: a^s_1 = a^i_1 = a^l_1 = 0, no medication of that type). */
export interface ActionSpace {
  /** Short-acting (regular, "Actrapid-like"). */
  readonly regular: readonly number[];
  /** Intermediate-acting (NPH). */
  readonly nph: readonly number[];
  /** Long-acting ("Ultratard-like" in the paper; the model's glargine-like preparation). */
  readonly long: readonly number[];
}

export interface DoseTriplet {
  readonly regular: number;
  readonly nph: number;
  readonly long: number;
}

/** The number of levels L; the caller checks that it is a whole number (see `levelCountProblem`). */
export function levelCount(axis: GlucoseAxis): number {
  return Math.round((axis.maxMgDl - axis.minMgDl) / axis.bfcMgDl);
}

/** Why an axis is unusable, or undefined: L must be a whole number ≥ 2. */
export function levelCountProblem(axis: GlucoseAxis): string | undefined {
  const exact = (axis.maxMgDl - axis.minMgDl) / axis.bfcMgDl;
  if (!(axis.maxMgDl > axis.minMgDl)) return `maxMgDl (${axis.maxMgDl}) must be above minMgDl (${axis.minMgDl})`;
  if (Math.abs(exact - Math.round(exact)) > 1e-9) return `(maxMgDl − minMgDl)/bfcMgDl = ${exact} levels: it must be a whole number (Shifrin & Siegelmann 2017, §2.1.1)`;
  if (Math.round(exact) < 2) return 'the axis must have at least 2 levels';
  return undefined;
}

/**
 * The level of a reading, 0-based. Readings below gl_min fall in the lowest
 * level and readings at or above gl_max in the highest: the paper's bounds
 * are "extremely low" and "extremely high" BGL, so nothing lies beyond them.
 */
export function glucoseLevel(axis: GlucoseAxis, glucoseMgDl: number): number {
  const levels = levelCount(axis);
  const k = Math.floor((glucoseMgDl - axis.minMgDl) / axis.bfcMgDl);
  return k < 0 ? 0 : k >= levels ? levels - 1 : k;
}

/** The glucose a level stands for, gl_k: its lower bound (BFC = 1, gl_min = 70: level 1 is [70, 71)). */
export function levelGlucoseMgDl(axis: GlucoseAxis, level: number): number {
  return axis.minMgDl + level * axis.bfcMgDl;
}

/** The slot of a time of day: the nearest slot time, going round midnight (ties to the earlier slot). */
export function slotOf(slots: DaySlots, timeOfDayMin: number): number {
  let best = 0;
  let bestDistance = Infinity;
  slots.timesOfDayMin.forEach((t, i) => {
    const d = Math.abs(t - timeOfDayMin);
    const distance = Math.min(d, 1440 - d);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}

/** The full state space 𝕊 = 𝕃 × 𝕋 (§2.1.6); state index = slot · L + level. */
export interface StateSpace {
  readonly glucose: GlucoseAxis;
  readonly slots: DaySlots;
}

export function stateCount(space: StateSpace): number {
  return levelCount(space.glucose) * space.slots.timesOfDayMin.length;
}

export function stateIndex(space: StateSpace, level: number, slot: number): number {
  return slot * levelCount(space.glucose) + level;
}

export function stateSlot(space: StateSpace, state: number): number {
  return Math.floor(state / levelCount(space.glucose));
}

export function stateLevel(space: StateSpace, state: number): number {
  return state % levelCount(space.glucose);
}

/** The state of a reading taken at a time of day. */
export function stateOf(space: StateSpace, glucoseMgDl: number, timeOfDayMin: number): number {
  return stateIndex(space, glucoseLevel(space.glucose, glucoseMgDl), slotOf(space.slots, timeOfDayMin));
}

export function actionCount(actions: ActionSpace): number {
  return actions.regular.length * actions.nph.length * actions.long.length;
}

/** Action index of a triplet of dose indices: regular-major, long fastest. */
export function actionIndex(actions: ActionSpace, regular: number, nph: number, long: number): number {
  return (regular * actions.nph.length + nph) * actions.long.length + long;
}

/** The dose indices of an action. */
export function actionIndices(actions: ActionSpace, action: number): { regular: number; nph: number; long: number } {
  const long = action % actions.long.length;
  const rest = (action - long) / actions.long.length;
  const nph = rest % actions.nph.length;
  return { regular: (rest - nph) / actions.nph.length, nph, long };
}

export function actionDoses(actions: ActionSpace, action: number): DoseTriplet {
  const i = actionIndices(actions, action);
  return { regular: actions.regular[i.regular], nph: actions.nph[i.nph], long: actions.long[i.long] };
}

/** Index of the dose of a list nearest to `x` (ties to the smaller dose). */
export function nearestDoseIndex(values: readonly number[], x: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - x) < Math.abs(values[best] - x)) best = i;
  return best;
}

/** The action whose doses are nearest to a triplet, preparation by preparation (ties to the smaller dose). */
export function nearestAction(actions: ActionSpace, doses: DoseTriplet): number {
  return actionIndex(actions, nearestDoseIndex(actions.regular, doses.regular), nearestDoseIndex(actions.nph, doses.nph), nearestDoseIndex(actions.long, doses.long));
}

/** Why an action space is unusable, or undefined: each list ascending, distinct, non-negative, 0 first (§2.3). */
export function actionSpaceProblem(actions: ActionSpace): { field: string; reason: string } | undefined {
  for (const key of ['regular', 'nph', 'long'] as const) {
    const doses = actions[key];
    if (doses.length === 0 || doses[0] !== 0) return { field: key, reason: 'the first dose must be 0, meaning none of this preparation (Shifrin & Siegelmann 2017, §2.3)' };
    for (let i = 1; i < doses.length; i++) {
      if (!(doses[i] > doses[i - 1])) return { field: `${key}[${i}]`, reason: 'doses must be ascending and distinct' };
    }
  }
  return undefined;
}
