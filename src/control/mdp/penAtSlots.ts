/**
 * What every controller that doses by pen at the meter readings of its day
 * slots shares (the `mdp` controller, Shifrin & Siegelmann 2017; the
 * `q-learning` controller): which readings it acts on (one per slot a day,
 * near the slot's time), the check that a meter reads near every slot, the
 * hypoglycaemia guard, the pen request of an action and the action the pen
 * actually gave.
 */
import type { Injection } from '../../devices/types.js';
import { formatTimeOfDay } from '../../io/timeOfDay.js';
import type { InsulinPreparation } from '../../model/patientModel.js';
import type { ControllerDevices, ControllerPhase, Delivery, InsulinRequest, Observation } from '../types.js';
import { type ActionSpace, actionDoses, actionIndex, actionIndices, type DaySlots, type DoseTriplet, nearestAction, slotOf } from './space.js';

/**
 * The reading of a slot is the first one taken from this long before to
 * this long after its time, min; the controller acts on it, once per slot a
 * day. Others — a second meter reading, or a CGM's every 5 min — are not
 * steps of the process (Shifrin & Siegelmann 2017, §2.1.2: T measurements a
 * day).
 */
export const SLOT_WINDOW_BEFORE_MIN = 30;
export const SLOT_WINDOW_AFTER_MIN = 90;

/** A reading more than this after the previous one starts a new sequence (a missed day is not a transition). */
export const MAX_TRANSITION_GAP_MIN = 24 * 60;

/** Offset of a time of day from a slot's time, min, in [−720, 720). */
export function offsetFromSlot(timeOfDayMin: number, slotTimeOfDayMin: number): number {
  return ((((timeOfDayMin - slotTimeOfDayMin) % 1440) + 2160) % 1440) - 720;
}

/**
 * Why a meter's times do not fit the slots, or undefined: a slot without a
 * reading in its window would never be acted on. `owner` names whose slots
 * they are in the message ("the MDP's").
 */
export function meterSlotProblem(slots: DaySlots, meterTimesOfDayMin: readonly number[], owner: string): string | undefined {
  const { names, timesOfDayMin } = slots;
  for (const [i, slotTime] of timesOfDayMin.entries()) {
    const covered = meterTimesOfDayMin.some((t) => {
      const offset = offsetFromSlot(t, slotTime);
      return offset >= -SLOT_WINDOW_BEFORE_MIN && offset < SLOT_WINDOW_AFTER_MIN && slotOf(slots, t) === i;
    });
    if (!covered) {
      return (
        `${owner} slot '${names[i]}' (${formatTimeOfDay(slotTime)}) has no meter reading from ${SLOT_WINDOW_BEFORE_MIN} min before to ${SLOT_WINDOW_AFTER_MIN} min after it ` +
        `(the meter measures at ${meterTimesOfDayMin.map(formatTimeOfDay).join(', ')}): set the controller's slots to the meter's times`
      );
    }
  }
  return undefined;
}

/** The devices check of a pen-at-slots controller: a pen, and a meter (if any) reading near every slot. */
export function penDevicesProblem(controller: string, slots: DaySlots, devices: ControllerDevices, owner: string): string | undefined {
  if (!devices.pen) return `the ${controller} controller injects by pen: give the scenario a pen`;
  return devices.meterTimesOfDayMin ? meterSlotProblem(slots, devices.meterTimesOfDayMin, owner) : undefined;
}

/**
 * Which readings a controller acts on: each reading once, in the control
 * period in which it was taken, and of those one per slot a day, the first
 * in the slot's window. Keeps what it has seen (one per controller run).
 */
export class SlotReadings {
  private readonly slots: DaySlots;
  /** Wall-clock minute of the scenario's start after midnight of day 1. */
  private readonly startTimeOfDayMin: number;
  private lastReadingMin = -1;
  /** Per slot, which day's occurrence of it was acted on last (−Infinity: none). */
  private readonly lastSlotOccurrence: Float64Array;

  constructor(slots: DaySlots, startTimeOfDayMin: number) {
    this.slots = slots;
    this.startTimeOfDayMin = startTimeOfDayMin;
    this.lastSlotOccurrence = new Float64Array(slots.timesOfDayMin.length).fill(-Infinity);
  }

  /** Whether the observation brings a reading not seen before, taken in this control period. */
  isNew(obs: Observation): boolean {
    if (!(obs.glucoseTimeMin > this.lastReadingMin && obs.timeMin - obs.glucoseTimeMin < obs.controlPeriodMin)) return false;
    this.lastReadingMin = obs.glucoseTimeMin;
    return true;
  }

  /**
   * The slot to act on for a reading taken at `readingMin` (minutes after
   * the scenario's start; readings in time order), or undefined: outside
   * every slot's window, or its slot already acted on that day.
   */
  slotToActOn(readingMin: number): number | undefined {
    const wallClockMin = this.startTimeOfDayMin + readingMin;
    const readingTimeOfDay = wallClockMin % 1440;
    const slot = slotOf(this.slots, readingTimeOfDay);
    const slotTime = this.slots.timesOfDayMin[slot];
    const offset = offsetFromSlot(readingTimeOfDay, slotTime);
    if (offset < -SLOT_WINDOW_BEFORE_MIN || offset >= SLOT_WINDOW_AFTER_MIN) return undefined;
    const occurrence = Math.round((wallClockMin - slotTime) / 1440);
    if (this.lastSlotOccurrence[slot] === occurrence) return undefined;
    this.lastSlotOccurrence[slot] = occurrence;
    return slot;
  }
}

/** After a reading below `belowMgDl`, for `days` days the doses are capped. */
export interface HypoglycaemiaGuardOptions {
  readonly belowMgDl: number;
  readonly days: number;
}

/** The `hypoglycaemiaGuard` option of a controller's schema: `false` (no guard) or the guard's settings. */
export function hypoglycaemiaGuardSchema(description: string) {
  return {
    description,
    oneOf: [
      { const: false },
      {
        type: 'object',
        additionalProperties: false,
        required: ['belowMgDl', 'days'],
        properties: { belowMgDl: { type: 'number', minimum: 0, maximum: 400 }, days: { type: 'integer', minimum: 1, maximum: 365 } },
      },
    ],
  } as const;
}

/** The guard an option file gives: none for `false`, `fallback` when not given. */
export function guardOption(raw: HypoglycaemiaGuardOptions | false | undefined, fallback: HypoglycaemiaGuardOptions): { hypoglycaemiaGuard?: HypoglycaemiaGuardOptions } {
  return raw === false ? {} : { hypoglycaemiaGuard: raw ?? fallback };
}

/** The pen preparations an action space varies (a list of one dose never injects anything else). */
export function variedPreparations(actions: ActionSpace): InsulinPreparation[] {
  return (['regular', 'nph', 'long'] as const).filter((p) => actions[p].length > 1);
}

/** A learning stretch of `learningDays`, then exploitation, as a controller's phases (ControllerEntry.phases). */
export function learningPhases(learningDays: number, days: number, learning: string, exploitation: string): ControllerPhase[] {
  const learned = Math.min(learningDays, days);
  return [
    ...(learned > 0 ? [{ name: learning, fromDay: 1, toDay: learned }] : []),
    ...(learned < days ? [{ name: exploitation, fromDay: learned + 1, toDay: days }] : []),
  ];
}

/**
 * The hypoglycaemia guard: titration algorithms for T2DM raise a dose only
 * when no reading was below 72 mg/dL (4.0 mmol/L) in the days before (e.g.
 * the Treat-to-Target trial, Riddle, Rosenstock & Gerich 2003). A controller
 * acting at a few readings a day cannot see lows between them (a night
 * between 22:00 and 07:00), so after a low reading it gives no more of any
 * preparation than a cap (the `mdp` controller: π0's doses). Every low
 * reading starts it, also one the controller does not act on.
 */
export class HypoglycaemiaGuard {
  private readonly options: HypoglycaemiaGuardOptions | undefined;
  /** When the last reading below the threshold was taken (−Infinity: none). */
  private lastLowReadingMin = -Infinity;

  /** undefined: no guard. */
  constructor(options: HypoglycaemiaGuardOptions | undefined) {
    this.options = options;
  }

  /** Note a reading (minutes after the scenario's start). */
  seen(glucoseMgDl: number, readingMin: number): void {
    if (this.options && glucoseMgDl < this.options.belowMgDl) this.lastLowReadingMin = readingMin;
  }

  /** Whether doses are capped at a reading taken at `readingMin`. */
  active(readingMin: number): boolean {
    return this.options !== undefined && readingMin - this.lastLowReadingMin <= this.options.days * 1440;
  }
}

/** The action with each preparation's dose no higher than the cap's (dose lists are ascending, so the lower index). */
export function capAction(actions: ActionSpace, action: number, cap: number): number {
  const a = actionIndices(actions, action);
  const c = actionIndices(actions, cap);
  return actionIndex(actions, Math.min(a.regular, c.regular), Math.min(a.nph, c.nph), Math.min(a.long, c.long));
}

/** Nothing to give: no basal, no bolus, no injection. */
export const NO_INSULIN: InsulinRequest = Object.freeze({ basalUPerMin: 0, bolusU: 0, injections: Object.freeze([]) as readonly Injection[] });

/** The pen injections of an action: each preparation with a dose above 0. */
export function penRequest(actions: ActionSpace, action: number): InsulinRequest {
  const doses = actionDoses(actions, action);
  const injections: Injection[] = [];
  if (doses.regular > 0) injections.push({ preparation: 'regular', units: doses.regular });
  if (doses.nph > 0) injections.push({ preparation: 'nph', units: doses.nph });
  if (doses.long > 0) injections.push({ preparation: 'long', units: doses.long });
  return injections.length ? { basalUPerMin: 0, bolusU: 0, injections } : NO_INSULIN;
}

/** What the pen gave (rounded or capped) as the nearest action, and all insulin injected, U. */
export function deliveredAction(actions: ActionSpace, delivery: Delivery): { readonly action: number; readonly insulinU: number } {
  const given = { regular: 0, nph: 0, long: 0 };
  let insulinU = 0;
  for (const injection of delivery.injections) {
    if (injection.preparation in given) given[injection.preparation as keyof DoseTriplet] += injection.units;
    insulinU += injection.units;
  }
  return { action: nearestAction(actions, given), insulinU };
}
