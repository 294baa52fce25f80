/**
 * Phase B of the Insulin Optimization Policy Algorithm (Shifrin &
 * Siegelmann 2017, §3.2) on real measurement records instead of a running
 * controller, as the paper's §4 learned its policies from the AIM-94
 * records: for each patient, reading by reading, "visit s = s_n, see the
 * action a = a_n taken in that state and the next state s′ = s_{n+1}" and
 * count ν(s, a, s′) (step B.2).
 *
 * - A patient's records are sorted by minute (stably); of two readings at
 *   the same minute only the first is kept. Insulin records are the doses
 *   (the records' UltraLente counts as long-acting); events are ignored.
 * - The readings and doses then go through the one walk of
 *   transitionWalk.ts (states, dose windows of `doseLeadMin`, the nearest
 *   action, gaps over `maxGapHours`), which the Q-learning experience
 *   records (src/control/qlearning/experience.ts) share.
 * - Patients are never mixed: each patient's readings form their own
 *   sequences, so no transition runs from one patient to another. Pooling
 *   the counts of several patients is the paper's "category of individuals"
 *   (§1, §5).
 *
 * Pure: no I/O; records in, counts and statistics out.
 */
import type { PatientRecord, RecordPreparation } from '../../records/types.js';
import { formatWallClock } from '../../records/wallClock.js';
import type { TransitionCounts } from './counts.js';
import { type MdpDefinition, newCounts } from './model.js';
import type { DoseTriplet } from './space.js';
import { type Transition, type WalkDose, type WalkReading, type WalkSpaces, walkReadings } from './transitionWalk.js';

export interface FromRecordsOptions {
  /** Patients to learn from (pooled); default every patient in the records. */
  readonly patients?: readonly string[];
  /** Doses logged up to this many minutes before a reading belong to it (default 15). */
  readonly doseLeadMin?: number;
  /** No transition across a gap between readings longer than this (default 24 h). */
  readonly maxGapHours?: number;
}

export const DEFAULT_DOSE_LEAD_MIN = 15;
export const DEFAULT_MAX_GAP_HOURS = 24;

/** What the records gave, per patient and in total. */
export interface TransitionStats {
  /** Glucose records (all of them, `sameMinute` included). */
  readonly readings: number;
  /** Readings dropped because an earlier one had the same minute. */
  readonly sameMinute: number;
  /** Transitions counted. Per patient, transitions + gaps = readings − sameMinute − 1 (when it has readings). */
  readonly transitions: number;
  /** Consecutive readings more than `maxGapHours` apart: no transition. */
  readonly gaps: number;
  /** Insulin records. */
  readonly doses: number;
  /** Insulin records that went into the action of a counted transition. */
  readonly dosesUsed: number;
  /** Per-preparation dose sums of counted transitions above the largest dose of their list (clamped to it). */
  readonly dosesAboveGrid: number;
  /** Event records (meals, exercise, symptoms): ignored. */
  readonly events: number;
  /** Time of the first and last reading (`YYYY-MM-DDTHH:MM`), or null without readings. */
  readonly firstReading: string | null;
  readonly lastReading: string | null;
}

export interface FromRecordsResult {
  readonly counts: TransitionCounts;
  /** Per selected patient, in the order given (default: the code-unit order of their names). */
  readonly patients: Readonly<Record<string, TransitionStats>>;
  readonly total: TransitionStats;
}

interface MutableStats {
  readings: number;
  sameMinute: number;
  transitions: number;
  gaps: number;
  doses: number;
  dosesUsed: number;
  dosesAboveGrid: number;
  events: number;
  firstMinute: number;
  lastMinute: number;
}

const emptyStats = (): MutableStats => ({
  readings: 0,
  sameMinute: 0,
  transitions: 0,
  gaps: 0,
  doses: 0,
  dosesUsed: 0,
  dosesAboveGrid: 0,
  events: 0,
  firstMinute: Infinity,
  lastMinute: -Infinity,
});

function frozenStats(s: MutableStats): TransitionStats {
  const has = s.firstMinute <= s.lastMinute;
  return {
    readings: s.readings,
    sameMinute: s.sameMinute,
    transitions: s.transitions,
    gaps: s.gaps,
    doses: s.doses,
    dosesUsed: s.dosesUsed,
    dosesAboveGrid: s.dosesAboveGrid,
    events: s.events,
    firstReading: has ? formatWallClock(s.firstMinute) : null,
    lastReading: has ? formatWallClock(s.lastMinute) : null,
  };
}

/**
 * The model's preparation of a recorded one. The MDP's long-acting
 * preparation is the paper's "Ultratard-like" insulin and, in the
 * simulator, a glargine-like one; the records' UltraLente is neither
 * exactly, but the MDP sees only doses, so ultralente counts as long.
 */
const PREPARATION_OF: Readonly<Record<RecordPreparation, keyof DoseTriplet>> = { regular: 'regular', nph: 'nph', ultralente: 'long' };

function byMinute(a: PatientRecord, b: PatientRecord): number {
  return a.minute - b.minute;
}

/** The transitions of one patient's records (any order; same-minute records keep theirs), counting into `stats`. */
function patientTransitions(records: readonly PatientRecord[], spaces: WalkSpaces, leadMin: number, maxGapMin: number, stats: MutableStats): readonly Transition[] {
  const sorted = [...records].sort(byMinute); // stable: a minute's records keep their order
  const readings: WalkReading[] = [];
  const doses: WalkDose[] = [];
  for (const r of sorted) {
    if (r.kind === 'glucose') {
      stats.readings++;
      if (readings.length > 0 && readings[readings.length - 1]!.minute === r.minute) stats.sameMinute++;
      else readings.push({ minute: r.minute, glucoseMgDl: r.valueMgDl });
    } else if (r.kind === 'insulin') {
      stats.doses++;
      doses.push({ minute: r.minute, preparation: PREPARATION_OF[r.preparation], units: r.units });
    } else {
      stats.events++;
    }
  }
  if (readings.length === 0) return [];
  stats.firstMinute = Math.min(stats.firstMinute, readings[0]!.minute);
  stats.lastMinute = Math.max(stats.lastMinute, readings[readings.length - 1]!.minute);
  const walk = walkReadings(readings, doses, spaces, { doseLeadMin: leadMin, maxGapMin });
  stats.gaps += walk.gaps;
  for (const t of walk.transitions) {
    stats.transitions++;
    stats.dosesUsed += t.dosesUsed;
    stats.dosesAboveGrid += t.dosesAboveGrid;
  }
  return walk.transitions;
}

/** One selected patient's transitions, in time order, and what the records gave. */
export interface PatientWalk {
  readonly patient: string;
  readonly transitions: readonly Transition[];
  readonly stats: TransitionStats;
}

/**
 * The transitions of the selected patients' records, patient by patient in
 * the order given (default: the code-unit order of their names), each in
 * time order, with what was counted, skipped and clamped per patient and in
 * total. Records of other patients are not looked at; a selected patient
 * without records has no transitions and all-zero statistics.
 */
export function walkRecords(records: readonly PatientRecord[], spaces: WalkSpaces, options: FromRecordsOptions = {}): { readonly patients: readonly PatientWalk[]; readonly total: TransitionStats } {
  const leadMin = options.doseLeadMin ?? DEFAULT_DOSE_LEAD_MIN;
  const maxGapMin = (options.maxGapHours ?? DEFAULT_MAX_GAP_HOURS) * 60;
  if (!(Number.isFinite(leadMin) && leadMin >= 0)) throw new RangeError(`doseLeadMin must be a number ≥ 0, not ${leadMin}`);
  if (!(maxGapMin > 0)) throw new RangeError(`maxGapHours must be > 0, not ${options.maxGapHours}`);

  const byPatient = new Map<string, PatientRecord[]>();
  for (const r of records) {
    const list = byPatient.get(r.patient);
    if (list) list.push(r);
    else byPatient.set(r.patient, [r]);
  }
  const selected = options.patients ? [...new Set(options.patients)] : [...byPatient.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const total = emptyStats();
  const patients: PatientWalk[] = [];
  for (const patient of selected) {
    const stats = emptyStats();
    const transitions = patientTransitions(byPatient.get(patient) ?? [], spaces, leadMin, maxGapMin, stats);
    patients.push({ patient, transitions, stats: frozenStats(stats) });
    for (const key of ['readings', 'sameMinute', 'transitions', 'gaps', 'doses', 'dosesUsed', 'dosesAboveGrid', 'events'] as const) total[key] += stats[key];
    total.firstMinute = Math.min(total.firstMinute, stats.firstMinute);
    total.lastMinute = Math.max(total.lastMinute, stats.lastMinute);
  }
  return { patients, total: frozenStats(total) };
}

/**
 * ν(s, a, s′) of the selected patients' records under `definition`, with
 * what was counted, skipped and clamped per patient and in total (see
 * `walkRecords`; the caller decides whether a patient without records is an
 * error).
 */
export function transitionsFromRecords(records: readonly PatientRecord[], definition: MdpDefinition, options: FromRecordsOptions = {}): FromRecordsResult {
  const walk = walkRecords(records, definition, options);
  const counts = newCounts(definition);
  for (const p of walk.patients) for (const t of p.transitions) counts.add(t.state, t.action, t.nextState);
  // fromEntries defines own properties: a patient named __proto__ stays a patient.
  return { counts, patients: Object.fromEntries(walk.patients.map((p) => [p.patient, p.stats])), total: walk.total };
}
