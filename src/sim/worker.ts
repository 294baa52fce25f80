/**
 * Worker thread of a pool of simulation jobs: receives (scenario, patient,
 * seed) jobs, runs each (several at once when the pool asks: their
 * asynchronous controllers' waits overlap), writes its trace CSV into the
 * run's (temporary) directory when asked and reports the summary (and, when
 * asked, the trace itself) back. Progress is reported per simulated day.
 * The pool ends the worker once its last job has reported, so a controller
 * that leaves a handle open (after close()) cannot keep it alive.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPopulation, type PopulationMember } from '../cohort/population.js';
import { BUILT_IN_CONTROLLERS, type ControllerRegistry, loadControllerModules } from '../control/registry.js';
import { runPatient } from './patientRun.js';
import { isFileSystemRefusal } from '../io/errors.js';
import { MINUTES_PER_DAY, ModelIntegrationError } from './closedLoop.js';
import { summariseTrace, TraceCsvFile, traceBuffers } from './trace.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');
const setup = workerData as WorkerSetup;
/** Populations by name, loaded once each. */
const populations = new Map<string, Map<string, PopulationMember>>();
const registry: Promise<ControllerRegistry> = setup.controllerModules?.length
  ? loadControllerModules(setup.controllerModules).then((entries) => BUILT_IN_CONTROLLERS.with(entries))
  : Promise.resolve(BUILT_IN_CONTROLLERS);
/** The jobs running now, to abort them when the pool says so. */
const running = new Map<number, AbortController>();

function member(population: string, file: string, name: string): PopulationMember | undefined {
  let members = populations.get(population);
  if (!members) {
    members = new Map(loadPopulation(population, file).map((p) => [p.name, p]));
    populations.set(population, members);
  }
  return members.get(name);
}

function send(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port!.postMessage(message, transfer);
}

port.on('message', async (request: ToWorker) => {
  if (request.type === 'abort') {
    for (const abort of running.values()) abort.abort(new Error(request.reason));
    return;
  }
  const { job, spec } = request;
  const abort = new AbortController();
  running.set(job, abort);
  let csv: TraceCsvFile | undefined;
  try {
    const scenario = setup.scenarios[spec.scenario];
    const patient = member(scenario.patients, scenario.file, spec.patient);
    if (!patient) throw new Error(`unknown patient '${spec.patient}'`);
    // The main thread loaded these scenarios, checking each controller's options against its schema.
    const options = { registry: await registry, signal: abort.signal, optionsValidated: true };
    // The trace file grows day by day as the patient is simulated (bounded memory for long runs).
    csv = setup.tracesDir ? new TraceCsvFile(join(setup.tracesDir, `${patient.name}.csv`)) : undefined;
    const trace = await runPatient(
      scenario,
      patient,
      spec.seed,
      (day, partial) => {
        csv?.append(partial, day * MINUTES_PER_DAY);
        send({ type: 'day', job, day });
      },
      options,
    );
    csv?.append(trace, trace.minutes);
    csv?.close();
    const summary = summariseTrace(trace);
    if (setup.returnTraces) send({ type: 'done', job, result: { summary, trace } }, traceBuffers(trace));
    else send({ type: 'done', job, result: { summary } });
  } catch (err) {
    send({ type: 'error', job, patient: spec.patient, message: err instanceof Error ? err.message : String(err), userFixable: err instanceof ModelIntegrationError || isFileSystemRefusal(err) });
  } finally {
    csv?.close();
    running.delete(job);
  }
});
