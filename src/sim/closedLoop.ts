/**
 * The closed loop for one patient (ARCHITECTURE.md): each control period the
 * sensor reads, the controller decides basal and bolus, the pump delivers, and
 * the patient integrates minute by minute with inputs constant over each
 * minute. At the end of each scenario day the controller gets that day's record.
 */
import type { Controller, DayRecord, Observation } from '../control/types.js';
import type { InsulinPen, InsulinPump, InsulinRequest, Sensor } from '../devices/types.js';
import type { IntegratorOptions } from '../model/integrator.js';
import { DEPOT_PREPARATIONS, type PatientModel } from '../model/patientModel.js';
import type { PlannedMeal } from '../scenario/types.js';
import { PatientSimulator } from '../model/patientSimulator.js';
import { createTrace, type Trace } from './trace.js';

export const MINUTES_PER_DAY = 1440;

export interface ClosedLoopSetup {
  readonly model: PatientModel;
  readonly days: number;
  readonly startTimeOfDayMin: number;
  readonly controlPeriodMin: number;
  /** Meals sorted by start time. */
  readonly meals: readonly PlannedMeal[];
  readonly sensor: Sensor;
  /** Basal and boluses go through the pump, injections through the pen; a scenario has one or both. */
  readonly pump?: InsulinPump;
  readonly pen?: InsulinPen;
  readonly controller: Controller;
  readonly integrator?: IntegratorOptions;
}

interface MutableAnnouncedMeal {
  id: number;
  intakeMin: number;
  estimatedCarbsG: number;
  leadMin: number;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === 'function';
}

/** Basal and bolus through the pump; asking for them without one is a scenario error. */
function deliverPump(pump: InsulinPump | undefined, request: InsulinRequest, minute: number): InsulinRequest {
  if (pump) return pump.deliver({ basalUPerMin: request.basalUPerMin, bolusU: request.bolusU });
  if (request.basalUPerMin > 0 || request.bolusU > 0) {
    throw new Error(`minute ${minute}: the controller asked for pump insulin, but the scenario has no pump`);
  }
  return { basalUPerMin: 0, bolusU: 0 };
}

/** Run one patient through the scenario; `onDay(day)` reports progress. The controller's daily log, if any, is on the trace. */
export async function runClosedLoop(setup: ClosedLoopSetup, onDay?: (day: number) => void): Promise<Trace> {
  const { model, days, startTimeOfDayMin, controlPeriodMin, meals, sensor, pump, pen, controller } = setup;
  const minutes = days * MINUTES_PER_DAY;
  const trace = createTrace(model.name, minutes, startTimeOfDayMin);
  const patient = new PatientSimulator(model, minutes, setup.integrator);

  // Announcements in time order (a meal announced before the run is announced at minute 0).
  const byAnnouncement = meals.map((_, i) => i).sort((a, b) => meals[a].announceMin - meals[b].announceMin);
  let nextAnnouncement = 0;
  let nextIntake = 0;
  const visible: MutableAnnouncedMeal[] = [];
  const observation = {
    timeMin: 0,
    day: 1,
    timeOfDayMin: startTimeOfDayMin,
    glucoseMgDl: NaN,
    glucoseTimeMin: -1,
    announcedMeals: visible as readonly MutableAnnouncedMeal[],
    controlPeriodMin,
  } satisfies Observation;

  let basalUPerMin = 0;
  // Injections into the slower preparations' depots: one minute of infusion.
  const depotUPerMin = new Float64Array(DEPOT_PREPARATIONS.length);
  let depotsActive = false;
  for (let m = 0; m < minutes; m++) {
    while (nextIntake < meals.length && meals[nextIntake].startMin <= m) {
      const meal = meals[nextIntake++];
      if (meal.startMin === m) patient.eat(meal.carbsG, meal.carbsG / meal.durationMin);
    }
    while (nextAnnouncement < byAnnouncement.length && meals[byAnnouncement[nextAnnouncement]].announceMin <= m) {
      const id = byAnnouncement[nextAnnouncement++];
      const meal = meals[id];
      trace.carbsAnnouncedG[m] += meal.carbsG;
      trace.carbsEstimatedG[m] += meal.estimatedCarbsG;
      visible.push({ id, intakeMin: meal.startMin, estimatedCarbsG: meal.estimatedCarbsG, leadMin: 0 });
    }

    const bg = patient.bloodGlucoseAt(m);
    trace.bgMgDl[m] = bg;
    if (sensor.samplesAt(m, (startTimeOfDayMin + m) % MINUTES_PER_DAY)) {
      const reading = sensor.read(bg, m);
      trace.cgmMgDl[m] = reading;
      observation.glucoseMgDl = reading;
      observation.glucoseTimeMin = m;
    }

    let insulinUPerMin = basalUPerMin;
    if (m % controlPeriodMin === 0) {
      // Meals whose intake began before the previous control instant are past.
      for (let i = visible.length - 1; i >= 0; i--) if (visible[i].intakeMin <= m - controlPeriodMin) visible.splice(i, 1);
      for (const meal of visible) meal.leadMin = meal.intakeMin - m;
      observation.timeMin = m;
      observation.day = Math.floor(m / MINUTES_PER_DAY) + 1;
      observation.timeOfDayMin = (startTimeOfDayMin + m) % MINUTES_PER_DAY;
      const decision = controller.decide(observation);
      const request = isPromise(decision) ? await decision : decision;
      const delivered = deliverPump(pump, request, m);
      basalUPerMin = delivered.basalUPerMin;
      trace.bolusU[m] = delivered.bolusU;
      // The bolus goes in within the first minute of the period.
      insulinUPerMin = basalUPerMin + delivered.bolusU;
      if (request.injections && request.injections.length > 0) {
        if (!pen) throw new Error(`minute ${m}: the controller asked for injections, but the scenario has no pen`);
        for (const injection of pen.inject(request.injections)) {
          trace.injectionsU[injection.preparation][m] += injection.units;
          if (injection.preparation === 'rapid') insulinUPerMin += injection.units;
          else {
            depotUPerMin[DEPOT_PREPARATIONS.indexOf(injection.preparation)] += injection.units;
            depotsActive = true;
          }
        }
      }
    }
    trace.basalUPerMin[m] = basalUPerMin;
    // Known changes end an integration stretch exactly: the end of a bolus
    // minute and the next meal. (Ending it at every control instant instead
    // would restart odex 288 times a day for nothing when the dose is unchanged.)
    let holdUntil = nextIntake < meals.length ? meals[nextIntake].startMin : minutes;
    if (insulinUPerMin !== basalUPerMin || depotsActive) holdUntil = m + 1;
    trace.carbsEatenG[m] = patient.beginMinute(m, insulinUPerMin, holdUntil, depotUPerMin);
    if (depotsActive) {
      depotUPerMin.fill(0);
      depotsActive = false;
    }

    if ((m + 1) % MINUTES_PER_DAY === 0) {
      const day = (m + 1) / MINUTES_PER_DAY;
      if (controller.endOfDay) {
        const from = m + 1 - MINUTES_PER_DAY;
        const record: DayRecord = {
          day,
          startMin: from,
          glucoseMgDl: trace.cgmMgDl.subarray(from, m + 1),
          basalUPerMin: trace.basalUPerMin.subarray(from, m + 1),
          bolusU: trace.bolusU.subarray(from, m + 1),
          carbsEstimatedG: trace.carbsEstimatedG.subarray(from, m + 1),
          injectionsU: {
            rapid: trace.injectionsU.rapid.subarray(from, m + 1),
            regular: trace.injectionsU.regular.subarray(from, m + 1),
            nph: trace.injectionsU.nph.subarray(from, m + 1),
            long: trace.injectionsU.long.subarray(from, m + 1),
          },
        };
        const done = controller.endOfDay(record);
        if (isPromise(done)) await done;
      }
      onDay?.(day);
    }
  }
  return controller.dailyLog ? { ...trace, controllerLog: controller.dailyLog() } : trace;
}
