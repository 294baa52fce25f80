/**
 * Experience records (s, a, s′, r) for Q-learning (OIDPR, optimized insulin
 * dosage via privacy-preserving reinforcement learning for diabetics,
 * §III-A / §IV), from real measurement records or from simulated days.
 *
 * Both go through the one walk over a patient's readings that the MDP's
 * counts use (src/control/mdp/transitionWalk.ts): the state of a reading
 * (glucose level × nearest slot), the action as the nearest dose triplet of
 * the insulin given from `doseLeadMin` before it to `doseLeadMin` before the
 * next reading, the next reading's state, no transition across a gap. So
 * σ = the MDP action space's actionCount and δ = its stateCount, and records
 * give exactly as many experience records as the MDP counts transitions.
 *
 * The reward of a record is that of the state it reached: the MDP reward
 * module's reward of the next reading's glucose level (Shifrin & Siegelmann
 * 2017 §2.2, `glucoseReward`), shared with the `mdp` controller.
 */
import type { PatientRecord } from '../../records/types.js';
import type { LearningSpaces } from '../mdp/definitionFile.js';
import { DEFAULT_DOSE_LEAD_MIN, type FromRecordsOptions, type TransitionStats, walkRecords } from '../mdp/fromRecords.js';
import { MAX_TRANSITION_GAP_MIN, SlotReadings } from '../mdp/penAtSlots.js';
import { glucoseReward } from '../mdp/reward.js';
import type { DoseTriplet } from '../mdp/space.js';
import { type Transition, type WalkDose, type WalkReading, walkReadings } from '../mdp/transitionWalk.js';
import type { DayRecord } from '../types.js';
import type { ExperienceRecord } from './qLearning.js';

/** The experience record of a transition: its reward is the reached reading's (Shifrin & Siegelmann 2017 §2.2). */
export function experienceOf(transition: Transition, spaces: LearningSpaces): ExperienceRecord {
  return {
    state: transition.state,
    action: transition.action,
    nextState: transition.nextState,
    reward: glucoseReward(spaces.space.glucose, spaces.reward, transition.nextGlucoseMgDl),
  };
}

/** One patient's records within the whole sequence: records[first … first + count − 1]. */
export interface PatientExperience {
  readonly patient: string;
  readonly first: number;
  readonly count: number;
  /** What the patient's records gave (readings, gaps, doses used and clamped: src/control/mdp/fromRecords.ts). */
  readonly stats: TransitionStats;
}

export interface RecordsExperience {
  /** Patient after patient, each in time order. */
  readonly records: readonly ExperienceRecord[];
  readonly patients: readonly PatientExperience[];
  readonly total: TransitionStats;
}

/**
 * The experience records of the selected patients' records (`glucosim
 * import aim94` gives them): patients in the order given (default: the
 * code-unit order of their names), each patient's records in time order,
 * never a transition from one patient to another. Options as the MDP's
 * `transitionsFromRecords` (patients, doseLeadMin, maxGapHours).
 */
export function experienceFromRecords(records: readonly PatientRecord[], definition: LearningSpaces, options: FromRecordsOptions = {}): RecordsExperience {
  const walk = walkRecords(records, definition, options);
  const out: ExperienceRecord[] = [];
  const patients: PatientExperience[] = [];
  for (const p of walk.patients) {
    patients.push({ patient: p.patient, first: out.length, count: p.transitions.length, stats: p.stats });
    for (const t of p.transitions) out.push(experienceOf(t, definition));
  }
  return { records: out, patients, total: walk.total };
}

export interface DaysExperienceOptions {
  /** Wall-clock minute of the scenario's start after midnight of day 1 (the run's start time). */
  readonly startTimeOfDayMin: number;
  /** Doses given up to this many minutes before a reading belong to it (default 15, as from records). */
  readonly doseLeadMin?: number;
}

export interface DaysExperience {
  /** In time order. */
  readonly records: readonly ExperienceRecord[];
  /** Readings acted on (one per slot a day, near the slot's time). */
  readonly readings: number;
  /** Consecutive acted-on readings more than 24 h apart: no transition. */
  readonly gaps: number;
}

const PEN_PREPARATIONS = ['regular', 'nph', 'long'] as const satisfies readonly (keyof DoseTriplet)[];

/**
 * The experience records of one simulated patient's days (the `DayRecord`s
 * of a run, in order; they are read at once, so views are fine). The
 * readings are those a pen-at-slots controller acts on — one per slot a
 * day, the first in the slot's window (src/control/mdp/penAtSlots.ts) — and
 * the actions the pen injections of regular, NPH and long-acting insulin
 * (rapid-acting pen doses and pump insulin are not in the action space and
 * are left out); no transition across more than 24 h. A `q-learning`
 * controller's own experience of a run is what this gives on its days.
 */
export function experienceFromDays(days: readonly DayRecord[], definition: LearningSpaces, options: DaysExperienceOptions): DaysExperience {
  const doseLeadMin = options.doseLeadMin ?? DEFAULT_DOSE_LEAD_MIN;
  if (!(Number.isFinite(doseLeadMin) && doseLeadMin >= 0)) throw new RangeError(`doseLeadMin must be a number ≥ 0, not ${doseLeadMin}`);
  const selector = new SlotReadings(definition.space.slots, options.startTimeOfDayMin);
  const readings: WalkReading[] = [];
  const doses: WalkDose[] = [];
  for (const day of days) {
    for (let i = 0; i < day.glucoseMgDl.length; i++) {
      const minute = day.startMin + i;
      const wallClockMin = options.startTimeOfDayMin + minute;
      const glucoseMgDl = day.glucoseMgDl[i]!;
      if (!Number.isNaN(glucoseMgDl) && selector.slotToActOn(minute) !== undefined) readings.push({ minute: wallClockMin, glucoseMgDl });
      for (const preparation of PEN_PREPARATIONS) {
        const units = day.injectionsU[preparation][i]!;
        if (units > 0) doses.push({ minute: wallClockMin, preparation, units });
      }
    }
  }
  const walk = walkReadings(readings, doses, definition, { doseLeadMin, maxGapMin: MAX_TRANSITION_GAP_MIN });
  return { records: walk.transitions.map((t) => experienceOf(t, definition)), readings: readings.length, gaps: walk.gaps };
}
