/**
 * Everything one patient's run needs, built from a scenario: its meal plan
 * and sensor noise from seeded streams derived from (seed, patient, purpose),
 * the pump and/or pen, the model (with depots for the slower preparations a
 * pen may inject), and the controller with the patient's therapy settings.
 */
import type { PopulationMember } from '../cohort/population.js';
import { controllerEntry } from '../control/registry.js';
import type { Controller, TherapySettings } from '../control/types.js';
import { createSensor } from '../devices/cgm.js';
import { createPen } from '../devices/pen.js';
import { createPump } from '../devices/pump.js';
import { createMeter } from '../devices/smbg.js';
import type { Sensor, SensorSpec } from '../devices/types.js';
import { depotModel } from '../model/insulinPreparations.js';
import { DEPOT_PREPARATIONS, type PatientModel } from '../model/patientModel.js';
import { type RandomStream, randomStream } from '../random/streams.js';
import { planMeals } from '../scenario/mealPlan.js';
import type { Scenario } from '../scenario/types.js';
import { runClosedLoop } from './closedLoop.js';
import type { Trace } from './trace.js';

/** What the physician knows of a patient (Quest.csv and the basal rate; NaN where the cohort gives none). */
export function therapySettings(patient: PopulationMember): TherapySettings {
  return {
    patient: patient.name,
    basalRateUPerMin: patient.basalRateUPerMin,
    carbRatioGPerU: patient.carbRatioGPerU ?? NaN,
    correctionFactorMgDlPerU: patient.correctionFactorMgDlPerU ?? NaN,
    bodyWeightKg: patient.bodyWeightKg,
  };
}

/** Build the scenario's controller for a patient under `seed` (options validated against the scenario file). */
export function controllerFor(scenario: Scenario, patient: PopulationMember, seed: number | string): Controller {
  return controllerEntry(scenario.controller.name, scenario.file).prepare(scenario.controller.options, scenario.file)(therapySettings(patient), seed);
}

/** A CGM or ideal sensor, or a meter for `smbg`. */
export function sensorFor(spec: SensorSpec, stream: RandomStream): Sensor {
  return spec.model === 'smbg' ? createMeter({ model: 'smbg', timesOfDayMin: spec.timesOfDayMin }, stream) : createSensor(spec, stream);
}

/**
 * The patient's model, carrying the depots of the slower preparations the
 * controller may inject (each depot adds states, so only those it uses).
 */
export function modelFor(scenario: Scenario, patient: PopulationMember): PatientModel {
  const entry = controllerEntry(scenario.controller.name, scenario.file);
  const used = entry.preparations?.(scenario.controller.options, scenario.file) ?? [];
  return patient.model(DEPOT_PREPARATIONS.filter((p) => used.includes(p)).map(depotModel));
}

/** Run one patient through a scenario under `seed` (the scenario's own unless overridden). */
export function runPatient(scenario: Scenario, patient: PopulationMember, seed: number | string, onDay?: (day: number) => void): Promise<Trace> {
  return runClosedLoop(
    {
      model: modelFor(scenario, patient),
      days: scenario.days,
      startTimeOfDayMin: scenario.startTimeOfDayMin,
      controlPeriodMin: scenario.controlPeriodMin,
      meals: planMeals(scenario, randomStream(seed, patient.name, 'meals')),
      sensor: sensorFor(scenario.sensor, randomStream(seed, patient.name, 'cgm')),
      pump: scenario.pump ? createPump(scenario.pump) : undefined,
      pen: scenario.pen ? createPen(scenario.pen) : undefined,
      controller: controllerFor(scenario, patient, seed),
    },
    onDay,
  );
}
