/**
 * Experiments: a cohort × a scenario × controller arms × seeds, run as one
 * pool of simulation jobs. Every arm sees the same meals and sensor noise for
 * a patient and seed (the random streams depend on seed, patient and purpose,
 * never on the controller), so arms are compared pairwise. An optional run-in
 * under each arm's starting therapy precedes the trial and is not counted.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { loadPopulation, type PopulationMember } from '../cohort/population.js';
import { selectPatients } from '../cohort/selection.js';
import { MDP_DEFINITION_PROPERTIES, type MdpDefinitionFile, parseMdpDefinition } from '../control/mdp/definitionFile.js';
import type { MdpDefinition } from '../control/mdp/model.js';
import { BUILT_IN_CONTROLLERS, type ControllerRegistry } from '../control/registry.js';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { compileValidator } from '../io/schema.js';
import { controllerSpec, loadScenario } from '../scenario/load.js';
import { CONTROLLER_SPEC_SCHEMA, type ControllerSpecFile } from '../scenario/schema.js';
import type { ControllerSpec, Scenario } from '../scenario/types.js';
import { checkCohortFitsController, checkDevicesFitController } from './patientRun.js';
import type { SimulationJob } from './workerProtocol.js';

export interface ExperimentArm {
  readonly name: string;
  readonly controller: ControllerSpec;
}

export interface Experiment {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** The trial scenario (its days are the trial days, after the run-in). */
  readonly scenario: Scenario;
  readonly cohort: string;
  /** Number of seeds; seed i (1-based) is the scenario's seed + i − 1, or for a text seed the text, then "<seed>-2", "<seed>-3" … */
  readonly seeds: number;
  /**
   * Days before the trial, not counted in results, under each arm's
   * controller. An arm whose controller learns only after a run-in says so
   * in its own options (the actor-critic's `runInDays`).
   */
  readonly runInDays: number;
  /** Results (CVGA) over the last this many trial days. */
  readonly windowDays: number;
  /** Patients left out of the "with exclusions" results, and why. */
  readonly exclude: { readonly patients: readonly string[]; readonly reason: string } | undefined;
  readonly arms: readonly ExperimentArm[];
  /**
   * Published results to report beside ours: % CVGA A+B overall per arm
   * name, and where they come from; optionally per group from another
   * source (e.g. an abstract of the same study).
   */
  readonly published: PublishedResults | undefined;
  /**
   * What one CVGA point is (Magni et al. 2008): one per patient over the
   * window, or one per patient and day of the window (the 2.5th/97.5th
   * percentiles within each day). The values of the metrics' CvgaPoints
   * (src/metrics/cvgaDays.ts), spelled out here: the simulation stage does
   * not depend on the metrics.
   */
  readonly cvgaPoints: 'patient' | 'patient-day';
  /**
   * Pairs of arms [a, b] whose differences a − b (% CVGA A+B, slope of the
   * daily LBGI) are reported per group, paired by seed, with 95 % intervals.
   */
  readonly compare: readonly (readonly [string, string])[];
  /**
   * The MDP reward (Shifrin & Siegelmann 2017, §2.2) to score every arm's
   * readings with, so arms with and without an MDP are compared on it.
   */
  readonly reward: Pick<MdpDefinition, 'space' | 'reward'> | undefined;
}

export interface PublishedResults {
  readonly source: string;
  readonly percentAB: Readonly<Record<string, number>>;
  readonly byGroup?: { readonly source: string; readonly percentAB: Readonly<Record<string, Readonly<Record<string, number>>>> };
}

/** Days of an experiment's trial (1-based, after any run-in) over which outcomes are reported. */
export interface TrialPhase {
  readonly name: string;
  readonly fromDay: number;
  readonly toDay: number;
}

/** An experiment file as written (after the schema). */
interface ExperimentFile {
  name: string;
  description?: string;
  scenario: string;
  cohort?: string;
  seeds?: number;
  runInDays?: number;
  windowDays?: number;
  exclude?: { patients: string[]; reason: string };
  arms: { name: string; controller: ControllerSpecFile }[];
  published?: PublishedResults;
  cvga?: { points?: Experiment['cvgaPoints'] };
  compare?: [string, string][];
  reward?: Pick<MdpDefinitionFile, 'glucose' | 'reward'>;
}

const nonEmpty = { type: 'string', minLength: 1 } as const;
const percent = { type: 'number', minimum: 0, maximum: 100 } as const;

/** JSON Schema of an experiment file (draft-07, every object closed). */
export const EXPERIMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'glucosim experiment',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scenario', 'arms'],
  properties: {
    name: nonEmpty,
    description: nonEmpty,
    scenario: { ...nonEmpty, description: 'the trial scenario file, relative to this file' },
    cohort: nonEmpty,
    seeds: { type: 'integer', minimum: 1 },
    runInDays: { type: 'integer', minimum: 0 },
    windowDays: { type: 'integer', minimum: 1 },
    exclude: {
      type: 'object',
      additionalProperties: false,
      required: ['patients', 'reason'],
      properties: { patients: { type: 'array', items: nonEmpty }, reason: nonEmpty },
    },
    arms: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'controller'],
        properties: { name: nonEmpty, controller: CONTROLLER_SPEC_SCHEMA },
      },
    },
    reward: {
      type: 'object',
      additionalProperties: false,
      description: 'score every arm\'s readings with this MDP reward (glucose axis, gl_h and L^c; defaults as the mdp controller\'s)',
      properties: { glucose: MDP_DEFINITION_PROPERTIES.glucose, reward: MDP_DEFINITION_PROPERTIES.reward },
    },
    published: {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'percentAB'],
      properties: {
        source: nonEmpty,
        percentAB: { type: 'object', additionalProperties: percent },
        byGroup: {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'percentAB'],
          properties: {
            source: nonEmpty,
            percentAB: { type: 'object', additionalProperties: { type: 'object', additionalProperties: percent } },
          },
        },
      },
    },
    cvga: {
      type: 'object',
      additionalProperties: false,
      properties: {
        points: { enum: ['patient', 'patient-day'], description: 'one CVGA point per patient over the window (default), or one per patient and day of it' },
      },
    },
    compare: {
      type: 'array',
      description: 'pairs of arm names [a, b]: a − b is reported per group, paired by seed, with 95 % intervals',
      items: { type: 'array', items: nonEmpty, minItems: 2, maxItems: 2 },
    },
  },
} as const;

const validateExperimentFile = compileValidator<ExperimentFile>(EXPERIMENT_SCHEMA);

/**
 * Where a field of an arm is, naming the arm as well as its index
 * (`arms[2] (S3): controller.options.x`): arms are known by their names.
 */
function armField(index: number, name: string, field: string): string {
  return `arms[${index}] (${name}): ${field}`;
}

/** The schema's check, an error inside an arm that has a name re-addressed by armField. */
function validateExperiment(json: unknown, file: string): ExperimentFile {
  try {
    return validateExperimentFile(json, file);
  } catch (err) {
    const inArm = err instanceof InputError ? /^arms\[(\d+)\]\.(.+)$/.exec(err.field) : null;
    const name: unknown = inArm ? (json as { arms?: { name?: unknown }[] }).arms?.[Number(inArm[1])]?.name : undefined;
    if (inArm && typeof name === 'string' && name !== '') throw new InputError(file, armField(Number(inArm[1]), name, inArm[2]), (err as InputError).reason);
    throw err;
  }
}

/** Read and check an experiment file (its arms' controllers against `registry`); errors name the file and the field. */
export function loadExperiment(file: string, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): Experiment {
  const raw = validateExperiment(readJsonFile(file, 'experiment file'), file);
  const scenario = loadScenario(isAbsolute(raw.scenario) ? raw.scenario : join(dirname(file), raw.scenario), registry);
  const runInDays = raw.runInDays ?? 0;
  const windowDays = raw.windowDays ?? scenario.days;
  if (windowDays > scenario.days) throw new InputError(file, 'windowDays', `must be at most the scenario's ${scenario.days} days`);
  const names = new Set<string>();
  const arms = raw.arms.map((arm, i): ExperimentArm => {
    const field = (sub: string) => armField(i, arm.name, sub);
    if (names.has(arm.name)) throw new InputError(file, field('name'), `'${arm.name}' is used twice`);
    names.add(arm.name);
    const controller = controllerSpec(arm.controller, file, field('controller'), registry);
    // A controller with a run-in of its own (it adapts only after it) must
    // start adapting when the trial starts, not inside the uncounted run-in
    // nor inside the counted trial.
    const own = registry.get(controller.name, file).runIn?.(registry.parseOptions(controller.name, controller.options, { file, field: field('controller.options'), validated: true }));
    if (own !== undefined && own.days !== runInDays) {
      throw new InputError(
        file,
        field(`controller.options.${own.option}`),
        `the controller adapts after ${own.days} day(s) of its own run-in, the experiment's run-in (runInDays) is ${runInDays}: they must agree (set ${own.option} to ${runInDays})`,
      );
    }
    return { name: arm.name, controller };
  });
  for (const arm of Object.keys(raw.published?.percentAB ?? {})) {
    if (!names.has(arm)) throw new InputError(file, `published.percentAB.${arm}`, 'is not an arm of this experiment');
  }
  for (const arm of Object.keys(raw.published?.byGroup?.percentAB ?? {})) {
    if (!names.has(arm)) throw new InputError(file, `published.byGroup.percentAB.${arm}`, 'is not an arm of this experiment');
  }
  (raw.compare ?? []).forEach((pair, i) =>
    pair.forEach((arm, j) => {
      if (!names.has(arm)) throw new InputError(file, `compare[${i}][${j}]`, `'${arm}' is not an arm of this experiment`);
    }),
  );
  const reward = raw.reward ? parseMdpDefinition(raw.reward, file, 'reward') : undefined;
  return {
    published: raw.published,
    cvgaPoints: raw.cvga?.points ?? 'patient',
    compare: (raw.compare ?? []).map(([a, b]) => [a, b] as const),
    reward: reward ? { space: reward.space, reward: reward.reward } : undefined,
    file,
    name: raw.name,
    description: raw.description ?? '',
    scenario,
    cohort: raw.cohort ?? scenario.cohort,
    seeds: raw.seeds ?? 5,
    runInDays,
    windowDays,
    exclude: raw.exclude,
    arms,
  };
}

/**
 * The seed of repetition i (1-based): base + i − 1 for a number (a text that
 * reads as one, `"7"`, is already 7: scenario/load.ts and --seed read seeds
 * through parseSeed); for another text, the text itself first (as `glucosim
 * run --seed` would use it), then "<text>-2", "<text>-3" …
 */
export function experimentSeed(base: number | string, i: number): number | string {
  if (typeof base === 'number') return base + (i - 1);
  return i === 1 ? base : `${base}-${i}`;
}

/** One (arm, seed, patient) job of an experiment. */
export type ExperimentJob = SimulationJob & { readonly arm: number; readonly seedIndex: number };

export interface ExperimentPlan {
  readonly patients: readonly PopulationMember[];
  /** One scenario per arm: the trial scenario lengthened by the run-in, with the arm's controller. */
  readonly scenarios: readonly Scenario[];
  readonly seeds: readonly (number | string)[];
  readonly jobs: readonly ExperimentJob[];
  /**
   * Per arm, the stretches of the trial reported side by side: the results
   * window (the same for every arm), then the arm's controller's own phases
   * (e.g. learning, exploitation), cut to the trial.
   */
  readonly phases: readonly (readonly TrialPhase[])[];
  /** The experiment's exclusions among the selected patients (undefined if none is left): report with these. */
  readonly exclude: Experiment['exclude'];
  /** Excluded patients the selected cohort leaves out (e.g. children under --cohort adults): their exclusions are dropped. */
  readonly droppedExclusions: readonly string[];
}

/** The phases of each arm (see ExperimentPlan.phases). */
function trialPhases(experiment: Experiment, registry: ControllerRegistry): TrialPhase[][] {
  const trialDays = experiment.scenario.days;
  const window: TrialPhase = {
    name: experiment.windowDays === trialDays ? 'whole trial' : `last ${experiment.windowDays} days`,
    fromDay: trialDays - experiment.windowDays + 1,
    toDay: trialDays,
  };
  return experiment.arms.map((arm, i) => {
    const entry = registry.get(arm.controller.name, experiment.file);
    const options = registry.parseOptions(arm.controller.name, arm.controller.options, { file: experiment.file, field: armField(i, arm.name, 'controller.options'), validated: true });
    // The controller counts days from the start of its run, run-in included.
    const own = (entry.phases?.(options, trialDays + experiment.runInDays) ?? [])
      .map((p) => ({ name: p.name, fromDay: Math.max(1, p.fromDay - experiment.runInDays), toDay: p.toDay - experiment.runInDays }))
      .filter((p) => p.toDay >= p.fromDay);
    return [window, ...own];
  });
}

/**
 * The jobs of an experiment: every arm × seed × patient. Every patient is
 * checked against every arm's controller first (from the options: nothing is
 * constructed), so an arm the cohort cannot run is refused before any job starts.
 */
export function planExperiment(experiment: Experiment, seeds: number = experiment.seeds, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): ExperimentPlan {
  const population = loadPopulation(experiment.scenario.patients, experiment.file);
  const patients = selectPatients(population, experiment.cohort, experiment.file, 'cohort');
  const excluded = experiment.exclude?.patients ?? [];
  for (const p of excluded) {
    if (!population.some((q) => q.name === p)) throw new InputError(experiment.file, 'exclude.patients', `'${p}' is not a patient of ${experiment.scenario.patients}`);
  }
  // Published figures per group name the population's groups (a misspelt one would silently show nothing beside it).
  const populationGroups = new Set(population.map((p) => p.group));
  for (const [arm, byGroup] of Object.entries(experiment.published?.byGroup?.percentAB ?? {})) {
    for (const group of Object.keys(byGroup)) {
      if (!populationGroups.has(group)) {
        throw new InputError(experiment.file, `published.byGroup.percentAB.${arm}.${group}`, `'${group}' is not a group of ${experiment.scenario.patients} (${[...populationGroups].join(', ')})`);
      }
    }
  }
  // A cohort subset need not hold the excluded patients: there is nothing to exclude then.
  const kept = excluded.filter((p) => patients.some((q) => q.name === p));
  const exclude = experiment.exclude && kept.length > 0 ? { ...experiment.exclude, patients: kept } : undefined;
  experiment.arms.forEach((arm, i) => {
    const where = { file: experiment.file, field: armField(i, arm.name, 'controller') };
    checkCohortFitsController(arm.controller, patients, where, registry);
    checkDevicesFitController(experiment.scenario, arm.controller, where, registry);
  });
  const scenarios = experiment.arms.map(
    (arm): Scenario => ({ ...experiment.scenario, days: experiment.scenario.days + experiment.runInDays, controller: arm.controller }),
  );
  const seedValues = Array.from({ length: seeds }, (_, i) => experimentSeed(experiment.scenario.seed, i + 1));
  // Past 2^53 two repetitions would get the same seed (the same double), and the same draws.
  const last = seedValues[seedValues.length - 1];
  if (typeof last === 'number' && !Number.isSafeInteger(last)) {
    throw new InputError(experiment.scenario.file, 'seed', `seeds ${seedValues[0]} … ${last} pass the largest exact integer (${Number.MAX_SAFE_INTEGER}); give a smaller first seed (or --seed), fewer seeds, or a text seed`);
  }
  const jobs: ExperimentPlan['jobs'][number][] = [];
  scenarios.forEach((_, arm) =>
    seedValues.forEach((seed, seedIndex) =>
      patients.forEach((p) => jobs.push({ scenario: arm, patient: p.name, seed, arm, seedIndex, label: `arm ${experiment.arms[arm].name}, seed ${seed}` })),
    ),
  );
  return { patients, scenarios, seeds: seedValues, jobs, phases: trialPhases(experiment, registry), exclude, droppedExclusions: excluded.filter((p) => !kept.includes(p)) };
}
