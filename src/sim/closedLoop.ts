/**
 * The closed loop for one patient (docs/architecture.md): each control period
 * the sensor reads, the controller decides basal and bolus, the pump or pen
 * delivers and the controller is told what was given, and the patient
 * integrates minute by minute with inputs constant over each minute. At the
 * end of each scenario day the controller gets that day's record.
 *
 * The loop owns the controller's lifecycle (create → start → … → close, close
 * also when the run fails), its AbortSignal and the deadline of every
 * asynchronous call. It awaits only what a controller returns as a promise,
 * so synchronous controllers run without a single await per decision.
 */
import type { ControllerIdentity } from '../control/context.js';
import type { Controller, ControllerContext, DayRecord, Delivery, Observation } from '../control/types.js';
import type { Injection, InsulinPen, InsulinPump, InsulinRequest, Sensor } from '../devices/types.js';
import { formatTimeOfDay } from '../io/timeOfDay.js';
import { IntegratorError, type IntegratorOptions } from '../model/integrator.js';
import { DEPOT_PREPARATIONS, type PatientModel } from '../model/patientModel.js';
import { PatientSimulator } from '../model/patientSimulator.js';
import type { PlannedMeal } from '../scenario/types.js';
import { createTrace, type Trace } from './trace.js';

export const MINUTES_PER_DAY = 1440;

/** Called after each simulated day with the trace so far (filled up to the day's end). */
export type DayCallback = (day: number, trace: Trace) => void;

/** Makes the run's controller from its context (a registry entry's `create`). */
export type ControllerFactory = (context: ControllerContext) => Controller | Promise<Controller>;

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
  /**
   * The controller, or the factory that makes it: the loop calls a factory
   * inside the run, so a controller is closed whatever fails after it exists.
   */
  readonly controller: Controller | ControllerFactory;
  /** Who the controller is and for whom; the loop adds the run's timing and AbortSignal. */
  readonly context: ControllerIdentity;
  /** Deadline of each asynchronous controller call, ms (scenario `controller.timeoutMs`). */
  readonly timeoutMs: number;
  /** Cancels the run from outside (e.g. another patient of the cohort failed): the loop stops, closes the controller and rejects. */
  readonly signal?: AbortSignal;
  readonly integrator?: IntegratorOptions;
}

/** A controller call that did not settle within `controller.timeoutMs`. */
export class ControllerDeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControllerDeadlineError';
  }
}

/**
 * The patient's model could not be integrated (the integrator's step limit or a step too small, or a state
 * that is no longer finite): bad input, not a bug — patient parameters
 * outside the model's range or inputs far beyond physiology. The message
 * names the patient, the minute and the likely cause, in one line.
 */
export class ModelIntegrationError extends Error {
  constructor(patient: string, startTimeOfDayMin: number, cause: IntegratorError) {
    const minute = Math.max(0, Math.floor(cause.timeMin));
    const day = Math.floor(minute / MINUTES_PER_DAY) + 1;
    const likely = /maximum allowed steps|step size too small/.test(cause.reason) ? 'the model changes too fast for any step size' : "the model's state diverged";
    super(
      `patient ${patient} at minute ${minute} (day ${day}, ${formatTimeOfDay((startTimeOfDayMin + minute) % MINUTES_PER_DAY)}): ` +
        `the model could not be integrated (${cause.reason}); likely cause: ${likely}, from patient parameters outside the model's range ` +
        `(a cohort file of your own?) or inputs far beyond physiology`,
    );
    this.name = 'ModelIntegrationError';
  }
}

interface VisibleMeal {
  readonly id: number;
  readonly intakeMin: number;
  readonly estimatedCarbsG: number;
}

const NO_MEALS: readonly never[] = Object.freeze([]);
const NO_INJECTIONS: readonly Injection[] = Object.freeze([]);

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === 'function';
}

/**
 * The controller's asynchronous calls: each must settle within the deadline
 * and before the run is aborted. A miss aborts the run's signal (so the
 * controller can drop pending work) and rejects with a message naming the
 * controller, the patient and the minute.
 */
class ControllerCalls {
  constructor(
    private readonly context: ControllerContext,
    private readonly timeoutMs: number,
    private readonly abort: AbortController,
  ) {}

  /** Where a call happens, for messages: minute m of the run, or a lifecycle step. */
  where(minute: number): string {
    if (minute < 0) return `patient ${this.context.therapy.patient}`;
    const day = Math.floor(minute / MINUTES_PER_DAY) + 1;
    return `patient ${this.context.therapy.patient} at minute ${minute} (day ${day}, ${formatTimeOfDay((this.context.startTimeOfDayMin + minute) % MINUTES_PER_DAY)})`;
  }

  /** A call during the run: it fails on a missed deadline and when the run is aborted. */
  settle<T>(pending: Promise<T>, call: string, minute: number): Promise<T> {
    return this.race(pending, call, minute, true);
  }

  /** close(): bound by the deadline too, but it runs after an abort, so the abort does not end it. */
  settleClose(pending: Promise<void>): Promise<void> {
    return this.race(pending, 'close', -1, false);
  }

  private race<T>(pending: Promise<T>, call: string, minute: number, honourAbort: boolean): Promise<T> {
    const signal = this.abort.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error(`controller '${this.context.controller}': run aborted during ${call}`));
      };
      const done = () => {
        clearTimeout(timer);
        if (honourAbort) signal.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        if (honourAbort) signal.removeEventListener('abort', onAbort);
        const error = new ControllerDeadlineError(
          `controller '${this.context.controller}' did not answer ${call} within ${this.timeoutMs} ms (controller.timeoutMs) for ${this.where(minute)}`,
        );
        if (!signal.aborted) this.abort.abort(error);
        reject(error);
      }, this.timeoutMs);
      // A late answer after a miss or an abort settles nothing (the promise
      // above is already rejected), and a late rejection is not left unhandled.
      pending.then(
        (value) => {
          done();
          resolve(value);
        },
        (err: unknown) => {
          done();
          reject(err);
        },
      );
      if (honourAbort) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}

/**
 * Run one patient through the scenario; `onDay(day, trace)` is called after
 * each simulated day, with the trace filled up to that day's end (progress,
 * and trace files written as the run goes). The controller's daily log, if
 * any, is on the trace.
 */
export async function runClosedLoop(setup: ClosedLoopSetup, onDay?: DayCallback): Promise<Trace> {
  const abort = new AbortController();
  const external = setup.signal;
  const forward = () => abort.abort(external!.reason);
  if (external?.aborted) forward();
  else external?.addEventListener('abort', forward, { once: true });
  const context: ControllerContext = Object.freeze({
    ...setup.context,
    days: setup.days,
    startTimeOfDayMin: setup.startTimeOfDayMin,
    controlPeriodMin: setup.controlPeriodMin,
    ...(setup.sensor.timesOfDayMin ? { meterTimesOfDayMin: setup.sensor.timesOfDayMin } : {}),
    signal: abort.signal,
  });
  const calls = new ControllerCalls(context, setup.timeoutMs, abort);
  let controller: Controller | undefined;
  let pendingCreate: Promise<Controller> | undefined;
  let failure: { error: unknown } | undefined;
  try {
    abort.signal.throwIfAborted();
    if (typeof setup.controller === 'function') {
      const made = setup.controller(context);
      if (isPromise(made)) {
        pendingCreate = made;
        controller = await calls.settle(made, 'create', -1);
      } else controller = made;
    } else controller = setup.controller;
    if (controller.start) {
      const started = controller.start(context);
      if (isPromise(started)) await calls.settle(started, 'start', -1);
    }
    const trace = await simulate(setup, controller, calls, abort.signal, onDay);
    return controller.dailyLog ? { ...trace, controllerLog: controller.dailyLog() } : trace;
  } catch (error) {
    failure = { error };
    if (!abort.signal.aborted) abort.abort(error);
    throw error;
  } finally {
    external?.removeEventListener('abort', forward);
    if (controller?.close) await closeController(controller, calls, failure);
    // A controller whose create() missed its deadline (or was aborted) may
    // still arrive: close it then, so "close() always" holds for it too.
    else if (!controller && pendingCreate) {
      pendingCreate.then(
        (late) => {
          try {
            void Promise.resolve(late.close?.()).catch(() => {});
          } catch {
            // The run has already failed with its own error.
          }
        },
        () => {},
      );
    }
  }
}

/**
 * Close the controller. A close that fails (or misses its deadline) fails a
 * run that had succeeded; when the run had already failed, its own error is
 * the one reported.
 */
async function closeController(controller: Controller, calls: ControllerCalls, failure: { error: unknown } | undefined): Promise<void> {
  try {
    const closed = controller.close!();
    // The deadline still applies after an abort: close() must release what it holds promptly.
    if (isPromise(closed)) await calls.settleClose(closed);
  } catch (error) {
    if (!failure) throw error;
  }
}

async function simulate(
  setup: ClosedLoopSetup,
  controller: Controller,
  calls: ControllerCalls,
  signal: AbortSignal,
  onDay: DayCallback | undefined,
): Promise<Trace> {
  const { model, days, startTimeOfDayMin, controlPeriodMin, meals, sensor, pump, pen } = setup;
  const minutes = days * MINUTES_PER_DAY;
  const trace = createTrace(model.name, minutes, startTimeOfDayMin);
  const patient = new PatientSimulator(model, minutes, setup.integrator);

  // Announcements in time order (a meal announced before the run is announced at minute 0).
  const byAnnouncement = meals.map((_, i) => i).sort((a, b) => meals[a].announceMin - meals[b].announceMin);
  let nextAnnouncement = 0;
  let nextIntake = 0;
  const visible: VisibleMeal[] = [];
  let glucoseMgDl = NaN;
  let glucoseTimeMin = -1;

  // Cancelled from outside (another patient failed, the user stopped the
  // run): a flag set by the signal, read once per control period (a plain
  // local read; the AbortSignal getter costs more in this loop).
  let aborted = signal.aborted;
  signal.addEventListener('abort', () => (aborted = true), { once: true });

  let basalUPerMin = 0;
  // Injections into the slower preparations' depots: one minute of infusion.
  const depotUPerMin = new Float64Array(DEPOT_PREPARATIONS.length);
  let depotsActive = false;
  try {
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
        visible.push({ id, intakeMin: meal.startMin, estimatedCarbsG: meal.estimatedCarbsG });
      }

      const bg = patient.bloodGlucoseAt(m);
      trace.bgMgDl[m] = bg;
      if (sensor.samplesAt(m, (startTimeOfDayMin + m) % MINUTES_PER_DAY)) {
        const reading = sensor.read(bg, m);
        trace.cgmMgDl[m] = reading;
        glucoseMgDl = reading;
        glucoseTimeMin = m;
      }

      let insulinUPerMin = basalUPerMin;
      if (m % controlPeriodMin === 0) {
        if (aborted) throw signal.reason;
        // Meals whose intake began before the previous control instant are past.
        for (let i = visible.length - 1; i >= 0; i--) if (visible[i].intakeMin <= m - controlPeriodMin) visible.splice(i, 1);
        // A new snapshot each period, never touched again by the loop: a
        // controller may keep what it was shown. (Not frozen: freezing cost ~2 %
        // of a run, and a controller's own copy is nobody else's.)
        const observation: Observation = {
          timeMin: m,
          day: Math.floor(m / MINUTES_PER_DAY) + 1,
          timeOfDayMin: (startTimeOfDayMin + m) % MINUTES_PER_DAY,
          glucoseMgDl,
          glucoseTimeMin,
          announcedMeals:
            visible.length === 0
              ? NO_MEALS
              : visible.map((v) => ({ id: v.id, intakeMin: v.intakeMin, estimatedCarbsG: v.estimatedCarbsG, leadMin: v.intakeMin - m })),
          controlPeriodMin,
        };
        const decision = controller.decide(observation);
        const request = isPromise(decision) ? await calls.settle(decision, 'decide', m) : decision;
        const delivered = deliverPump(pump, request, m);
        basalUPerMin = delivered.basalUPerMin;
        trace.bolusU[m] = delivered.bolusU;
        // The bolus goes in within the first minute of the period.
        insulinUPerMin = basalUPerMin + delivered.bolusU;
        let injected = NO_INJECTIONS;
        if (request.injections && request.injections.length > 0) {
          if (!pen) throw new Error(`minute ${m}: the controller asked for injections, but the scenario has no pen`);
          injected = pen.inject(request.injections);
          for (const injection of injected) {
            trace.injectionsU[injection.preparation][m] += injection.units;
            if (injection.preparation === 'rapid') insulinUPerMin += injection.units;
            else {
              depotUPerMin[DEPOT_PREPARATIONS.indexOf(injection.preparation)] += injection.units;
              depotsActive = true;
            }
          }
        }
        if (controller.delivered) {
          const delivery: Delivery = { timeMin: m, basalUPerMin, bolusU: delivered.bolusU, injections: injected };
          const told = controller.delivered(delivery);
          if (isPromise(told)) await calls.settle(told, 'delivered', m);
        }
      }
      trace.basalUPerMin[m] = basalUPerMin;
      // Known changes end an integration stretch exactly: the end of a bolus
      // minute and the next meal. (Ending it at every control instant instead
      // would restart the integrator 288 times a day for nothing when the dose is unchanged.)
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
          const done = controller.endOfDay(dayRecord(trace, day, m + 1 - MINUTES_PER_DAY, m + 1));
          if (isPromise(done)) await calls.settle(done, 'endOfDay', m);
        }
        onDay?.(day, trace);
      }
    }
  } catch (err) {
    if (err instanceof IntegratorError) throw new ModelIntegrationError(model.name, startTimeOfDayMin, err);
    throw err;
  }
  return trace;
}

/** The day's record: views into the trace (the controller copies what it keeps). */
function dayRecord(trace: Trace, day: number, from: number, to: number): DayRecord {
  return {
    day,
    startMin: from,
    glucoseMgDl: trace.cgmMgDl.subarray(from, to),
    basalUPerMin: trace.basalUPerMin.subarray(from, to),
    bolusU: trace.bolusU.subarray(from, to),
    carbsEstimatedG: trace.carbsEstimatedG.subarray(from, to),
    injectionsU: {
      rapid: trace.injectionsU.rapid.subarray(from, to),
      regular: trace.injectionsU.regular.subarray(from, to),
      nph: trace.injectionsU.nph.subarray(from, to),
      long: trace.injectionsU.long.subarray(from, to),
    },
  };
}

/** Basal and bolus through the pump; asking for them without one is a scenario error. */
function deliverPump(pump: InsulinPump | undefined, request: InsulinRequest, minute: number): InsulinRequest {
  if (pump) return pump.deliver({ basalUPerMin: request.basalUPerMin, bolusU: request.bolusU });
  if (request.basalUPerMin !== 0 || request.bolusU !== 0) {
    throw new Error(`minute ${minute}: the controller asked for pump insulin (basal ${request.basalUPerMin} U/min, bolus ${request.bolusU} U), but the scenario has no pump`);
  }
  return { basalUPerMin: 0, bolusU: 0 };
}
