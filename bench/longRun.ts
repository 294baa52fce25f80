/**
 * One whole `glucosim run` (traces, report, all cores) in a process of its
 * own, for `npm run bench`'s long-run figures: prints `{ seconds,
 * patientDays, peakRssMB }` as JSON, where peakRssMB is this process's peak
 * resident memory (its worker threads included) and seconds the run's wall
 * time after start-up.
 *
 * Usage: node dist/bench/longRun.js <scenario.json> <out dir>
 */
import { runCommand } from '../src/cli/run.js';
import { loadScenario } from '../src/scenario/load.js';
import { loadPopulation } from '../src/cohort/population.js';
import { selectPatients } from '../src/cohort/selection.js';

const [scenarioFile, out] = process.argv.slice(2);
if (!scenarioFile || !out) throw new Error('usage: longRun.js <scenario.json> <out dir>');
const scenario = loadScenario(scenarioFile);
const patients = selectPatients(loadPopulation(scenario.patients, scenario.file), scenario.cohort, scenario.file, 'cohort');
const started = performance.now();
await runCommand({ scenario: scenarioFile, out, quiet: true });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({ seconds, patientDays: patients.length * scenario.days, peakRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n',
);
