/**
 * `glucosim optimise-therapy`: each S2008 subject's simulator-optimised basal
 * rate and carb ratio (docs/model.md §2.7), searched on the standard day of a
 * scenario's meal protocol (src/sim/standardDay.ts, src/sim/therapySearch.ts),
 * patients in parallel on worker threads, with a progress line on stderr;
 * the CSV (src/cohort/optimisedTherapy.ts) is written atomically once every
 * patient is done, so a failure or a stop leaves nothing behind.
 */
import { join, resolve } from 'node:path';
import { optimisedTherapyCsv } from '../cohort/optimisedTherapy.js';
import { DEFAULT_POPULATION, loadPopulation } from '../cohort/population.js';
import { selectPatients } from '../cohort/selection.js';
import { uvaPadovaFiles } from '../cohort/uvaPadova.js';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { SCENARIOS_DIR } from '../io/paths.js';
import { loadScenario } from '../scenario/load.js';
import { standardDayOf } from '../sim/standardDay.js';
import type { TherapyOptimum } from '../sim/therapyOptimisation.js';
import { coarsePointCount, DEFAULT_THERAPY_GRID, MAX_REFINEMENTS, type TherapyGrid } from '../sim/therapySearch.js';
import { interruptible } from './interrupt.js';
import { optimiseCohort } from './optimiseTherapyPool.js';
import { checkOutputFile, reportStaleTemporaries } from './outputDir.js';
import { parallelism } from './parallelism.js';
import { progressReporter } from './progress.js';

/** The study scenario whose meal protocol makes the standard day by default. */
export const DEFAULT_STANDARD_DAY_SCENARIO = join(SCENARIOS_DIR, 'randomised-10day.json');

export interface OptimiseTherapyArguments {
  /** Patients: names, groups or all (default all). */
  readonly cohort?: string;
  /** The CSV to write (default: the cohort's patients/uva-padova-s2008/optimised-therapy.csv). */
  readonly out?: string;
  readonly force?: boolean;
  readonly workers?: number;
  /** The scenario whose meal protocol makes the standard day (default scenarios/randomised-10day.json). */
  readonly scenario?: string;
  /** Halvings of the grid step after the coarse grid (default 3: 0.1 → 0.0125). */
  readonly refinements?: number;
  /** Add the standard therapy's correction bolus on the standard day (default false). */
  readonly correction?: boolean;
  /** No progress line and no summary on stderr. */
  readonly quiet?: boolean;
}

export interface OptimiseTherapyOutcome {
  readonly out: string;
  readonly optimums: readonly TherapyOptimum[];
  readonly seconds: number;
}

/** Standard days a patient's search is expected to take, for the progress line's estimate: the coarse grid, the start, two polls per halving. */
function expectedEvaluations(grid: TherapyGrid): number {
  return coarsePointCount(grid) + 1 + grid.refinements * 2 * 8;
}

export async function optimiseTherapyCommand(args: OptimiseTherapyArguments, stderr: NodeJS.WritableStream = process.stderr): Promise<OptimiseTherapyOutcome> {
  const { workers } = parallelism({ workers: args.workers });
  const refinements = args.refinements ?? DEFAULT_THERAPY_GRID.refinements;
  if (!(Number.isInteger(refinements) && refinements >= 0 && refinements <= MAX_REFINEMENTS)) {
    throw new InputError('--refinements', '', `must be a whole number from 0 to ${MAX_REFINEMENTS}, got ${args.refinements}`);
  }
  const grid: TherapyGrid = { ...DEFAULT_THERAPY_GRID, refinements };
  const scenario = loadScenario(args.scenario ?? DEFAULT_STANDARD_DAY_SCENARIO);
  const day = standardDayOf(scenario, { correction: args.correction ?? false });
  // The file being made must not be read: a stale or broken one is what this command replaces.
  const population = loadPopulation(DEFAULT_POPULATION, '--cohort', '', { optimisedTherapy: false });
  const patients = selectPatients(population, args.cohort ?? 'all', '--cohort', '');
  const files = uvaPadovaFiles();
  if (args.out !== undefined && args.out.trim() === '') throw new InputError('--out', '', 'must not be empty');
  // The cohort's file lists every patient: a part of the cohort written over it would take the others' therapy away.
  if (args.out === undefined && patients.length < population.length) {
    throw new InputError('--out', '', `is needed with a part of the cohort (--cohort ${args.cohort}): the default, ${files.optimisedTherapyFile}, holds every patient`);
  }
  const out = resolve(args.out ?? files.optimisedTherapyFile);
  checkOutputFile(out, args.force, '--out', [files.paramsFile, files.questFile, scenario.file]);
  reportStaleTemporaries(out, stderr);

  const started = performance.now();
  const expected = expectedEvaluations(grid);
  const evaluations = patients.map(() => 0);
  const finished = patients.map(() => false);
  const progress = args.quiet ? undefined : progressReporter('optimise-therapy', stderr as NodeJS.WriteStream);
  // Progress in simulated patient-days; a search's length is known only at its end, so a running one counts as its expected length until it passes it.
  const report = () => {
    let patientDaysDone = 0;
    let patientDays = 0;
    patients.forEach((_, k) => {
      patientDaysDone += evaluations[k] * day.days;
      patientDays += (finished[k] ? evaluations[k] : Math.max(expected, evaluations[k] + 8)) * day.days;
    });
    progress?.update({ patientsDone: finished.filter(Boolean).length, patients: patients.length, patientDaysDone, patientDays });
  };
  const optimums = await interruptible('the optimisation', (signal) =>
    optimiseCohort({
      setup: { day, grid },
      patients: patients.map((p) => p.name),
      workers,
      signal,
      onEvaluation: (job) => {
        evaluations[job]++;
        report();
      },
      onPatient: (job, optimum) => {
        evaluations[job] = optimum.evaluations;
        finished[job] = true;
        report();
      },
    }).finally(() => progress?.finish()),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const optimum of optimums) {
    if (optimum.atEdge.length > 0) stderr.write(`glucosim: warning: ${optimum.name}: the optimum lies on the grid's edge (${optimum.atEdge.join(', ')}): the best therapy may lie beyond it\n`);
  }
  writeFileAtomic(out, optimisedTherapyCsv(optimums));
  if (!args.quiet) stderr.write(summaryLines(patients, optimums, seconds));
  return { out, optimums, seconds };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per group: the factors' median and range, and LBGI + HBGI's median at the start and at the optimum. */
export function summaryLines(patients: readonly { readonly name: string; readonly group: string }[], optimums: readonly TherapyOptimum[], seconds: number): string {
  const groups = [...new Set(patients.map((p) => p.group))];
  const lines = groups.map((group) => {
    const rows = optimums.filter((_, k) => patients[k].group === group);
    const stat = (values: number[], digits: number) => `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
    return (
      `  ${group} (${rows.length}): BR factor ${stat(rows.map((r) => r.basalFactor), 3)}, CR factor ${stat(rows.map((r) => r.carbRatioFactor), 3)}, ` +
      `LBGI + HBGI ${stat(rows.map((r) => r.start.lbgi + r.start.hbgi), 2)} → ${stat(rows.map((r) => r.lbgi + r.hbgi), 2)} (median, range)`
    );
  });
  return `optimise-therapy: ${optimums.length} patients in ${seconds.toFixed(1)} s\n${lines.join('\n')}\n`;
}
