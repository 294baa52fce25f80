/**
 * `glucosim run <scenario.json>`: a cohort through a scenario, in parallel,
 * writing `traces/<patient>.csv`, `summary.json` and the report (metrics,
 * plots, report.html) atomically into the run directory; with `--shard K/N`
 * only the K-th of N slices of the patients, into a shard directory that
 * `glucosim merge` joins with the others.
 */
import { basename, join } from 'node:path';
import { loadPopulation } from '../cohort/population.js';
import { selectPatients } from '../cohort/selection.js';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { CVGA_POINTS, isCvgaPoints } from '../metrics/cvgaDays.js';
import { loadScenario } from '../scenario/load.js';
import type { ControllerSpec } from '../scenario/types.js';
import { checkCohortFitsController, checkDevicesFitController, scenarioController } from '../sim/patientRun.js';
import { lastDaysWindow } from '../report/patientAnalysis.js';
import { partMakerModule, type RunPart, runSummaryPart } from '../report/studyParts.js';
import { writeRunReport } from '../report/runReport.js';
import type { StudyInvocation } from '../cluster/manifest.js';
import { parallelism } from './parallelism.js';
import { seedOption } from './seed.js';
import { runStudyShard } from './shard.js';
import { controllerSourceList, populationSourceList, runWholeStudy, type Study } from './study.js';
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
  /** `K/N`: run only shard K of N, into a shard directory. */
  readonly shard?: string;
  /** Trace files: `csv` (default, `traces/<patient>.csv`) or `none`. */
  readonly traces?: string;
  /** What a point of the report's CVGA stands for: `patient` (default) or `patient-day` (src/metrics/cvgaDays.ts). */
  readonly cvgaPoints?: string;
}

/** The `--traces` formats. */
export const TRACE_FORMATS = ['csv', 'none'] as const;

/** The controller as summary.json records it: what was run, not where it was read from. */
function controllerRecord(spec: ControllerSpec): Omit<ControllerSpec, 'file' | 'field'> {
  const { file: _file, field: _field, ...record } = spec;
  return record;
}

/** The study a run's options describe; everything that can be wrong with the input is refused here, before anything is written. */
export function prepareRunStudy(args: Pick<RunArguments, 'scenario' | 'cohort' | 'seed' | 'windowDays' | 'report' | 'traces' | 'cvgaPoints'>): Study<RunPart> {
  const traces = args.traces ?? 'csv';
  if (!(TRACE_FORMATS as readonly string[]).includes(traces)) throw new InputError('--traces', '', `must be one of ${TRACE_FORMATS.join(', ')}, got '${traces}'`);
  const cvgaPoints = args.cvgaPoints ?? 'patient';
  if (!isCvgaPoints(cvgaPoints)) throw new InputError('--cvga-points', '', `must be one of ${CVGA_POINTS.join(', ')}, got '${cvgaPoints}'`);
  // Asked for and then not written would look like a run that had them.
  if (cvgaPoints !== 'patient' && args.report === false) throw new InputError('--cvga-points', '', 'is an option of the report, which --no-report leaves out');
  const perDay = cvgaPoints === 'patient-day';
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
  if (args.windowDays !== undefined && !(Number.isInteger(args.windowDays) && args.windowDays >= 1 && args.windowDays <= scenario.days)) {
    throw new InputError('--window-days', '', `must be a whole number of days from 1 to the scenario's ${scenario.days}, got ${args.windowDays}`);
  }
  const withReport = args.report ?? true;
  const window = lastDaysWindow(scenario.days, args.windowDays);
  const controller = scenarioController(scenario, undefined, true);
  const phases = controller.entry.phases?.(controller.options, scenario.days) ?? [];
  // The options in effect, defaults filled in and the seed as read (`007` is 7), so that one study asked for two ways is one study.
  const invocation: StudyInvocation = {
    kind: 'run',
    file: args.scenario,
    cohort: args.cohort ?? scenario.cohort,
    seed: String(seed),
    windowDays: window.toDay - window.fromDay + 1,
    report: withReport,
    // Only a departure from the default is recorded, as --no-report is: one study, one invocation.
    ...(traces === 'none' ? { traces: 'none' as const } : {}),
    ...(perDay ? { cvgaPoints: 'patient-day' as const } : {}),
  };
  return {
    invocation,
    name: scenario.name,
    label: `run ${basename(scenario.file)}`,
    // A run without traces is known by its summary.json, which an experiment (known by its table1.csv) also writes.
    guard: { marker: 'traces', otherMarkers: ['summary.json'], foreignMarkers: ['table1.csv'], inputs: [args.scenario] },
    scenarios: [scenario],
    jobs: patients.map((p) => ({ scenario: 0, patient: p.name, seed })),
    sources: [{ role: 'scenario', path: scenario.file, file: scenario.file }, ...populationSourceList(scenario), ...controllerSourceList([scenario.controller])],
    writesTraces: traces === 'csv',
    // Each patient is analysed in the worker that simulated it, so the
    // analysis runs on every core and no trace crosses threads.
    // Per patient-day, the worker adds each day's CVGA point to the analysis (the default recipe is what it was).
    parts: withReport
      ? { analysis: { module: partMakerModule(), recipe: { kind: 'run', window, phases, ...(perDay ? { cvgaPoints } : {}) } } }
      : { fromSummary: runSummaryPart },
    warnings: [],
    notes: [],
    write: (dir, parts, timing) => {
      const summaries = parts.map((p) => p.summary);
      const summary = {
        glucosimVersion: GLUCOSIM_VERSION,
        scenario: { name: scenario.name, file: scenario.file, days: scenario.days, controller: controllerRecord(scenario.controller) },
        seed,
        cohort: patients.map((p) => p.name),
        createdAt: timing.createdAt,
        patients: summaries,
      };
      writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
      if (!withReport) return;
      writeRunReport(dir, {
        glucosimVersion: GLUCOSIM_VERSION,
        scenarioName: scenario.name,
        scenarioFile: scenario.file,
        seed,
        days: scenario.days,
        window,
        patients: patients.map((p) => ({ name: p.name, group: p.group })),
        summaries,
        analyses: parts.map((p) => p.analysis!),
        phases,
        phaseOutcomes: parts.map((p) => p.phases),
        controllerTables: parts.map((p) => p.tables),
        ...(perDay ? { cvgaPoints } : {}),
      });
    },
  };
}

export async function runCommand(args: RunArguments): Promise<string> {
  const options = { ...parallelism(args), quiet: args.quiet };
  const study = prepareRunStudy(args);
  return args.shard !== undefined ? runStudyShard(study, args.shard, args.out, args.force, options) : runWholeStudy(study, args.out, args.force, options);
}
