/**
 * A validated scenario: everything a closed-loop run needs besides the cohort.
 * Times of day are minutes after midnight; simulation time is minutes after
 * the scenario start (`startTimeOfDayMin` on day 1).
 */
import type { PenSpec, PumpSpec, SensorSpec } from '../devices/types.js';

export interface ControllerSpec {
  /** A registered controller (src/control/registry.ts). */
  readonly name: string;
  /** Its options, as written, already checked against its schema. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * The file that names it (a scenario, or an experiment for an arm): errors
   * name it, and a path in the options is relative to its directory.
   */
  readonly file?: string;
  /** Where in that file (`controller`, `arms[2] (S3): controller`). */
  readonly field?: string;
  /** Deadline of each asynchronous controller call, ms. */
  readonly timeoutMs: number;
  /** Wall-clock delay added to each controller call, ms (0: none; src/control/latency.ts). */
  readonly latencyMs: number;
}

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** One kind of meal of a randomised protocol (Daskalaki, Diem & Mougiakakou 2014, §3.3.2 "Meal Protocol"). */
export interface ProtocolMeal {
  readonly name: string;
  /** Carbohydrate amount, g, uniform in [min, max]. */
  readonly carbsG: Range;
  /** Intake start, minutes after midnight, uniform in [from, to): `to` may be 1440. */
  readonly fromMin: number;
  readonly toMin: number;
  /** Probability that this meal is omitted on a given day. */
  readonly omitProbability: number;
}

export interface MealProtocol {
  readonly kind: 'protocol';
  readonly meals: readonly ProtocolMeal[];
  /** Eating time of each meal, min. */
  readonly durationMin: number;
  /** How long before intake the meal is announced to the controller, min. */
  readonly announceLeadMin: number;
  /** Relative error of the carbohydrate estimate the controller sees, uniform in [min, max] (−0.5…0.5 = ±50 %). */
  readonly estimateError: Range;
}

export interface ListedMeal {
  /** Day of the scenario, 1-based. */
  readonly day: number;
  /** Intake start, minutes after midnight. */
  readonly timeMin: number;
  readonly carbsG: number;
  /** What the controller is told; defaults to `carbsG` (perfect estimate). */
  readonly estimatedCarbsG?: number;
  /** Eating time, min; defaults to the list's `durationMin`. */
  readonly durationMin?: number;
}

export interface MealList {
  readonly kind: 'list';
  readonly meals: readonly ListedMeal[];
  readonly durationMin: number;
  readonly announceLeadMin: number;
}

/** A meal as the simulation uses it, after the protocol is drawn. */
export interface PlannedMeal {
  /** Intake start, min after scenario start. */
  readonly startMin: number;
  readonly carbsG: number;
  readonly estimatedCarbsG: number;
  readonly durationMin: number;
  /** When the controller learns of it, min after scenario start (may be < 0: announced before the run). */
  readonly announceMin: number;
  /** Protocol meal name (`breakfast` …) or `meal` for listed meals. */
  readonly label: string;
}

export interface Scenario {
  /** The file it came from (for messages and the summary). */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly days: number;
  readonly startTimeOfDayMin: number;
  readonly controlPeriodMin: number;
  readonly seed: number | string;
  /** Default cohort selection (`all`, a group, names). */
  readonly cohort: string;
  /** The virtual population: `uva-padova-s2008` or the name of a cohort file in patients/ (without .json). */
  readonly patients: string;
  readonly sensor: SensorSpec;
  /** At least one of pump and pen. */
  readonly pump?: PumpSpec;
  readonly pen?: PenSpec;
  readonly controller: ControllerSpec;
  readonly meals: MealProtocol | MealList;
}
