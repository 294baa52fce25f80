/**
 * Half of a scenario's cohort (every other patient: `0` the even ones, `1`
 * the odd) simulated on this process's main thread, for bench/speed.ts's
 * measure of what two independent processes gain on this machine.
 *
 * Usage: node dist/bench/halfCohort.js <scenario.json> <0|1>
 */
import { loadPopulation } from '../src/cohort/population.js';
import { loadScenario } from '../src/scenario/load.js';
import { runJobs } from '../src/sim/cohortRun.js';

const [file, which] = process.argv.slice(2);
if (!file || (which !== '0' && which !== '1')) throw new Error('usage: halfCohort.js <scenario.json> <0|1>');
const scenario = loadScenario(file);
const half = loadPopulation(scenario.patients, scenario.file).filter((_, i) => i % 2 === Number(which));
await runJobs({ scenarios: [scenario], jobs: half.map((p) => ({ scenario: 0, patient: p.name, seed: scenario.seed })), workers: 1, inThread: true });
