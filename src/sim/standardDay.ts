/**
 * The standard day on which a starting therapy is scored (docs/model.md
 * §2.7): the meal protocol of a study scenario at the middle of each meal's
 * ranges, every meal eaten and announced with its exact carbohydrate, the
 * same day repeated, under standard basal-bolus therapy at a candidate basal
 * rate and CR, read by an ideal sensor and given by an ideal pump.
 *
 * - Meals: each protocol meal at the middle of its time window (rounded down
 *   to the minute) with the middle of its carbohydrate range; none omitted.
 *   For scenarios/randomised-10day.json (Daskalaki, Diem & Mougiakakou 2014,
 *   §3.3.2): breakfast 45 g at 09:00, lunch 85 g at 14:30, dinner 90 g at
 *   21:00, snack 30 g at 23:30, each eaten in the protocol's 15 min.
 * - Announced the protocol's lead (30 min) before intake with no estimate
 *   error; bolus carbs/CR at announcement (`bolusTiming: 'announcement'`).
 *   No correction bolus by default: the two values searched are the ones
 *   the actor-critic adapts (it never corrects: src/control/actorCritic.ts),
 *   and with the correction a patient's CF (not searched) decides much of the
 *   score — an S2008 child's (G − 140)/CF after a high lunch runs it into
 *   hypoglycaemia at any BR and CR (child#008, measured). `correction: true`
 *   adds the standard therapy's correction above 150 mg/dL (docs/model.md §2.6).
 * - Ideal sensor every 5 min (no CGM noise: a correction sees true glucose)
 *   and an ideal pump (no 0.05 U/h or 0.05 U grid: the score is smooth in
 *   the candidate; the study's pump rounds the result as it rounds any rate).
 * - The run starts at 00:00 from the model's basal steady state (the state
 *   at the cohort's basal rate and fasting glucose), lasts `days` days, and
 *   only the last `scoredDays` are scored, so the drift from that state
 *   under a basal rate other than the steady-state one does not count.
 *
 * Nothing is drawn: the day is the same for every seed.
 */
import type { PopulationMember } from '../cohort/population.js';
import { InputError } from '../io/errors.js';
import { DEFAULT_CONTROLLER_TIMEOUT_MS } from '../scenario/schema.js';
import type { ListedMeal, Scenario } from '../scenario/types.js';
import { MINUTES_PER_DAY } from './closedLoop.js';
import { runPatient } from './patientRun.js';

export interface StandardMeal {
  readonly name: string;
  /** Intake start, minutes after midnight. */
  readonly timeOfDayMin: number;
  readonly carbsG: number;
}

/** Plain data (it is copied to worker threads). */
export interface StandardDay {
  /** The scenario whose protocol it comes from, for messages. */
  readonly source: string;
  readonly meals: readonly StandardMeal[];
  /** Eating time of each meal and how long before intake it is announced, min. */
  readonly durationMin: number;
  readonly announceLeadMin: number;
  readonly controlPeriodMin: number;
  /** Days simulated from the basal steady state; the last `scoredDays` of them are scored. */
  readonly days: number;
  readonly scoredDays: number;
  /** Add the standard therapy's correction to meal boluses (default false, see above). */
  readonly correction: boolean;
}

export interface StandardDayOptions {
  readonly days?: number;
  readonly scoredDays?: number;
  readonly correction?: boolean;
}

/**
 * Simulated and scored days (docs/model.md §2.7, measured on the 30 S2008
 * subjects): from the basal steady state, day 1's LBGI + HBGI is off the
 * later days' by up to 85 at the grid's corners (a basal rate far from the
 * steady-state one takes a day to move glucose; a runaway hypoglycaemia a
 * day to develop), so it is not scored. Scoring days 2–3 of 3 or days 4–5
 * of 5 gives the same optimum for 26 subjects, and for the other 4 optima
 * at most 0.0625 apart in one factor whose scores differ by 0.005–0.24.
 */
export const STANDARD_DAY_DAYS = 3;
export const STANDARD_DAY_SCORED_DAYS = 2;

/** A candidate therapy: basal rate (U/h) and carbohydrate ratio (g/U). */
export interface CandidateTherapy {
  readonly basalUPerH: number;
  readonly carbRatioGPerU: number;
}

/** The standard day of a scenario's meal protocol (an InputError naming the file when it has none). */
export function standardDayOf(scenario: Scenario, options: StandardDayOptions = {}): StandardDay {
  const { days = STANDARD_DAY_DAYS, scoredDays = STANDARD_DAY_SCORED_DAYS, correction = false } = options;
  if (scenario.meals.kind !== 'protocol') {
    throw new InputError(scenario.file, 'meals', 'the standard day is made from a meal protocol (meals.protocol); this scenario lists its meals');
  }
  if (!(Number.isInteger(days) && Number.isInteger(scoredDays) && scoredDays >= 1 && scoredDays <= days)) {
    throw new RangeError(`standard day: need whole days with 1 ≤ scored days ≤ days, got ${scoredDays} of ${days}`);
  }
  const { meals, durationMin, announceLeadMin } = scenario.meals;
  return {
    source: scenario.file,
    meals: meals.map((m) => ({ name: m.name, timeOfDayMin: Math.floor((m.fromMin + m.toMin) / 2), carbsG: (m.carbsG.min + m.carbsG.max) / 2 })),
    durationMin,
    announceLeadMin,
    controlPeriodMin: scenario.controlPeriodMin,
    days,
    scoredDays,
    correction,
  };
}

/** The standard day as a scenario run at `therapy` (standard therapy with its basal rate and CR set). */
export function standardDayScenario(day: StandardDay, therapy: CandidateTherapy): Scenario {
  const meals: ListedMeal[] = [];
  for (let d = 1; d <= day.days; d++) {
    for (const meal of day.meals) meals.push({ day: d, timeMin: meal.timeOfDayMin, carbsG: meal.carbsG });
  }
  return {
    file: day.source,
    name: 'standard-day',
    description: `the standard day of ${day.source}'s meal protocol (docs/model.md §2.7)`,
    days: day.days,
    startTimeOfDayMin: 0,
    controlPeriodMin: day.controlPeriodMin,
    seed: 1,
    cohort: 'all',
    patients: 'uva-padova-s2008',
    sensor: { model: 'ideal' },
    pump: { model: 'ideal' },
    controller: {
      name: 'standard-therapy',
      options: { bolusTiming: 'announcement', correction: day.correction, basalUPerH: therapy.basalUPerH, carbRatioGPerU: therapy.carbRatioGPerU },
      file: day.source,
      field: 'standard day: controller',
      timeoutMs: DEFAULT_CONTROLLER_TIMEOUT_MS,
      latencyMs: 0,
    },
    meals: { kind: 'list', meals, durationMin: day.durationMin, announceLeadMin: day.announceLeadMin },
  };
}

/** True blood glucose (mg/dL) every minute of the scored days of the patient's standard day at `therapy`. */
export async function standardDayGlucose(patient: PopulationMember, day: StandardDay, therapy: CandidateTherapy): Promise<Float64Array> {
  const trace = await runPatient(standardDayScenario(day, therapy), patient, 1);
  return trace.bgMgDl.slice((day.days - day.scoredDays) * MINUTES_PER_DAY);
}
