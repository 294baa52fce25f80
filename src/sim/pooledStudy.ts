/**
 * The pooled-learning study of the insulin MDP (`glucosim ppopi t2dm`): a
 * cohort of T2DM patients learns for `learningDays` under the physician's
 * regimen π0 with the `mdp` controller's exploration, as the MDP
 * experiment's learning arms do; then four arms are compared over the next
 * `evaluationDays`:
 *
 * - `pi0`: the physician's regimen throughout;
 * - `MDP-own`: the `mdp` controller on the patient's own counts, as the MDP
 *   experiment's arms (recalibrated every few readings);
 * - `own-table`: each patient's own records through the PPOPI server's
 *   learner, in the clear, the table followed unchanged (pooling aside, the
 *   same learner and the same data window as the pooled arm);
 * - `PPOPI-pooled`: one policy learned from every patient's encrypted
 *   records, each patient's table read by encrypted requests.
 *
 * Every arm sees the same meals and meter noise (streams by seed, patient
 * and purpose), and the three MDP arms the same learning days (the same
 * exploration stream). The study file is read and checked here; the runs
 * are the CLI's.
 */
import { loadPopulation, type PopulationMember } from '../cohort/population.js';
import { selectPatients } from '../cohort/selection.js';
import type { MdpControllerOptions } from '../control/mdp/mdpController.js';
import { BUILT_IN_CONTROLLERS, type ControllerRegistry } from '../control/registry.js';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { besideFile } from '../io/paths.js';
import { compileValidator } from '../io/schema.js';
import { controllerSpec, loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import type { Experiment } from './experiment.js';
import { checkCohortFitsController, checkDevicesFitController } from './patientRun.js';

/** The arms of the evaluation, in report order. */
export const POOLED_STUDY_ARMS = ['pi0', 'MDP-own', 'own-table', 'PPOPI-pooled'] as const;

export interface PooledStudy {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** The scenario file's meals, devices, seed and population (its days and controller are the study's). */
  readonly scenario: Scenario;
  readonly cohort: string;
  readonly patients: readonly PopulationMember[];
  readonly seeds: number;
  readonly learningDays: number;
  readonly evaluationDays: number;
  /** The `mdp` options as written (without learningDays), and parsed with the study's learningDays. */
  readonly mdpOptions: Readonly<Record<string, unknown>>;
  readonly mdp: MdpControllerOptions;
}

interface StudyFile {
  name: string;
  description?: string;
  scenario: string;
  cohort?: string;
  seeds?: number;
  learningDays: number;
  evaluationDays: number;
  mdp: Record<string, unknown>;
}

const nonEmpty = { type: 'string', minLength: 1 } as const;

/** JSON Schema of a study file (draft-07, closed). */
export const POOLED_STUDY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'glucosim ppopi t2dm study',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scenario', 'learningDays', 'evaluationDays', 'mdp'],
  properties: {
    name: nonEmpty,
    description: nonEmpty,
    scenario: { ...nonEmpty, description: 'scenario file (meals, meter, pen, seed, population), relative to this file; its days and controller are replaced' },
    cohort: { ...nonEmpty, description: 'patients: names or groups, comma-separated; default the scenario\'s' },
    seeds: { type: 'integer', minimum: 1, maximum: 100, description: 'repetitions; seed i is the scenario\'s seed + i − 1; default 1' },
    learningDays: { type: 'integer', minimum: 1, maximum: 3650, description: 'days under π0 with exploration whose records are learned from' },
    evaluationDays: { type: 'integer', minimum: 1, maximum: 3650, description: 'days after learning over which the arms are compared' },
    mdp: { type: 'object', description: 'the mdp controller\'s options but learningDays (the study\'s), startFrom and policyTable; the discount must be per measurement' },
  },
} as const;

const validateStudyFile = compileValidator<StudyFile>(POOLED_STUDY_SCHEMA);

/** Read and check a study file; errors name the file and the field, nothing runs. */
export function loadPooledStudy(file: string, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): PooledStudy {
  const raw = validateStudyFile(readJsonFile(file, 'study file'), file);
  for (const own of ['learningDays', 'startFrom', 'policyTable'] as const) {
    if (own in raw.mdp) {
      const reason =
        own === 'learningDays'
          ? 'is the study\'s: give learningDays at the top level (every MDP arm learns for it)'
          : 'is the study\'s to set: the arms start from nothing and the tables are made by the study';
      throw new InputError(file, `mdp.${own}`, reason);
    }
  }
  const mdp = registry.parseOptions('mdp', { ...raw.mdp, learningDays: raw.learningDays }, { file, field: 'mdp', nameField: 'mdp' }) as MdpControllerOptions;
  if (mdp.definition.discount.per !== 'measurement') {
    throw new InputError(
      file,
      'mdp.discount.per',
      'must be "measurement": the PPOPI server sees states as tags, not their times of day, so it cannot tell which transitions cross midnight (a per-day discount, Shifrin & Siegelmann 2017 §2.5 equation 2, needs that)',
    );
  }
  const scenario = loadScenario(besideFile(file, raw.scenario), registry);
  const cohort = raw.cohort ?? scenario.cohort;
  const patients = selectPatients(loadPopulation(scenario.patients, file), cohort, file, 'cohort');
  if (patients.length < 2) throw new InputError(file, 'cohort', `selects ${patients.length} patient: pooling needs at least 2`);
  // Every patient and the devices against the controllers, before anything runs, naming the study's fields.
  const arms = [
    { name: 'mdp', options: { ...raw.mdp, learningDays: raw.learningDays }, field: 'mdp' },
    { name: 'multiple-daily-injections', options: raw.mdp.physicianRegimen as Record<string, unknown>, field: 'mdp.physicianRegimen' },
  ];
  for (const arm of arms) {
    const spec = controllerSpec({ name: arm.name, options: arm.options }, file, arm.field, registry);
    checkCohortFitsController(spec, patients, { file, field: arm.field }, registry);
    checkDevicesFitController(scenario, spec, { file, field: arm.field }, registry);
  }
  return {
    file,
    name: raw.name,
    description: raw.description ?? '',
    scenario,
    cohort,
    patients,
    seeds: raw.seeds ?? 1,
    learningDays: raw.learningDays,
    evaluationDays: raw.evaluationDays,
    mdpOptions: raw.mdp,
    mdp,
  };
}

function experimentOf(study: PooledStudy, name: string, days: number, windowDays: number, arms: readonly { name: string; controller: string; options: Record<string, unknown>; field: string }[], registry: ControllerRegistry): Experiment {
  return {
    file: study.file,
    name,
    description: study.description,
    scenario: { ...study.scenario, days },
    cohort: study.cohort,
    seeds: study.seeds,
    runInDays: 0,
    windowDays,
    exclude: undefined,
    published: undefined,
    cvgaPoints: 'patient',
    compare: [],
    reward: { space: study.mdp.definition.space, reward: study.mdp.definition.reward },
    arms: arms.map((arm) => ({ name: arm.name, controller: controllerSpec({ name: arm.controller, options: arm.options }, study.file, arm.field, registry) })),
  };
}

/** The learning phase as an experiment of one arm: the `mdp` controller for `learningDays` days (π0 with exploration). */
export function learningExperiment(study: PooledStudy, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): Experiment {
  const options = { ...study.mdpOptions, learningDays: study.learningDays };
  return experimentOf(study, `${study.name}-learning`, study.learningDays, study.learningDays, [{ name: 'learning', controller: 'mdp', options, field: 'mdp' }], registry);
}

/** The comparison: the four arms over learning + evaluation days, results over the evaluation days; `tables` are the policy table files. */
export function evaluationExperiment(study: PooledStudy, tables: { readonly own: string; readonly pooled: string }, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): Experiment {
  const mdp = { ...study.mdpOptions, learningDays: study.learningDays };
  const arms = [
    { name: 'pi0', controller: 'multiple-daily-injections', options: study.mdpOptions.physicianRegimen as Record<string, unknown>, field: 'mdp.physicianRegimen' },
    { name: 'MDP-own', controller: 'mdp', options: mdp, field: 'mdp' },
    { name: 'own-table', controller: 'mdp', options: { ...mdp, policyTable: tables.own }, field: 'mdp' },
    { name: 'PPOPI-pooled', controller: 'mdp', options: { ...mdp, policyTable: tables.pooled }, field: 'mdp' },
  ];
  return experimentOf(study, study.name, study.learningDays + study.evaluationDays, study.evaluationDays, arms, registry);
}
