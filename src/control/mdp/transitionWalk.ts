/**
 * The one walk from a sequence of glucose readings and insulin doses to
 * transitions of the insulin-regimen process (Shifrin & Siegelmann 2017,
 * §3.2 step B.2: "visit s = s_n, see the action a = a_n taken in that state
 * and the next state s′ = s_{n+1}"). The MDP's counts from records
 * (fromRecords.ts) and the Q-learning experience records
 * (src/control/qlearning/experience.ts, from records or from simulated days)
 * both come from here, so the two learners see the same transitions.
 *
 * - The state of a reading is its glucose level and the slot nearest its
 *   wall-clock time of day (`stateOf`).
 * - The action taken in that state is the sum, per preparation, of the doses
 *   from `doseLeadMin` minutes before the reading up to `doseLeadMin`
 *   minutes before the next reading: a dose logged with or just after a
 *   reading belongs to it, one logged just before the next reading belongs
 *   to the next. The sums are mapped to the nearest action of the dose lists
 *   (`nearestAction`); a sum above the largest dose of its list is clamped
 *   to that dose, and counted.
 * - The next state is the next reading's. No transition when the next
 *   reading is more than `maxGapMin` later (a missed stretch is not one step
 *   of the process): a gap.
 *
 * Pure: readings and doses in, transitions out.
 */
import { type ActionSpace, type DoseTriplet, nearestAction, type StateSpace, stateOf } from './space.js';

/** A glucose reading at a wall-clock minute (minutes since some midnight: only the time of day and differences matter). */
export interface WalkReading {
  readonly minute: number;
  readonly glucoseMgDl: number;
}

/** A dose of one of the action space's preparations at a wall-clock minute. */
export interface WalkDose {
  readonly minute: number;
  readonly preparation: keyof DoseTriplet;
  readonly units: number;
}

/** One step of the process: from a reading's state, under the doses given in its window, to the next reading's state. */
export interface Transition {
  readonly state: number;
  /** The doses summed per preparation over the reading's window, U (before the nearest action). */
  readonly doses: DoseTriplet;
  /** The nearest action of the dose sums. */
  readonly action: number;
  readonly nextState: number;
  /** The next reading's glucose, mg/dL (what a reward of the reached state is computed from). */
  readonly nextGlucoseMgDl: number;
  readonly minute: number;
  readonly nextMinute: number;
  /** Doses that went into the action. */
  readonly dosesUsed: number;
  /** Preparations whose sum was above the largest dose of their list (clamped to it by the nearest action). */
  readonly dosesAboveGrid: number;
}

/** The state and action spaces a walk needs (an MDP or a Q-learning definition). */
export interface WalkSpaces {
  readonly space: StateSpace;
  readonly actions: ActionSpace;
}

export interface WalkOptions {
  /** Doses logged up to this many minutes before a reading belong to it (≥ 0). */
  readonly doseLeadMin: number;
  /** No transition across a gap between readings longer than this (> 0). */
  readonly maxGapMin: number;
}

export interface Walk {
  /** In the readings' order. */
  readonly transitions: readonly Transition[];
  /** Consecutive readings more than `maxGapMin` apart: no transition. */
  readonly gaps: number;
}

const PREPARATIONS = ['regular', 'nph', 'long'] as const;

/**
 * The transitions of one patient's readings (ascending minutes, no two at
 * the same minute) under its doses (ascending minutes).
 */
export function walkReadings(readings: readonly WalkReading[], doses: readonly WalkDose[], spaces: WalkSpaces, options: WalkOptions): Walk {
  const { doseLeadMin: leadMin, maxGapMin } = options;
  const transitions: Transition[] = [];
  let gaps = 0;
  if (readings.length === 0) return { transitions, gaps };
  const largest = { regular: spaces.actions.regular.at(-1)!, nph: spaces.actions.nph.at(-1)!, long: spaces.actions.long.at(-1)! };
  const stateOfReading = (r: WalkReading) => stateOf(spaces.space, r.glucoseMgDl, ((r.minute % 1440) + 1440) % 1440);
  // Doses are walked once, in time order, alongside the readings' windows.
  let d = 0;
  while (d < doses.length && doses[d]!.minute < readings[0]!.minute - leadMin) d++;
  for (let i = 0; i + 1 < readings.length; i++) {
    const reading = readings[i]!;
    const next = readings[i + 1]!;
    // Reading i's window: [its minute − lead, the next reading's minute − lead).
    const windowEnd = next.minute - leadMin;
    const sums = { regular: 0, nph: 0, long: 0 };
    let used = 0;
    for (; d < doses.length && doses[d]!.minute < windowEnd; d++) {
      if (doses[d]!.minute < reading.minute - leadMin) continue;
      sums[doses[d]!.preparation] += doses[d]!.units;
      used++;
    }
    if (next.minute - reading.minute > maxGapMin) {
      gaps++;
      continue;
    }
    let above = 0;
    for (const prep of PREPARATIONS) if (sums[prep] > largest[prep]) above++;
    transitions.push({
      state: stateOfReading(reading),
      doses: sums,
      action: nearestAction(spaces.actions, sums),
      nextState: stateOfReading(next),
      nextGlucoseMgDl: next.glucoseMgDl,
      minute: reading.minute,
      nextMinute: next.minute,
      dosesUsed: used,
      dosesAboveGrid: above,
    });
  }
  return { transitions, gaps };
}
