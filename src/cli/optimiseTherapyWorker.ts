/**
 * Worker thread of `glucosim optimise-therapy` (src/cli/optimiseTherapyPool.ts):
 * loads the S2008 cohort once, then for each patient it is sent runs the
 * search of src/sim/therapyOptimisation.ts, scoring each standard day with
 * src/metrics/risk.ts's LBGI and HBGI, and reports every standard day
 * simulated (progress) and the optimum.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_POPULATION, loadPopulation } from '../cohort/population.js';
import { bgIndicesOf } from '../metrics/risk.js';
import { JobFailure } from '../sim/jobRunner.js';
import { optimiseTherapy } from '../sim/therapyOptimisation.js';
import type { FromOptimiser, OptimiserSetup, ToOptimiser } from './optimiseTherapyPool.js';

const port = parentPort;
if (!port) throw new Error('optimiseTherapyWorker.js must run as a worker thread');
const setup = workerData as OptimiserSetup;
// Not the optimised therapy itself: this is what makes it, whatever the file now holds.
const members = new Map(loadPopulation(DEFAULT_POPULATION, DEFAULT_POPULATION, '', { optimisedTherapy: false }).map((p) => [p.name, p]));

function send(message: FromOptimiser): void {
  port!.postMessage(message);
}

port.on('message', async (request: ToOptimiser) => {
  const { job, patient } = request;
  try {
    const member = members.get(patient);
    if (!member) throw new Error(`unknown patient '${patient}'`);
    const optimum = await optimiseTherapy(member, { day: setup.day, grid: setup.grid, riskOf: bgIndicesOf, onEvaluation: () => send({ type: 'evaluation', job }) });
    send({ type: 'done', job, optimum });
  } catch (err) {
    // A model that cannot be integrated, or a file that cannot be read, is the user's to fix (exit 2), as in a run.
    const failure = JobFailure.of(patient, err);
    send({ type: 'error', job, patient, message: failure.message, userFixable: failure.userFixable });
  }
});
