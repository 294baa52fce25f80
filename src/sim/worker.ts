/**
 * Worker thread of a cohort run: receives patient names, runs each through
 * the scenario, writes its trace CSV into the run's (temporary) directory and
 * reports the summary back. Progress is reported per simulated day.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadUvaPadovaCohort } from '../cohort/uvaPadova.js';
import type { Scenario } from '../scenario/types.js';
import { runPatient } from './patientRun.js';
import { summariseTrace, traceToCsv } from './trace.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');
const setup = workerData as WorkerSetup;
const scenario: Scenario = setup.scenario;
const cohort = new Map(loadUvaPadovaCohort().map((p) => [p.name, p]));

function send(message: FromWorker): void {
  port!.postMessage(message);
}

port.on('message', async (message: ToWorker) => {
  if (message.type === 'stop') {
    port.close();
    return;
  }
  const patient = cohort.get(message.patient);
  try {
    if (!patient) throw new Error(`unknown patient '${message.patient}'`);
    const trace = await runPatient(scenario, patient, setup.seed, (day) => send({ type: 'day', patient: patient.name, day }));
    if (setup.tracesDir) writeFileSync(join(setup.tracesDir, `${patient.name}.csv`), traceToCsv(trace));
    send({ type: 'done', patient: patient.name, summary: summariseTrace(trace) });
  } catch (err) {
    send({ type: 'error', patient: message.patient, message: err instanceof Error ? err.message : String(err) });
  }
});
