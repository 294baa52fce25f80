/**
 * The one interface every controller implements, from standard pump therapy
 * to learning controllers whose decisions come from remote servers, and the
 * registry entry through which a controller plugs into the loop
 * (docs/architecture.md, "The controller contract").
 *
 * A controller sees what a real device would know (sensor readings, announced
 * meals, time, what it delivered), never the patient's true state. Any call
 * may return a promise; the engine awaits only then, so in-process
 * controllers stay synchronous and fast.
 */
import type { Injection, InsulinRequest } from '../devices/types.js';
import type { JsonSchema } from '../io/schema.js';
import type { InsulinPreparation } from '../model/patientModel.js';
import type { RandomStream } from '../random/streams.js';

export type { InsulinRequest };

/**
 * A correction dose uses a reading at most this old, min: one meter reading
 * before the dose (a CGM is always fresher).
 */
export const CORRECTION_MAX_READING_AGE_MIN = 60;

/** A meal the patient told the controller about. */
export interface AnnouncedMeal {
  /** Stable identifier within a run (index in the meal plan). */
  readonly id: number;
  /** Intake start, min after scenario start. */
  readonly intakeMin: number;
  /** The patient's carbohydrate estimate, g (the true amount may differ). */
  readonly estimatedCarbsG: number;
  /** Minutes from now until intake (negative once eating has begun). */
  readonly leadMin: number;
}

/**
 * What the controller knows at a control instant. A snapshot: the engine
 * makes a new one each control period and never changes it afterwards, so a
 * controller may keep it (a learner's previous state stays what it was).
 */
export interface Observation {
  /** Minutes after scenario start. */
  readonly timeMin: number;
  /** Day of the scenario, 1-based, and minutes after midnight. */
  readonly day: number;
  readonly timeOfDayMin: number;
  /** Latest sensor or meter reading (mg/dL) and when it was taken; NaN/−1 before the first. */
  readonly glucoseMgDl: number;
  readonly glucoseTimeMin: number;
  /** Meals announced and not yet past (intake after the previous control instant). */
  readonly announcedMeals: readonly AnnouncedMeal[];
  /** Length of the control period, min: the request holds that long. */
  readonly controlPeriodMin: number;
}

/**
 * What the pump and pen actually gave for the decision at `timeMin`, after
 * their limits and rounding (a pump rounds basal to 0.05 U/h, a pen to its
 * dial step, a pen drops a dose that rounds to 0). A snapshot, as the observation.
 */
export interface Delivery {
  readonly timeMin: number;
  /** Basal rate in force from `timeMin` until the next decision, U/min. */
  readonly basalUPerMin: number;
  /** Bolus given within the first minute, U. */
  readonly bolusU: number;
  /** Injections given, each rounded by the pen (empty when none). */
  readonly injections: readonly Injection[];
}

/**
 * One scenario day as the controller could have recorded it. The arrays are
 * VIEWS into the engine's trace, valid only during the `endOfDay` call: copy
 * (`.slice()`) what you keep.
 */
export interface DayRecord {
  readonly day: number;
  /** First minute of the day, min after scenario start; arrays are per minute of the day. */
  readonly startMin: number;
  /** Sensor or meter readings, mg/dL; NaN at minutes without a reading. */
  readonly glucoseMgDl: Float64Array;
  /** Delivered basal rate (U/min) and bolus (U) per minute. */
  readonly basalUPerMin: Float64Array;
  readonly bolusU: Float64Array;
  /** Carbohydrate estimates announced (g) at the minute of announcement. */
  readonly carbsEstimatedG: Float64Array;
  /** Pen injections per preparation, U, at the minute given. */
  readonly injectionsU: Readonly<Record<InsulinPreparation, Float64Array>>;
}

/**
 * What a physician knows of the patient: therapy parameters, not model
 * states. Basal rate is the S2008 simulator's `u2ss·BW/6000` U/min; NaN where
 * the cohort gives none (the generated T2DM cohort has no CR or CF).
 */
export interface TherapySettings {
  readonly patient: string;
  readonly basalRateUPerMin: number;
  readonly carbRatioGPerU: number;
  readonly correctionFactorMgDlPerU: number;
  readonly bodyWeightKg: number;
  /**
   * The simulator-optimised starting therapy, where the cohort ships one
   * (`patients/uva-padova-s2008/optimised-therapy.csv`, made by `glucosim
   * optimise-therapy`): the basal rate and carb ratio that minimise LBGI +
   * HBGI on a standard day (docs/model.md §2.7). Absent for a patient the
   * file does not list. Use it through `startingTherapy`
   * (src/control/startingTherapy.ts).
   */
  readonly optimised?: { readonly basalRateUPerMin: number; readonly carbRatioGPerU: number };
  /**
   * Where the cohort's optimised therapy is read from (whether the file
   * exists or not), for messages; absent for a cohort that has none (the
   * generated T2DM cohorts).
   */
  readonly optimisedTherapyFile?: string;
}

/** What a controller is told of its run, at `create` and again at `start`. */
export interface ControllerContext {
  /** The controller's registered name (messages name it). */
  readonly controller: string;
  /** The patient's therapy settings; `therapy.patient` is the patient's name. */
  readonly therapy: TherapySettings;
  /** The run's seed (the scenario's, or the one given on the command line). */
  readonly seed: number | string;
  /**
   * A seeded stream for the controller's own draws, one per purpose, derived
   * from (seed, patient, `<controller>/<purpose>`): independent of the meal
   * and sensor streams, the same for the same seed.
   */
  random(purpose: string): RandomStream;
  readonly days: number;
  readonly startTimeOfDayMin: number;
  readonly controlPeriodMin: number;
  /**
   * When glucose comes from a meter: the times of day the patient measures
   * (minutes after midnight, ascending), as the patient knows them;
   * undefined for a CGM.
   */
  readonly meterTimesOfDayMin?: readonly number[];
  /**
   * Aborted when the run fails or is cancelled, or a call misses its
   * deadline: pending work (a network request) should stop. `close()` is
   * still called afterwards.
   */
  readonly signal: AbortSignal;
}

/**
 * A controller. Lifecycle, per patient run: `create` (registry) → `start` →
 * for each control period `decide` then `delivered` → `endOfDay` at the end of
 * each scenario day → `dailyLog` → `close`, which is always called once the
 * controller exists, also when the run fails. Every call but `dailyLog` may
 * return a promise; each asynchronous call must settle within the scenario's
 * `controller.timeoutMs`.
 */
export interface Controller {
  start?(context: ControllerContext): void | Promise<void>;
  decide(observation: Observation): InsulinRequest | Promise<InsulinRequest>;
  /** What the devices gave for the decision just made. */
  delivered?(delivery: Delivery): void | Promise<void>;
  endOfDay?(record: DayRecord): void | Promise<void>;
  /**
   * What a learning controller wants reported: named series, one value per
   * day (e.g. its basal rate and IC ratio). Series of another length (a
   * final policy, one value per state) are the controller's to explain, in
   * its entry's `describeLog`. Series named `wallClock.…` are wall-clock
   * measurements (e.g. a remote decision's latency, ms): they differ from
   * run to run and are left out of determinism checks; every other series
   * must be a function of the seed.
   */
  dailyLog?(): Readonly<Record<string, readonly number[]>>;
  close?(): void | Promise<void>;
}

/** Prefix of the log series that are wall-clock measurements (see `Controller.dailyLog`). */
export const WALL_CLOCK_SERIES_PREFIX = 'wallClock.';

export type PatientType = 't1d' | 't2dm';

/** Where a controller's options come from, for messages. */
export interface OptionsSource {
  readonly file: string;
  /** The options' place in the file, e.g. `controller.options` or `arms[2] (S3): controller.options`. */
  readonly field: string;
}

/**
 * A set of options the controller is meant to run with, on which patients
 * and delivery: the contract test (test/control/contract.test.ts) runs every
 * example of every registered controller.
 */
export interface ControllerExample {
  readonly title: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly patients: readonly PatientType[];
  readonly delivery: 'pump' | 'pen';
}

/** A run's devices, as a controller may need them checked before the run. */
export interface ControllerDevices {
  /** A meter's times of day, minutes after midnight, ascending; undefined for a CGM. */
  readonly meterTimesOfDayMin?: readonly number[];
  readonly pump: boolean;
  readonly pen: boolean;
}

/** A stretch of a run in which a controller behaves one way (e.g. learning, then exploiting), 1-based days, inclusive. */
export interface ControllerPhase {
  readonly name: string;
  readonly fromDay: number;
  readonly toDay: number;
}

/** A table a controller makes of its own log for the report (plain cells; the report renders them). */
export interface LogTable {
  readonly title: string;
  readonly caption?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/** A controller as the registry knows it. Each controller file exports its own entry. */
export interface ControllerEntry<Options = unknown> {
  /** As scenario files name it (`controller.name`). */
  readonly name: string;
  /** One line for `glucosim controllers` and the docs. */
  readonly description: string;
  /** JSON Schema of `controller.options`; the registry checks every option set against it (src/io/schema.ts). */
  readonly optionsSchema: JsonSchema;
  /**
   * Options that have passed `optionsSchema` (the registry checks them
   * first: call `ControllerRegistry.parseOptions`), with defaults filled in
   * and the rules across fields checked; errors are InputErrors naming
   * `source.file` and the field under `source.field`. Pure: constructs nothing.
   */
  parseOptions(options: Readonly<Record<string, unknown>>, source: OptionsSource): Options;
  /**
   * The files its options (as written in `file`) make it read — a learned
   * policy, a model, keys — resolved as parseOptions resolves them: a study's
   * fingerprint hashes them, so shards that read different files do not merge.
   */
  inputFiles?(options: Readonly<Record<string, unknown>>, file: string): readonly string[];
  /** Why this patient cannot run with these options (e.g. no carb ratio in the cohort), or undefined. */
  patientProblem?(options: Options, therapy: TherapySettings): string | undefined;
  /**
   * For a controller that runs the starting therapy for a while before it
   * adapts: how many days, and the option that says so. An experiment then
   * requires it to equal its own run-in (the uncounted days before the trial).
   */
  runIn?(options: Options): { readonly days: number; readonly option: string };
  /** Why these options cannot run with the scenario's devices (no pen; a meter that misses a slot), or undefined; checked before any job starts. */
  devicesProblem?(options: Options, devices: ControllerDevices): string | undefined;
  /** Its phases over a run of `days` days, which reports show side by side (none: the run is one phase). */
  phases?(options: Options, days: number): readonly ControllerPhase[];
  /** Its log (Controller.dailyLog) of one patient as tables for the report, e.g. the policy it learned. */
  describeLog?(log: Readonly<Record<string, readonly number[]>>, options: Options): readonly LogTable[];
  /** The insulin preparations it may inject with these options (the model carries their depots). */
  preparations?(options: Options): readonly InsulinPreparation[];
  /** One controller for one patient run; may be asynchronous (a remote controller connects here). */
  create(options: Options, context: ControllerContext): Controller | Promise<Controller>;
  readonly examples: readonly ControllerExample[];
}
