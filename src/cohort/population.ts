/**
 * Virtual populations a scenario can name: the 30 S2008 T1D subjects
 * (`uva-padova-s2008`) or a generated cohort file in patients/ (e.g.
 * `t2dm-100`). Each member gives its model (with the depots of any slower
 * insulin preparations a pen may inject) and what a physician knows of it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { PATIENTS_DIR } from '../io/paths.js';
import { basalRateUPerMin } from '../model/parameters.js';
import type { DepotModel, PatientModel } from '../model/patientModel.js';
import { t1dModel } from '../model/t1d.js';
import { t2dmModel } from '../model/t2dm.js';
import { type OptimisedTherapy, readOptimisedTherapy } from './optimisedTherapy.js';
import { loadT2dmCohort } from './t2dm.js';
import type { Named } from './selection.js';
import { loadUvaPadovaCohort, uvaPadovaFiles } from './uvaPadova.js';

export interface PopulationMember extends Named {
  readonly type: 't1d' | 't2dm';
  readonly bodyWeightKg: number;
  /** Exogenous basal that holds the model's steady state, U/min (0 for T2DM: it secretes its own). */
  readonly basalRateUPerMin: number;
  /** Carbohydrate ratio (g/U) and correction factor (mg/dL per U) where the source gives them (S2008 Quest.csv). */
  readonly carbRatioGPerU?: number;
  readonly correctionFactorMgDlPerU?: number;
  /** Total daily insulin, U/day, where the source gives it (S2008 Quest.csv TDI). */
  readonly totalDailyInsulinU?: number;
  /** The simulator-optimised basal rate and carb ratio (optimised-therapy.csv), where the cohort's file lists the patient. */
  readonly optimisedTherapy?: OptimisedTherapy;
  /** The file the cohort's optimised therapy is read from, present or not (absent: the cohort has none). */
  readonly optimisedTherapyFile?: string;
  model(depots: readonly DepotModel[]): PatientModel;
}

export const DEFAULT_POPULATION = 'uva-padova-s2008';

function uvaPadova(withOptimisedTherapy: boolean): PopulationMember[] {
  const subjects = loadUvaPadovaCohort();
  const { optimisedTherapyFile } = uvaPadovaFiles();
  // Derived data, optional: the cohort runs without it, and a controller that asks for it says which file is missing.
  const optimised = withOptimisedTherapy && existsSync(optimisedTherapyFile)
    ? readOptimisedTherapy(
        optimisedTherapyFile,
        subjects.map((p) => ({ name: p.name, basalUPerH: basalRateUPerMin(p.params) * 60, carbRatioGPerU: p.therapy.carbRatioGPerU })),
      )
    : new Map<string, OptimisedTherapy>();
  return subjects.map((p) => {
    const optimisedTherapy = optimised.get(p.name);
    return {
      name: p.name,
      group: p.group,
      type: 't1d',
      bodyWeightKg: p.params.BW,
      basalRateUPerMin: basalRateUPerMin(p.params),
      carbRatioGPerU: p.therapy.carbRatioGPerU,
      correctionFactorMgDlPerU: p.therapy.correctionFactorMgDlPerU,
      totalDailyInsulinU: p.therapy.totalDailyInsulinU,
      ...(optimisedTherapy ? { optimisedTherapy } : {}),
      optimisedTherapyFile,
      model: (depots) => t1dModel(p.params, depots),
    };
  });
}

/** A generated cohort file (patients/<name>.json, `glucosim cohort generate`). */
function cohortFile(file: string): PopulationMember[] {
  return loadT2dmCohort(file).subjects.map((subject) => ({
    name: subject.name,
    group: 't2dm',
    type: 't2dm',
    bodyWeightKg: subject.params.BW,
    basalRateUPerMin: 0,
    model: (depots) => t2dmModel(subject.params, depots),
  }));
}

/** The file of a generated cohort `name` (patients/<name>.json), refused unless the name is one and the file exists. */
function cohortFilePath(name: string, source: string, field: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new InputError(source, field, `'${name}' is not a population name (a file name in patients/, without .json)`);
  const file = join(PATIENTS_DIR, `${name}.json`);
  if (!existsSync(file)) throw new InputError(source, field, `unknown population '${name}' (known: ${DEFAULT_POPULATION}, or a cohort file patients/<name>.json)`);
  return file;
}

/**
 * The files that define population `name` (its parameters and therapy), for
 * a study's fingerprint: shards run on other machines must read the same.
 */
export function populationSources(name: string, source: string, field = 'patients'): string[] {
  if (name === DEFAULT_POPULATION) {
    const { paramsFile, questFile, optimisedTherapyFile } = uvaPadovaFiles();
    // The optimised therapy, when present, is part of what a controller may start from.
    return existsSync(optimisedTherapyFile) ? [paramsFile, questFile, optimisedTherapyFile] : [paramsFile, questFile];
  }
  return [cohortFilePath(name, source, field)];
}

export interface PopulationOptions {
  /**
   * Read the optimised therapy of the S2008 subjects (default true); false
   * for `glucosim optimise-therapy`, which makes the file and must not
   * depend on a stale or broken one.
   */
  readonly optimisedTherapy?: boolean;
}

/** The members of population `name`; `source`/`field` say where the name came from, for errors. */
export function loadPopulation(name: string, source: string, field = 'patients', options: PopulationOptions = {}): PopulationMember[] {
  if (name === DEFAULT_POPULATION) return uvaPadova(options.optimisedTherapy ?? true);
  return cohortFile(cohortFilePath(name, source, field));
}
