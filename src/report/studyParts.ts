/**
 * What a study keeps of each finished job (its part), made from the job's
 * trace in the worker thread that simulated it (src/sim/jobRunner.ts loads
 * this module by URL there): a run's per-patient analysis, phases and
 * controller tables, or an experiment's per-job outcome. The recipe is plain
 * data, copied to each worker; the parts come back by structured clone,
 * which keeps every double exactly, so the report is the same bytes
 * whichever thread analysed which patient.
 */
import { builtWorkerFile } from '../io/paths.js';
import type { CvgaPoints } from '../metrics/cvgaDays.js';
import type { ControllerPhase, LogTable } from '../control/types.js';
import type { Experiment, ExperimentJob, TrialPhase } from '../sim/experiment.js';
import type { PartMaker, PartMakerContext } from '../sim/jobRunner.js';
import { scenarioController } from '../sim/patientRun.js';
import type { Trace, TraceSummary } from '../sim/trace.js';
import type { SimulationJob } from '../sim/workerProtocol.js';
import { jobOutcome } from './experimentReport.js';
import { analysePatient, type DayWindow, type PatientAnalysis } from './patientAnalysis.js';
import { type PhaseMetrics, phaseMetrics } from './phaseMetrics.js';

/** What a run keeps of one patient: its summary, and for the report its analysis, phases and controller tables. */
export interface RunPart {
  readonly summary: TraceSummary;
  readonly analysis?: PatientAnalysis;
  readonly phases: readonly PhaseMetrics[];
  readonly tables: readonly LogTable[];
}

/** A run's report: the results window and the controller's phases (the scenario is the pool's first). */
export interface RunPartRecipe {
  readonly kind: 'run';
  readonly window: DayWindow;
  readonly phases: readonly ControllerPhase[];
  /** `patient-day`: each analysis carries a CVGA point per day of the window too (absent: `patient`). */
  readonly cvgaPoints?: CvgaPoints;
}

/** An experiment's outcomes: the experiment, each patient's carb ratio, and each arm's trial phases. */
export interface ExperimentPartRecipe {
  readonly kind: 'experiment';
  readonly experiment: Experiment;
  /** Per arm, (patient, starting carb ratio g/U) pairs: a map's keys could be any patient name. */
  readonly carbRatioGPerU: readonly (readonly (readonly [string, number | undefined])[])[];
  readonly phases: readonly (readonly TrialPhase[])[];
}

export type PartRecipe = RunPartRecipe | ExperimentPartRecipe;

/** The built module that workers load to make parts (this one). */
export function partMakerModule(): string {
  return builtWorkerFile(import.meta.url, 'src/report/studyParts.js');
}

/** A run's part of a patient without a report: the summary alone. */
export function runSummaryPart(summary: TraceSummary): RunPart {
  return { summary, phases: [], tables: [] };
}

export function createPartMaker(recipe: PartRecipe, context: PartMakerContext): PartMaker {
  if (recipe.kind === 'experiment') {
    const carbRatio = recipe.carbRatioGPerU.map((pairs) => new Map(pairs));
    return (job, _summary, trace) => {
      const { patient, arm } = job as ExperimentJob;
      return jobOutcome(trace, recipe.experiment, carbRatio[arm]!.get(patient), recipe.phases[arm]);
    };
  }
  const controller = scenarioController(context.scenarios[0], context.registry, true);
  return (_job: SimulationJob, summary: TraceSummary, trace: Trace): RunPart => ({
    summary,
    analysis: analysePatient(trace, recipe.window, { cvgaPoints: recipe.cvgaPoints }),
    phases: recipe.phases.map((p) => phaseMetrics(trace, p)),
    tables: trace.controllerLog && controller.entry.describeLog ? controller.entry.describeLog(trace.controllerLog, controller.options) : [],
  });
}
