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
 * - mdpValueIterationMs: value iteration (Gauss–Seidel, per-day γ = 0.9) to
 *   ‖V − V*‖∞ ≤ 1e-6 on a 230-level × 5-slot × 64-action MDP whose every
 *   (state, action) pair has 8 successors (best of 5), with
 *   mdpValueIterationSweeps and mdpCompileMs (counts → typed rows).
 * - msPerPatientDayMdp / msPerPatientDayMdi: scenarios/t2dm-mdp-60day.json on
 *   all 100 patients of patients/t2dm-100.json, all cores, under the mdp
 *   controller and under its physician's regimen alone (multiple daily
 *   injections); best of three alternating runs each, and mdpToMdiRatio.
 *   The MDP's cost includes the physics of its extra injections (each one
 *   restarts the integrator), not only the controller's.
 * - peakRssMB: peak resident memory of this process (workers included).
 * - longRunPeakRssMB, longRunMsPerPatientDay: a whole `glucosim run` of 30
 *   patients × 365 days (randomised-10day.json's protocol; traces and report
 *   written, all cores) in a process of its own (bench/longRun.ts): its
 *   peak resident memory and wall time per patient-day after start-up;
 *   shortRunMsPerPatientDay the same for the 10-day scenario, and
 *   longToShortRatio the cost per patient-day of the long run over it
 *   (issue #11: memory under 1 GB, cost within 15 %).
 * - maxDaysPeakRssMB: the same for two patients (adult#001, adult#002) at
 *   the 3650-day limit, one per worker: what a trace of the longest run costs.
 * - issue #17's speed figures (bench/speed.ts): RHS evaluations and
 *   simulation time per patient-day against their floor, whole-process
 *   times of `--version`, 1 × 1, 30 × 10/30/100 runs with 1 and 2 workers,
 *   and the trace and report shares.
 * - slurm…: 30 patients × 200 days as one `glucosim run` and as 4 shards
 *   and a merge on a local one-node Slurm (bench/slurm.ts): both wall times,
 *   Slurm's scheduling delay and the ratio; slurmSkipped where no local
 *   Slurm can start (not root, no slurm-wlm/munge).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { type MdpDefinition, newCounts, stateRewards, unknownStateValues } from '../src/control/mdp/model.js';
import { compileMdp, valueIteration } from '../src/control/mdp/valueIteration.js';
import { transitionDiscount } from '../src/control/mdp/reward.js';
import { stateSlot } from '../src/control/mdp/space.js';
import { randomStream } from '../src/random/streams.js';
import { slurmBench } from './slurm.js';
import { speedBench } from './speed.js';

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

// The actor-critic study as shipped: 8 arms × 5 seeds × 30 patients × 13 days (3-day run-in), all cores.
log('experiments/ac-initialisation.json (8 arms × 5 seeds × 30 patients × 13 days)');
const experimentDir = mkdtempSync(join(tmpdir(), 'glucosim-bench-'));
const experimentStart = performance.now();
await experimentCommand({ file: join(PROJECT_ROOT, 'experiments', 'ac-initialisation.json'), out: join(experimentDir, 'e'), quiet: true });
const experimentSeconds = (performance.now() - experimentStart) / 1000;
rmSync(experimentDir, { recursive: true, force: true });

// Value iteration at the size of the paper's axis (70–300 mg/dL, BFC = 1: 230 levels), 5 slots, 4 × 4 × 4 doses.
log('MDP value iteration, 230 levels × 5 slots × 64 actions');
const mdp: MdpDefinition = {
  space: { glucose: { minMgDl: 70, maxMgDl: 300, bfcMgDl: 1 }, slots: { names: ['m', 'n', 'a', 'e', 'ni'], timesOfDayMin: [420, 720, 960, 1140, 1320] } },
  actions: { regular: [0, 4, 8, 12], nph: [0, 8, 16, 24], long: [0, 10, 20, 30] },
  reward: { targetMgDl: 110, hypoLevels: 10 },
  discount: { gamma: 0.9, per: 'day' },
  minVisits: 1,
  tolerance: 1e-6,
};
const mdpCounts = newCounts(mdp);
const mdpRng = randomStream(1, 'bench', 'mdp');
for (let slot = 0; slot < 5; slot++) {
  for (let level = 0; level < 230; level++) {
    for (let a = 0; a < 64; a++) {
      // Successors in the next slot, near a level that more insulin lowers.
      for (let k = 0; k < 8; k++) {
        const to = Math.min(229, Math.max(0, level - a + Math.round((mdpRng.uniform() - 0.5) * 80)));
        mdpCounts.add(slot * 230 + level, a, ((slot + 1) % 5) * 230 + to, 1 + mdpRng.integerIn(0, 4));
      }
    }
  }
}
let compileMs = Infinity;
let viMs = Infinity;
let viSweeps = 0;
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const model = compileMdp(mdpCounts, {
    reward: stateRewards(mdp),
    unknownValue: unknownStateValues(mdp),
    discount: (s, n) => transitionDiscount(mdp.discount, stateSlot(mdp.space, s), stateSlot(mdp.space, n)),
  });
  const t1 = performance.now();
  const vi = valueIteration(model, { gamma: 0.9, tolerance: 1e-6 });
  const t2 = performance.now();
  if (!vi.converged) throw new Error('bench: value iteration did not converge');
  compileMs = Math.min(compileMs, t1 - t0);
  viMs = Math.min(viMs, t2 - t1);
  viSweeps = vi.sweeps;
}

// The 60-day MDP scenario on the whole T2DM cohort against its physician's regimen alone.
const mdpFile = join(PROJECT_ROOT, 'scenarios', 't2dm-mdp-60day.json');
const mdpJson = JSON.parse(readFileSync(mdpFile, 'utf8')) as { controller: { options: { physicianRegimen: unknown } } };
const mdpScenario = parseScenario(mdpJson, mdpFile);
const mdiScenario = parseScenario({ ...mdpJson, controller: { name: 'multiple-daily-injections', options: mdpJson.controller.options.physicianRegimen } }, mdpFile);
const t2dmAll = loadPopulation(mdpScenario.patients, mdpFile).map((p) => p.name);
async function cohortMsPerPatientDay(scenario: Scenario): Promise<number> {
  const started = performance.now();
  await runCohort({ scenario, patients: t2dmAll, seed: scenario.seed, workers });
  return (performance.now() - started) / (t2dmAll.length * scenario.days);
}
let msMdp = Infinity;
let msMdi = Infinity;
for (let i = 0; i < 3; i++) {
  log(`t2dm-mdp-60day, 100 patients, ${workers} workers: MDI, then MDP (${i + 1} of 3)`);
  msMdi = Math.min(msMdi, await cohortMsPerPatientDay(mdiScenario));
  msMdp = Math.min(msMdp, await cohortMsPerPatientDay(mdpScenario));
}

// Long runs in bounded memory: a whole run in a fresh process, so its peak RSS is its own.
interface LongRun {
  readonly seconds: number;
  readonly patientDays: number;
  readonly peakRssMB: number;
}
function wholeRun(days: number, cohort = 'all'): LongRun {
  const dir = mkdtempSync(join(tmpdir(), 'glucosim-bench-long-'));
  try {
    const file = join(dir, `randomised-${days}day.json`);
    writeFileSync(file, JSON.stringify({ ...scenarioJson, name: `randomised-${days}day`, days, cohort }));
    const child = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'bench', 'longRun.js'), file, join(dir, 'run')], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`bench: the ${days}-day run failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as LongRun;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
log('whole run, 30 patients × 10 days, in a process of its own');
const shortRun = wholeRun(10);
log('whole run, 30 patients × 365 days, in a process of its own (~30 s)');
const longRun = wholeRun(365);
log('whole run, 2 patients × 3650 days (the limit), in a process of its own (~15 s)');
const maxDaysRun = wholeRun(3650, 'adult#001,adult#002');
const msPerPatientDayOf = (r: LongRun) => (1000 * r.seconds) / r.patientDays;
const speed = await speedBench(log);
log('a study on a local Slurm: 4 shards and a merge, against one machine (~2 min)');
const slurm = await slurmBench(log);

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
    mdpValueIterationMs: round(viMs, 2),
    mdpValueIterationSweeps: viSweeps,
    mdpCompileMs: round(compileMs, 1),
    msPerPatientDayMdp: round(msMdp, 3),
    msPerPatientDayMdi: round(msMdi, 3),
    mdpToMdiRatio: round(msMdp / msMdi, 3),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
    longRunPeakRssMB: round(longRun.peakRssMB, 1),
    longRunMsPerPatientDay: round(msPerPatientDayOf(longRun), 3),
    shortRunMsPerPatientDay: round(msPerPatientDayOf(shortRun), 3),
    longToShortRatio: round(msPerPatientDayOf(longRun) / msPerPatientDayOf(shortRun), 3),
    shortRunPeakRssMB: round(shortRun.peakRssMB, 1),
    maxDaysPeakRssMB: round(maxDaysRun.peakRssMB, 1),
    ...speed,
    ...slurm,
    node: process.version,
  }) + '\n',
);
