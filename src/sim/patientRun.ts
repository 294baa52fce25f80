/**
 * Everything one patient's run needs, built from a scenario: its meal plan
 * and sensor noise from seeded streams derived from (seed, patient, purpose),
 * the pump and/or pen, the model (with depots for the slower preparations a
 * pen may inject), and the controller's registry entry, options and identity.
 * Nothing here constructs the controller: the closed loop does, inside the
 * run, so that it is always closed.
 */
import type { PopulationMember } from '../cohort/population.js';
import { controllerIdentity } from '../control/context.js';
import { withLatency } from '../control/latency.js';
import { type AnyControllerEntry, BUILT_IN_CONTROLLERS, type ControllerRegistry } from '../control/registry.js';
import type { OptionsSource, TherapySettings } from '../control/types.js';
import { createSensor } from '../devices/cgm.js';
import { createPen } from '../devices/pen.js';
import { createPump } from '../devices/pump.js';
import { createMeter, FIVE_A_DAY } from '../devices/smbg.js';
import type { Sensor, SensorSpec } from '../devices/types.js';
import { InputError } from '../io/errors.js';
import { depotModel } from '../model/insulinPreparations.js';
import { DEPOT_PREPARATIONS, type PatientModel } from '../model/patientModel.js';
import { type RandomStream, randomStream } from '../random/streams.js';
import { planMeals } from '../scenario/mealPlan.js';
import type { ControllerSpec, Scenario } from '../scenario/types.js';
import { type ClosedLoopSetup, type ControllerFactory, type DayCallback, runClosedLoop } from './closedLoop.js';
import type { Trace } from './trace.js';

/**
 * What the physician knows of a patient (Quest.csv and the basal rate; NaN
 * where the cohort gives none), and the simulator-optimised basal rate and
 * CR where the cohort has them (src/control/startingTherapy.ts).
 */
export function therapySettings(patient: PopulationMember): TherapySettings {
  return {
    patient: patient.name,
    basalRateUPerMin: patient.basalRateUPerMin,
    carbRatioGPerU: patient.carbRatioGPerU ?? NaN,
    correctionFactorMgDlPerU: patient.correctionFactorMgDlPerU ?? NaN,
    bodyWeightKg: patient.bodyWeightKg,
    ...(patient.optimisedTherapy ? { optimised: { ...patient.optimisedTherapy } } : {}),
    ...(patient.optimisedTherapyFile !== undefined ? { optimisedTherapyFile: patient.optimisedTherapyFile } : {}),
  };
}

/**
 * The scenario's controller: its entry and parsed options. `validated`: the
 * options have been checked against the controller's schema already (the
 * scenario loader did, on the main thread), so a worker need not again.
 */
export function scenarioController(
  scenario: Scenario,
  registry: ControllerRegistry = BUILT_IN_CONTROLLERS,
  validated = false,
): { entry: AnyControllerEntry; options: unknown } {
  const { name, options } = scenario.controller;
  // An experiment's arm is written in the experiment file: its options are read against that file.
  const file = scenario.controller.file ?? scenario.file;
  const field = `${scenario.controller.field ?? 'controller'}.options`;
  return { entry: registry.get(name, file), options: registry.parseOptions(name, options, { file, field, validated }) };
}

/**
 * Check every patient against a controller (a scenario's, or an experiment
 * arm's) before anything runs: what the controller needs of them (e.g. a
 * carbohydrate ratio the cohort does not give), from its loaded options
 * alone, constructing no controller, and that each model builds. Problems
 * are InputErrors naming `where` (the file and the controller's field).
 */
export function checkCohortFitsController(
  controller: ControllerSpec,
  patients: readonly PopulationMember[],
  where: OptionsSource,
  registry: ControllerRegistry = BUILT_IN_CONTROLLERS,
): void {
  const entry = registry.get(controller.name, where.file, `${where.field}.name`);
  const options = registry.parseOptions(controller.name, controller.options, { file: where.file, field: `${where.field}.options`, validated: true });
  for (const patient of patients) {
    refuseUnfitPatient(where, patient, entry, options);
    try {
      modelWithDepots(patient, entry, options);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(where.file, where.field, `${patient.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * Check a controller (a scenario's, or an experiment arm's) against the
 * scenario's devices before anything runs (ControllerEntry.devicesProblem):
 * an InputError naming `where` (the file and the controller's field).
 */
export function checkDevicesFitController(
  scenario: Scenario,
  controller: ControllerSpec,
  where: OptionsSource,
  registry: ControllerRegistry = BUILT_IN_CONTROLLERS,
): void {
  const entry = registry.get(controller.name, where.file, `${where.field}.name`);
  if (!entry.devicesProblem) return;
  const options = registry.parseOptions(controller.name, controller.options, { file: where.file, field: `${where.field}.options`, validated: true });
  const meterTimesOfDayMin = scenario.sensor.model === 'smbg' ? (scenario.sensor.timesOfDayMin ?? FIVE_A_DAY) : undefined;
  const problem = entry.devicesProblem(options, { ...(meterTimesOfDayMin ? { meterTimesOfDayMin: [...meterTimesOfDayMin].sort((a, b) => a - b) } : {}), pump: scenario.pump !== undefined, pen: scenario.pen !== undefined });
  if (problem !== undefined) throw new InputError(where.file, where.field, `${problem} (scenario ${scenario.file})`);
}

function refuseUnfitPatient(where: OptionsSource, patient: PopulationMember, entry: AnyControllerEntry, options: unknown): void {
  const problem = entry.patientProblem?.(options, therapySettings(patient));
  if (problem !== undefined) throw new InputError(where.file, where.field, `${patient.name}: ${problem}`);
}

/** A CGM or ideal sensor, or a meter for `smbg`. */
export function sensorFor(spec: SensorSpec, stream: RandomStream): Sensor {
  return spec.model === 'smbg' ? createMeter({ model: 'smbg', timesOfDayMin: spec.timesOfDayMin }, stream) : createSensor(spec, stream);
}

/**
 * The patient's model, carrying the depots of the slower preparations the
 * controller may inject (each depot adds states, so only those it uses).
 */
function modelWithDepots(patient: PopulationMember, entry: AnyControllerEntry, options: unknown): PatientModel {
  const used = entry.preparations?.(options) ?? [];
  return patient.model(DEPOT_PREPARATIONS.filter((p) => used.includes(p)).map(depotModel));
}

export interface PatientRunOptions {
  /** Where the scenario's controller is looked up (default: the built-in controllers). */
  readonly registry?: ControllerRegistry;
  /** Cancels the run (its controller is closed, the promise rejects). */
  readonly signal?: AbortSignal;
  /** The scenario came from the scenario loader, which checked the controller's options against its schema. */
  readonly optionsValidated?: boolean;
}

/** The closed-loop setup of one patient through a scenario under `seed`. */
export function patientRunSetup(scenario: Scenario, patient: PopulationMember, seed: number | string, options: PatientRunOptions = {}): ClosedLoopSetup {
  const registry = options.registry ?? BUILT_IN_CONTROLLERS;
  const { entry, options: controllerOptions } = scenarioController(scenario, registry, options.optionsValidated);
  refuseUnfitPatient({ file: scenario.controller.file ?? scenario.file, field: scenario.controller.field ?? 'controller' }, patient, entry, controllerOptions);
  const latencyMs = scenario.controller.latencyMs;
  const create: ControllerFactory =
    latencyMs > 0
      ? async (context) => withLatency(await entry.create(controllerOptions, context), latencyMs, context.signal)
      : (context) => entry.create(controllerOptions, context);
  return {
    model: modelWithDepots(patient, entry, controllerOptions),
    days: scenario.days,
    startTimeOfDayMin: scenario.startTimeOfDayMin,
    controlPeriodMin: scenario.controlPeriodMin,
    meals: planMeals(scenario, randomStream(seed, patient.name, 'meals')),
    sensor: sensorFor(scenario.sensor, randomStream(seed, patient.name, 'cgm')),
    pump: scenario.pump ? createPump(scenario.pump) : undefined,
    pen: scenario.pen ? createPen(scenario.pen) : undefined,
    controller: create,
    context: controllerIdentity(entry.name, therapySettings(patient), seed),
    timeoutMs: scenario.controller.timeoutMs,
    signal: options.signal,
  };
}

/** Run one patient through a scenario under `seed` (the scenario's own unless overridden). */
export async function runPatient(
  scenario: Scenario,
  patient: PopulationMember,
  seed: number | string,
  onDay?: DayCallback,
  options: PatientRunOptions = {},
): Promise<Trace> {
  return runClosedLoop(patientRunSetup(scenario, patient, seed, options), onDay);
}
