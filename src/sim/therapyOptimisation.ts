/**
 * One patient's simulator-optimised starting therapy (docs/model.md §2.7):
 * the basal rate and carb ratio, as factors of the patient's own (the
 * model's steady-state basal, Quest.csv's CR), that minimise LBGI + HBGI
 * (Kovatchev's risk indices; BGRI, Clarke & Kovatchev 2009) of true blood
 * glucose on the standard day (src/sim/standardDay.ts), found by the grid
 * and pattern search of src/sim/therapySearch.ts. Daskalaki, Diem &
 * Mougiakakou 2014, §3.3.1, start their actor-critic from such simulator
 * values ("optimized values for the BR and IC ratio which can be assumed as
 * the standard SAP treatment").
 *
 * Deterministic: the standard day draws nothing and the search scores one
 * point at a time in a fixed order.
 */
import type { OptimisedTherapyRow } from '../cohort/optimisedTherapy.js';
import type { PopulationMember } from '../cohort/population.js';
import { type CandidateTherapy, type StandardDay, standardDayGlucose } from './standardDay.js';
import { type GridEdge, searchFactors, type TherapyGrid } from './therapySearch.js';

/**
 * Simulated glucose is scored at no less than this, mg/dL, as the run report
 * counts it (SIMULATED_BG_FLOOR_MG_DL, src/report/patientAnalysis.ts): under
 * a gross overdose the model's glucose runs down to its positivity guard and
 * a hair below (−4e-8 mg/dL, measured), which the risk transform's logarithm
 * cannot take; it is the deepest hypoglycaemia, not missing data (the risk
 * indices clamp it to 20 mg/dL).
 */
export const BG_FLOOR_MG_DL = 1;

/** The series with every value below BG_FLOOR_MG_DL raised to it (in place). */
function floored(bgMgDl: Float64Array): Float64Array {
  for (let i = 0; i < bgMgDl.length; i++) if (!(bgMgDl[i] > BG_FLOOR_MG_DL)) bgMgDl[i] = BG_FLOOR_MG_DL;
  return bgMgDl;
}

/** LBGI and HBGI of a glucose series. */
export interface RiskIndices {
  readonly lbgi: number;
  readonly hbgi: number;
}

export interface TherapyOptimisationSettings {
  readonly day: StandardDay;
  readonly grid: TherapyGrid;
  /**
   * LBGI and HBGI of the scored days' true glucose (floored, see
   * BG_FLOOR_MG_DL): src/metrics/risk.ts's `bgIndicesOf`, given since the
   * sim stage does not import metrics.
   */
  readonly riskOf: (bgMgDl: Float64Array) => RiskIndices;
  /** Called after each standard day simulated (progress). */
  readonly onEvaluation?: () => void;
}

export interface TherapyOptimum extends OptimisedTherapyRow {
  /** Standard days simulated. */
  readonly evaluations: number;
  /** Edges of the grid the optimum lies on (the best therapy may lie beyond). */
  readonly atEdge: readonly GridEdge[];
}

/** The optimised starting therapy of one S2008 subject (it needs a carb ratio). */
export async function optimiseTherapy(patient: PopulationMember, settings: TherapyOptimisationSettings): Promise<TherapyOptimum> {
  const startBasalUPerH = patient.basalRateUPerMin * 60;
  const startCarbRatio = patient.carbRatioGPerU;
  if (startCarbRatio === undefined || !(startCarbRatio > 0) || !(startBasalUPerH > 0)) {
    throw new Error(`${patient.name}: the optimised therapy needs a basal rate and a carb ratio to start from; this cohort gives none`);
  }
  const { day, grid, riskOf } = settings;
  const therapyAt = (basalFactor: number, carbRatioFactor: number): CandidateTherapy => ({
    basalUPerH: basalFactor * startBasalUPerH,
    carbRatioGPerU: carbRatioFactor * startCarbRatio,
  });
  let evaluations = 0;
  const risks = new Map<string, RiskIndices>();
  const riskAt = async (basalFactor: number, carbRatioFactor: number): Promise<RiskIndices> => {
    const key = `${basalFactor} ${carbRatioFactor}`;
    let risk = risks.get(key);
    if (risk === undefined) {
      risk = riskOf(floored(await standardDayGlucose(patient, day, therapyAt(basalFactor, carbRatioFactor))));
      risks.set(key, risk);
      evaluations++;
      settings.onEvaluation?.();
    }
    return risk;
  };
  const start = await riskAt(1, 1);
  const found = await searchFactors(async (b, c) => {
    const { lbgi, hbgi } = await riskAt(b, c);
    return lbgi + hbgi;
  }, grid);
  const best = await riskAt(found.basalFactor, found.carbRatioFactor);
  const therapy = therapyAt(found.basalFactor, found.carbRatioFactor);
  return {
    name: patient.name,
    basalFactor: found.basalFactor,
    carbRatioFactor: found.carbRatioFactor,
    basalUPerH: therapy.basalUPerH,
    carbRatioGPerU: therapy.carbRatioGPerU,
    lbgi: best.lbgi,
    hbgi: best.hbgi,
    start: { basalUPerH: startBasalUPerH, carbRatioGPerU: startCarbRatio, lbgi: start.lbgi, hbgi: start.hbgi },
    evaluations,
    atEdge: found.atEdge,
  };
}
