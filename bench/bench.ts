/**
 * `npm run bench`: simulator speed and memory, printed as one JSON object.
 *
 * - msPerPatientDay: 30 patients × 10 days of scenarios/randomised-10day.json
 *   (standard therapy, Dexcom noise, Insulet pump) on one thread, after a
 *   short warm-up; the time of the simulation itself (meal plan, devices,
 *   controller, model, trace in memory), not of writing CSV.
 * - msPerPatientDay30: the same for a 30-day scenario (cost linear in days?).
 * - patientDaysPerSecond: the 10-day cohort on worker threads, all cores.
 * - runSeconds: the whole `glucosim run` pipeline in-process with trace CSVs
 *   written (to a temporary directory), all cores.
 * - peakRssMB: peak resident memory of this process (workers included).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUvaPadovaCohort } from '../src/cohort/uvaPadova.js';
import { PROJECT_ROOT } from '../src/io/paths.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { runCohort } from '../src/sim/cohortRun.js';
import { runPatient } from '../src/sim/patientRun.js';
import { runCommand } from '../src/cli/run.js';

const scenarioFile = join(PROJECT_ROOT, 'scenarios', 'randomised-10day.json');
const scenarioJson = JSON.parse(readFileSync(scenarioFile, 'utf8')) as Record<string, unknown>;
const scenarioOfDays = (days: number): Scenario => parseScenario({ ...scenarioJson, days }, scenarioFile);
const cohort = loadUvaPadovaCohort();

async function msPerPatientDay(scenario: Scenario): Promise<number> {
  const started = performance.now();
  for (const patient of cohort) await runPatient(scenario, patient, scenario.seed);
  return (performance.now() - started) / (cohort.length * scenario.days);
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const tenDays = scenarioOfDays(10);
log('warm-up');
await msPerPatientDay(scenarioOfDays(1));
log('30 patients × 10 days, one thread');
const ms10 = await msPerPatientDay(tenDays);
log('30 patients × 30 days, one thread');
const ms30 = await msPerPatientDay(scenarioOfDays(30));
const workers = availableParallelism();
log(`30 patients × 10 days, ${workers} workers`);
const parallelStart = performance.now();
await runCohort({ scenario: tenDays, patients: cohort.map((p) => p.name), seed: tenDays.seed, workers });
const parallelSeconds = (performance.now() - parallelStart) / 1000;
log('whole run with traces written');
const dir = mkdtempSync(join(tmpdir(), 'glucosim-bench-'));
const runStart = performance.now();
await runCommand({ scenario: scenarioFile, out: join(dir, 'run'), quiet: true });
const runSeconds = (performance.now() - runStart) / 1000;
rmSync(dir, { recursive: true, force: true });

const round = (x: number, digits: number) => Number(x.toFixed(digits));
process.stdout.write(
  JSON.stringify({
    msPerPatientDay: round(ms10, 3),
    msPerPatientDay30: round(ms30, 3),
    ratio30to10: round(ms30 / ms10, 3),
    patientDaysPerSecond: round((cohort.length * tenDays.days) / parallelSeconds, 1),
    workers,
    runSeconds: round(runSeconds, 3),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
    node: process.version,
  }) + '\n',
);
