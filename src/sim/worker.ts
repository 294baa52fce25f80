/**
 * Worker thread of a cohort run: receives patient names, runs each through
 * the scenario, writes its trace CSV into the run's (temporary) directory and
 * reports the summary (and, for reports, the trace itself) back.
 * Progress is reported per simulated day.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPopulation } from '../cohort/population.js';
import type { Scenario } from '../scenario/types.js';
import { runPatient } from './patientRun.js';
import { summariseTrace, traceBuffers, traceToCsv } from './trace.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');
const setup = workerData as WorkerSetup;
const scenario: Scenario = setup.scenario;
const cohort = new Map(loadPopulation(scenario.patients, scenario.file).map((p) => [p.name, p]));

function send(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port!.postMessage(message, transfer);
}

port.on('message', async (request: ToWorker) => {
  if (request.type === 'stop') {
    port.close();
    return;
  }
  const patient = cohort.get(request.patient);
  try {
    if (!patient) throw new Error(`unknown patient '${request.patient}'`);
    const trace = await runPatient(scenario, patient, setup.seed, (day) => send({ type: 'day', patient: patient.name, day }));
    if (setup.tracesDir) writeFileSync(join(setup.tracesDir, `${patient.name}.csv`), traceToCsv(trace));
    const summary = summariseTrace(trace);
    if (setup.returnTraces) send({ type: 'done', patient: patient.name, result: { summary, trace } }, traceBuffers(trace));
    else send({ type: 'done', patient: patient.name, result: { summary } });
  } catch (err) {
    send({ type: 'error', patient: request.patient, message: err instanceof Error ? err.message : String(err) });
  }
});
