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
import { controllerEntry } from '../control/registry.js';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { loadScenario } from '../scenario/load.js';
import type { ControllerSpec, Scenario } from '../scenario/types.js';
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
  /** Number of seeds; seed i (1-based) is the scenario's seed + i − 1 (or "<seed>-<i>" for a text seed). */
  readonly seeds: number;
  /** Days under the starting therapy before the trial, not counted in results. */
  readonly runInDays: number;
  /** Results (CVGA) over the last this many trial days. */
  readonly windowDays: number;
  /** Patients left out of the "with exclusions" results, and why. */
  readonly exclude: { readonly patients: readonly string[]; readonly reason: string } | undefined;
  readonly arms: readonly ExperimentArm[];
  /** Published results to report beside ours: % CVGA A+B overall per arm name, and where they come from. */
  readonly published: { readonly source: string; readonly percentAB: Readonly<Record<string, number>> } | undefined;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function wholeNumber(x: unknown, file: string, field: string, min: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new InputError(file, field, `must be a whole number ≥ ${min}, got ${JSON.stringify(x)}`);
  return x;
}

function text(x: unknown, file: string, field: string): string {
  if (typeof x !== 'string' || x.trim() === '') throw new InputError(file, field, `must be a non-empty string, got ${JSON.stringify(x)}`);
  return x;
}

const KNOWN_FIELDS = ['name', 'description', 'scenario', 'cohort', 'seeds', 'runInDays', 'windowDays', 'exclude', 'arms', 'published'];

/** Read and check an experiment file; errors name the file and the field. */
export function loadExperiment(file: string): Experiment {
  const json = readJsonFile(file, 'experiment file');
  if (!isRecord(json)) throw new InputError(file, '', 'an experiment must be a JSON object');
  for (const key of Object.keys(json)) {
    if (!KNOWN_FIELDS.includes(key)) throw new InputError(file, key, `unknown field (known: ${KNOWN_FIELDS.join(', ')})`);
  }
  const name = text(json.name, file, 'name');
  const scenarioPath = text(json.scenario, file, 'scenario');
  const scenario = loadScenario(isAbsolute(scenarioPath) ? scenarioPath : join(dirname(file), scenarioPath));
  const runInDays = json.runInDays === undefined ? 0 : wholeNumber(json.runInDays, file, 'runInDays', 0);
  const windowDays = json.windowDays === undefined ? scenario.days : wholeNumber(json.windowDays, file, 'windowDays', 1);
  if (windowDays > scenario.days) throw new InputError(file, 'windowDays', `must be at most the scenario's ${scenario.days} days`);
  if (!Array.isArray(json.arms) || json.arms.length === 0) throw new InputError(file, 'arms', 'must be a non-empty list of {name, controller}');
  const names = new Set<string>();
  const arms = json.arms.map((arm: unknown, i: number): ExperimentArm => {
    const field = `arms[${i}]`;
    if (!isRecord(arm)) throw new InputError(file, field, 'must be an object {name, controller}');
    const armName = text(arm.name, file, `${field}.name`);
    if (names.has(armName)) throw new InputError(file, `${field}.name`, `'${armName}' is used twice`);
    names.add(armName);
    const c = arm.controller;
    if (!isRecord(c)) throw new InputError(file, `${field}.controller`, 'must be an object {name, options}');
    const controllerName = text(c.name, file, `${field}.controller.name`);
    if (c.options !== undefined && !isRecord(c.options)) throw new InputError(file, `${field}.controller.options`, 'must be an object');
    const given = (c.options ?? {}) as Record<string, unknown>;
    // Controllers that take a run-in get the experiment's (unless the arm sets its own).
    const entry = controllerEntry(controllerName, file);
    const options = entry.takesRunIn ? { runInDays, ...given } : given;
    // Check the controller and its options now, against this file.
    entry.prepare(options, file);
    return { name: armName, controller: { name: controllerName, options } };
  });
  let exclude: Experiment['exclude'];
  if (json.exclude !== undefined) {
    if (!isRecord(json.exclude) || !Array.isArray(json.exclude.patients)) throw new InputError(file, 'exclude', 'must be {patients: [names], reason}');
    exclude = {
      patients: json.exclude.patients.map((p: unknown, i: number) => text(p, file, `exclude.patients[${i}]`)),
      reason: text(json.exclude.reason, file, 'exclude.reason'),
    };
  }
  let published: Experiment['published'];
  if (json.published !== undefined) {
    const p = json.published;
    if (!isRecord(p) || !isRecord(p.percentAB)) throw new InputError(file, 'published', 'must be {source, percentAB: {arm: percent}}');
    const percentAB: Record<string, number> = {};
    for (const [arm, v] of Object.entries(p.percentAB)) {
      if (!names.has(arm)) throw new InputError(file, `published.percentAB.${arm}`, 'is not an arm of this experiment');
      if (typeof v !== 'number' || !(v >= 0 && v <= 100)) throw new InputError(file, `published.percentAB.${arm}`, `must be a percentage, got ${JSON.stringify(v)}`);
      percentAB[arm] = v;
    }
    published = { source: text(p.source, file, 'published.source'), percentAB };
  }
  return {
    published,
    file,
    name,
    description: json.description === undefined ? '' : text(json.description, file, 'description'),
    scenario,
    cohort: json.cohort === undefined ? scenario.cohort : text(json.cohort, file, 'cohort'),
    seeds: json.seeds === undefined ? 5 : wholeNumber(json.seeds, file, 'seeds', 1),
    runInDays,
    windowDays,
    exclude,
    arms,
  };
}

/** The seed of repetition i (1-based). */
export function experimentSeed(base: number | string, i: number): number | string {
  return typeof base === 'number' ? base + i - 1 : `${base}-${i}`;
}

export interface ExperimentPlan {
  readonly patients: readonly PopulationMember[];
  /** One scenario per arm: the trial scenario lengthened by the run-in, with the arm's controller. */
  readonly scenarios: readonly Scenario[];
  readonly seeds: readonly (number | string)[];
  readonly jobs: readonly (SimulationJob & { readonly arm: number; readonly seedIndex: number })[];
}

/** The jobs of an experiment: every arm × seed × patient. */
export function planExperiment(experiment: Experiment, seeds: number = experiment.seeds): ExperimentPlan {
  const population = loadPopulation(experiment.scenario.patients, experiment.file);
  const patients = selectPatients(population, experiment.cohort, experiment.file, 'cohort');
  for (const p of experiment.exclude?.patients ?? []) {
    if (!patients.some((q) => q.name === p)) throw new InputError(experiment.file, 'exclude.patients', `'${p}' is not in the cohort`);
  }
  const scenarios = experiment.arms.map(
    (arm): Scenario => ({ ...experiment.scenario, days: experiment.scenario.days + experiment.runInDays, controller: arm.controller }),
  );
  const seedValues = Array.from({ length: seeds }, (_, i) => experimentSeed(experiment.scenario.seed, i + 1));
  const jobs: ExperimentPlan['jobs'][number][] = [];
  scenarios.forEach((_, arm) =>
    seedValues.forEach((seed, seedIndex) => patients.forEach((p) => jobs.push({ scenario: arm, patient: p.name, seed, arm, seedIndex }))),
  );
  return { patients, scenarios, seeds: seedValues, jobs };
}
