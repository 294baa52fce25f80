/**
 * `glucosim run <scenario.json>`: a cohort through a scenario, in parallel,
 * writing `traces/<patient>.csv`, `summary.json` and the report (metrics,
 * plots, report.html) atomically into the run directory.
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadPopulation } from '../cohort/population.js';
import { selectPatients } from '../cohort/selection.js';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { ControllerSpec } from '../scenario/types.js';
import { runCohort } from '../sim/cohortRun.js';
import { checkCohortFitsController, checkDevicesFitController, scenarioController } from '../sim/patientRun.js';
import { type PhaseMetrics, phaseMetrics } from '../report/phaseMetrics.js';
import type { LogTable } from '../control/types.js';
import { analysePatient, lastDaysWindow, type PatientAnalysis } from '../report/patientAnalysis.js';
import { writeRunReport } from '../report/runReport.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { interruptible } from './interrupt.js';
import { parallelism } from './parallelism.js';
import { progressReporter } from './progress.js';
import { seedOption } from './seed.js';
import { GLUCOSIM_VERSION } from './version.js';

export interface RunArguments {
  readonly scenario: string;
  readonly cohort?: string;
  readonly out?: string;
  readonly workers?: number;
  /** Patients a worker runs at once (their asynchronous controllers' waits overlap). */
  readonly concurrencyPerWorker?: number;
  readonly seed?: string;
  readonly quiet?: boolean;
  /** Replace an existing output directory. */
  readonly force?: boolean;
  /** Metrics, CVGA and report over the last this many days (default: all). */
  readonly windowDays?: number;
  /** Write metrics, plots and report.html (default true). */
  readonly report?: boolean;
}

/** The controller as summary.json records it: what was run, not where it was read from. */
function controllerRecord(spec: ControllerSpec): Omit<ControllerSpec, 'file' | 'field'> {
  const { file: _file, field: _field, ...record } = spec;
  return record;
}

export async function runCommand(args: RunArguments): Promise<string> {
  // Everything that can be wrong with the input is checked before anything is written.
  const scenario = loadScenario(args.scenario);
  const population = loadPopulation(scenario.patients, scenario.file);
  const patients =
    args.cohort !== undefined
      ? selectPatients(population, args.cohort, '--cohort', '')
      : selectPatients(population, scenario.cohort, scenario.file, 'cohort');
  const seed = seedOption(args.seed) ?? scenario.seed;
  // A therapy the cohort cannot support is refused up front, naming the file.
  checkCohortFitsController(scenario.controller, patients, { file: scenario.file, field: 'controller' });
  checkDevicesFitController(scenario, scenario.controller, { file: scenario.file, field: 'controller' });
  const { workers, concurrencyPerWorker } = parallelism(args);
  if (args.windowDays !== undefined && !(Number.isInteger(args.windowDays) && args.windowDays >= 1 && args.windowDays <= scenario.days)) {
    throw new InputError('--window-days', '', `must be a whole number of days from 1 to the scenario's ${scenario.days}, got ${args.windowDays}`);
  }
  const withReport = args.report ?? true;
  const window = lastDaysWindow(scenario.days, args.windowDays);
  const controller = scenarioController(scenario, undefined, true);
  const phases = controller.entry.phases?.(controller.options, scenario.days) ?? [];
  const out = newOutputDirectory(args.out, scenario.name, args.force, { marker: 'traces', inputs: [args.scenario] });

  const progress = args.quiet ? undefined : progressReporter(`run ${basename(scenario.file)}`);
  const writeRun = async (dir: string, signal: AbortSignal) => {
    const tracesDir = join(dir, 'traces');
    mkdirSync(tracesDir);
    const analyses = new Map<string, PatientAnalysis>();
    const phaseOutcomes = new Map<string, PhaseMetrics[]>();
    const controllerTables = new Map<string, readonly LogTable[]>();
    const results = await runCohort({
      scenario,
      patients: patients.map((p) => p.name),
      seed,
      workers,
      concurrencyPerWorker,
      tracesDir,
      // Reports are analysed here, on the otherwise idle main thread, as
      // traces arrive: one warm copy of the analysis code instead of a cold
      // one per worker (measured: ~3× cheaper).
      onTrace: withReport
        ? (trace) => {
            analyses.set(trace.patient, analysePatient(trace, window));
            phaseOutcomes.set(trace.patient, phases.map((p) => phaseMetrics(trace, p)));
            if (trace.controllerLog && controller.entry.describeLog) controllerTables.set(trace.patient, controller.entry.describeLog(trace.controllerLog, controller.options));
          }
        : undefined,
      onProgress: progress?.update,
      signal,
    }).finally(() => progress?.finish()); // also before a failure's or a stop's line
    const summaries = results.map((r) => r.summary);
    const summary = {
      glucosimVersion: GLUCOSIM_VERSION,
      scenario: { name: scenario.name, file: scenario.file, days: scenario.days, controller: controllerRecord(scenario.controller) },
      seed,
      cohort: patients.map((p) => p.name),
      createdAt: new Date().toISOString(),
      patients: summaries,
    };
    writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    if (withReport) {
      writeRunReport(dir, {
        glucosimVersion: GLUCOSIM_VERSION,
        scenarioName: scenario.name,
        scenarioFile: scenario.file,
        seed,
        days: scenario.days,
        window,
        patients: patients.map((p) => ({ name: p.name, group: p.group })),
        summaries,
        analyses: patients.map((p) => analyses.get(p.name)!),
        phases,
        phaseOutcomes: patients.map((p) => phaseOutcomes.get(p.name)!),
        controllerTables: patients.map((p) => controllerTables.get(p.name) ?? []),
      });
    }
  };
  await interruptible('the run', (signal) => buildOutputDirectory(out, args.force, (dir) => writeRun(dir, signal), signal));
  return out;
}
