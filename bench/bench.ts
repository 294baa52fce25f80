/**
 * `npm run bench`: simulator speed and memory, printed as one JSON object.
 *
 * - msPerPatientDay: 30 patients × 10 days of scenarios/randomised-10day.json
 *   (standard therapy, Dexcom noise, Insulet pump) on one thread, after a
 *   short warm-up; the time of the simulation itself (meal plan, devices,
 *   controller, model, trace in memory), not of writing CSV.
 * - msPerPatientDay30: the same for a 30-day scenario (cost linear in days?).
 * - msPerPatientDayT2dm: 30 subjects of patients/t2dm-100.json × 14 days of
 *   scenarios/t2dm-smbg-14day.json (SMBG, NPH + regular by pen), one thread,
 *   and t2dmToT1dRatio its cost per patient-day over the T1D figure.
 * - patientDaysPerSecond: the 10-day cohort on worker threads, all cores.
 * - runSeconds: the whole `glucosim run` pipeline in-process with trace CSVs
 *   and the report written (to a temporary directory), all cores;
 *   runSecondsWithoutReport the same with --no-report, and
 *   reportOverheadPercent what metrics, CVGA, plots and report.html add.
 * - metricsSecondsOneThread: every metric, CVGA point and daily index of the
 *   30 ten-day traces on one thread (warm), and metricsOverheadPercent that
 *   time as a share of the run without report.
 * - acExperimentSeconds: the whole shipped actor-critic experiment
 *   (experiments/ac-initialisation.json), all cores.
 * - peakRssMB: peak resident memory of this process (workers included).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPopulation } from '../src/cohort/population.js';
import { PROJECT_ROOT } from '../src/io/paths.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { runCohort } from '../src/sim/cohortRun.js';
import { runPatient } from '../src/sim/patientRun.js';
import { runCommand } from '../src/cli/run.js';
import { experimentCommand } from '../src/cli/experiment.js';
import { computeMetrics } from '../src/metrics/index.js';
import { cvgaPoint } from '../src/metrics/cvga.js';
import { bloodGlucoseSeries, dailyIndices } from '../src/report/patientAnalysis.js';
import type { Trace } from '../src/sim/trace.js';

const scenarioFile = join(PROJECT_ROOT, 'scenarios', 'randomised-10day.json');
const scenarioJson = JSON.parse(readFileSync(scenarioFile, 'utf8')) as Record<string, unknown>;
const scenarioOfDays = (days: number): Scenario => parseScenario({ ...scenarioJson, days }, scenarioFile);
const cohort = loadPopulation('uva-padova-s2008', 'bench');

const traces: Trace[] = [];

async function msPerPatientDay(scenario: Scenario, keep = false): Promise<number> {
  traces.length = 0;
  const started = performance.now();
  for (const patient of cohort) {
    const trace = await runPatient(scenario, patient, scenario.seed);
    if (keep) traces.push(trace);
  }
  return (performance.now() - started) / (cohort.length * scenario.days);
}

/** One thread: seconds to compute every metric, the CVGA point and the daily indices of the kept traces. */
function metricsSeconds(): number {
  const started = performance.now();
  for (const trace of traces) {
    const series = bloodGlucoseSeries(trace, { fromDay: 1, toDay: tenDays.days });
    computeMetrics(series);
    cvgaPoint(series.glucoseMgDl);
    dailyIndices(trace);
  }
  return (performance.now() - started) / 1000;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const tenDays = scenarioOfDays(10);
log('warm-up');
await msPerPatientDay(scenarioOfDays(1));
log('30 patients × 10 days, one thread');
const ms10 = await msPerPatientDay(tenDays, true);
log('metrics of those 30 traces, one thread');
metricsSeconds();
const metricsTime = metricsSeconds();
log('30 patients × 30 days, one thread');
const ms30 = await msPerPatientDay(scenarioOfDays(30));
// T2DM: the shipped SMBG/MDI scenario on 30 subjects of the generated cohort, one thread.
const t2dmFile = join(PROJECT_ROOT, 'scenarios', 't2dm-smbg-14day.json');
const t2dmScenario = parseScenario(JSON.parse(readFileSync(t2dmFile, 'utf8')), t2dmFile);
const t2dmCohort = loadPopulation(t2dmScenario.patients, t2dmFile).slice(0, 30);
log('30 T2DM patients × 14 days (SMBG, NPH + regular by pen), one thread');
for (const patient of t2dmCohort.slice(0, 5)) await runPatient(t2dmScenario, patient, t2dmScenario.seed);
const t2dmStart = performance.now();
for (const patient of t2dmCohort) await runPatient(t2dmScenario, patient, t2dmScenario.seed);
const msT2dm = (performance.now() - t2dmStart) / (t2dmCohort.length * t2dmScenario.days);

const workers = availableParallelism();
log(`30 patients × 10 days, ${workers} workers`);
const parallelStart = performance.now();
await runCohort({ scenario: tenDays, patients: cohort.map((p) => p.name), seed: tenDays.seed, workers });
const parallelSeconds = (performance.now() - parallelStart) / 1000;
// Whole runs as `glucosim run` does them (traces written), without and with
// the report (metrics, CVGA, plots, report.html); best of three each, since
// a single run of ~1 s is at the mercy of the machine's other work.
async function runSeconds(report: boolean): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'glucosim-bench-'));
    const started = performance.now();
    await runCommand({ scenario: scenarioFile, out: join(dir, 'run'), quiet: true, report });
    best = Math.min(best, (performance.now() - started) / 1000);
    rmSync(dir, { recursive: true, force: true });
  }
  return best;
}
log('whole run with traces written, without report');
const runBare = await runSeconds(false);
log('whole run with traces written, with report');
const runReported = await runSeconds(true);

// The actor-critic study as shipped: 4 arms × 5 seeds × 30 patients × 11 days, all cores.
log('experiments/ac-initialisation.json (4 arms × 5 seeds × 30 patients × 11 days)');
const experimentDir = mkdtempSync(join(tmpdir(), 'glucosim-bench-'));
const experimentStart = performance.now();
await experimentCommand({ file: join(PROJECT_ROOT, 'experiments', 'ac-initialisation.json'), out: join(experimentDir, 'e'), quiet: true });
const experimentSeconds = (performance.now() - experimentStart) / 1000;
rmSync(experimentDir, { recursive: true, force: true });

const round = (x: number, digits: number) => Number(x.toFixed(digits));
process.stdout.write(
  JSON.stringify({
    msPerPatientDay: round(ms10, 3),
    msPerPatientDay30: round(ms30, 3),
    ratio30to10: round(ms30 / ms10, 3),
    msPerPatientDayT2dm: round(msT2dm, 3),
    t2dmToT1dRatio: round(msT2dm / ms10, 3),
    patientDaysPerSecond: round((cohort.length * tenDays.days) / parallelSeconds, 1),
    workers,
    runSeconds: round(runReported, 3),
    runSecondsWithoutReport: round(runBare, 3),
    reportOverheadPercent: round((100 * (runReported - runBare)) / runBare, 1),
    metricsSecondsOneThread: round(metricsTime, 3),
    metricsOverheadPercent: round((100 * metricsTime) / runBare, 1),
    acExperimentSeconds: round(experimentSeconds, 2),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
    node: process.version,
  }) + '\n',
);
