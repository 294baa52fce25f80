/**
 * Results of an experiment: per job (arm, seed, patient) the CVGA point over
 * the window and one per day of it, and the daily LBGI of the trial days,
 * made in the worker that ran the job; then per arm the CVGA A+B shares per
 * group and overall with the experiment's kind of point (mean, spread and
 * 95 % interval over seeds, with and without excluded patients), daily LBGI
 * per group and its slope, the learning controllers' daily basal/IC paths
 * and θ; the paired comparisons the experiment asks for; what the run-in
 * transfer entropy measures; and the files and report.
 */
import { join } from 'node:path';
import { CVGA_ZONES, type CvgaPoint, cvgaPoint, cvgaSummary } from '../metrics/cvga.js';
import { type CvgaDayPoint, type CvgaPoints, cvgaPointsPerDay } from '../metrics/cvgaDays.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Experiment, ExperimentPlan, TrialPhase } from '../sim/experiment.js';
import type { Trace } from '../sim/trace.js';
import { formatNumber, renderReport, type ReportSection } from './html.js';
import { meanSdText, withFloorNote } from './glucoseCell.js';
import { bloodGlucoseSeries, dailyIndices } from './patientAnalysis.js';
import { finiteMeanSd } from './finiteStats.js';
import { dailySlope, pairedInterval, type SeedInterval, seedInterval } from './seedStatistics.js';
import {
  correlation,
  type CorrelationSummary,
  transferEntropyCovariateCorrelations,
  type TransferEntropyReliability,
  transferEntropyReliability,
} from './transferEntropyAnalysis.js';
import { PHASE_METRIC_LABELS, PHASE_METRIC_NAMES, type PhaseMetricName, type PhaseMetrics, phaseMetricTables, phaseMetrics } from './phaseMetrics.js';
import { cvgaPlotSvg, dailyLineChartSvg } from './svg.js';

const MINUTES_PER_DAY = 1440;

/** What is kept of one job's trace. */
export interface JobOutcome {
  /** One CVGA point over the window … */
  readonly cvga: CvgaPoint;
  /** … and one per day of the window (Experiment.cvgaPoints says which the results use). */
  readonly cvgaDays: readonly CvgaDayPoint[];
  /** LBGI of each trial day. */
  readonly dailyLbgi: readonly number[];
  /** Basal rate (U/h) and insulin-to-carb ratio (U/g) per trial day, where known. */
  readonly basalUPerH: readonly number[];
  readonly icUPerG: readonly number[];
  /** Transfer entropy the controller measured in the run-in, bits (NaN if it does not). */
  readonly transferEntropyBits: number;
  /** A learning controller's policy parameters at the start and end of the trial (empty if it has none). */
  readonly thetaInitial: readonly number[];
  readonly thetaFinal: readonly number[];
  /** Outcomes over each of the arm's phases (ExperimentPlan.phases), in order. */
  readonly phases: readonly PhaseMetrics[];
}

/** Fold one job's trace into what the report needs (called on the main thread as traces arrive). */
export function jobOutcome(trace: Trace, experiment: Experiment, carbRatioGPerU: number | undefined, phases: readonly TrialPhase[]): JobOutcome {
  const totalDays = experiment.runInDays + experiment.scenario.days;
  const window = { fromDay: totalDays - experiment.windowDays + 1, toDay: totalDays };
  const series = bloodGlucoseSeries(trace, window);
  const daily = dailyIndices(trace);
  const log = trace.controllerLog;
  const trialDays = experiment.scenario.days;
  const from = experiment.runInDays;
  // Without a log (fixed therapy), the day's first basal rate and the patient's own ratio.
  const basal = log?.basalUPerH ?? Array.from({ length: trialDays }, (_, d) => trace.basalUPerMin[(from + d) * MINUTES_PER_DAY] * 60);
  const ic = log?.icUPerG ?? Array.from({ length: trialDays }, () => (carbRatioGPerU ? 1 / carbRatioGPerU : NaN));
  return {
    cvga: cvgaPoint(series.glucoseMgDl),
    // The window starts at a day's first minute, so its blocks of 1440 are its days.
    cvgaDays: cvgaPointsPerDay(series.glucoseMgDl),
    dailyLbgi: daily.lbgi.slice(from),
    basalUPerH: basal.slice(-trialDays),
    icUPerG: ic.slice(-trialDays),
    transferEntropyBits: log?.transferEntropyBits?.[0] ?? NaN,
    thetaInitial: log?.thetaInitial ?? [],
    thetaFinal: log?.thetaFinal ?? [],
    phases: phases.map((p) =>
      phaseMetrics(trace, { fromDay: experiment.runInDays + p.fromDay, toDay: experiment.runInDays + p.toDay }, experiment.reward),
    ),
  };
}

/** A statistic over seeds: mean and SD over the seeds with a value (SD 0 for one), 95 % interval of the mean (NaN for one), per seed. */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly low: number;
  readonly high: number;
  readonly perSeed: readonly number[];
}

function spread(values: readonly number[]): Spread {
  // The mean and interval over the seeds with a value (a seed whose group has no point has none).
  const { mean, sd, low, high, n } = seedInterval(values);
  return { mean, sd: n > 1 ? sd : 0, low, high, perSeed: values };
}

/**
 * A phase metric over an arm's jobs: mean, SD over patients (of their means
 * over seeds), SD over seeds (of the cohort means); an SD of one value is NaN
 * (null in JSON, empty in CSV).
 */
export interface PhaseSpread {
  readonly mean: number;
  readonly sdPatients: number;
  readonly sdSeeds: number;
  readonly perSeed: readonly number[];
}

export interface PhaseResult extends TrialPhase {
  readonly metrics: Readonly<Record<PhaseMetricName, PhaseSpread>>;
}

export interface ArmResult {
  readonly arm: string;
  /** Outcomes per phase (the window first, then the controller's phases). */
  readonly phases: readonly PhaseResult[];
  /**
   * % of CVGA points in A+B over the window (points per Experiment.cvgaPoints:
   * patients or patient-days), overall and per group: over seeds.
   */
  readonly percentAB: Readonly<Record<string, Spread>>;
  readonly percentABWithExclusions?: Readonly<Record<string, Spread>>;
  /** The same, overall, with the other kind of point (how much the choice of point moves the figure). */
  readonly percentABOtherPoints: { readonly points: CvgaPoints; readonly overall: Spread; readonly overallWithExclusions?: Spread };
  /** Mean LBGI per trial day, per group (over seeds and patients). */
  readonly dailyLbgi: Readonly<Record<string, readonly number[]>>;
  /** The same without the excluded patients (present when the experiment excludes some). */
  readonly dailyLbgiWithExclusions?: Readonly<Record<string, readonly number[]>>;
  /**
   * Least-squares slope of the group's daily LBGI over the trial days (LBGI
   * per day), one per seed (the group's mean over its patients each day),
   * then over seeds: how fast the arm lowers hypoglycaemia risk.
   */
  readonly lbgiSlope: Readonly<Record<string, Spread>>;
  readonly lbgiSlopeWithExclusions?: Readonly<Record<string, Spread>>;
  /**
   * How far the actor moved θ over the trial, for arms whose controller has
   * one: per patient and seed the largest |θ_final − θ_0| over θ's elements,
   * then its mean and maximum; and |θ_final − θ_0| averaged over the
   * elements, patients and seeds (`meanAbs`). θ is the daily relative change
   * per unit of state (P = x·θ, x in [0, 1]), so 0.01 in one element moves a
   * day's step by at most 1 %.
   */
  readonly thetaChange?: { readonly mean: number; readonly max: number; readonly meanAbs: number };
}

/** Arm a − arm b, paired by seed, per group: % A+B and the daily-LBGI slope. */
export interface ArmComparison {
  readonly a: string;
  readonly b: string;
  readonly percentAB: Readonly<Record<string, SeedInterval>>;
  readonly percentABWithExclusions?: Readonly<Record<string, SeedInterval>>;
  readonly lbgiSlope: Readonly<Record<string, SeedInterval>>;
  readonly lbgiSlopeWithExclusions?: Readonly<Record<string, SeedInterval>>;
}

/** Largest |θ_final − θ_0| over θ's elements (NaN without θ). */
export function thetaChange(o: JobOutcome): number {
  if (o.thetaInitial.length === 0 || o.thetaInitial.length !== o.thetaFinal.length) return NaN;
  return Math.max(...o.thetaInitial.map((t, i) => Math.abs(o.thetaFinal[i]! - t)));
}

/** |θ_final − θ_0| averaged over θ's elements (NaN without θ). */
function meanThetaChange(o: JobOutcome): number {
  if (o.thetaInitial.length === 0 || o.thetaInitial.length !== o.thetaFinal.length) return NaN;
  return o.thetaInitial.reduce((s, t, i) => s + Math.abs(o.thetaFinal[i]! - t), 0) / o.thetaInitial.length;
}

/** A job's CVGA points of the given kind. */
function cvgaPointsOf(o: JobOutcome, points: CvgaPoints): readonly CvgaPoint[] {
  return points === 'patient-day' ? o.cvgaDays : [o.cvga];
}

const OTHER_POINTS: Record<CvgaPoints, CvgaPoints> = { patient: 'patient-day', 'patient-day': 'patient' };

const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

export function summariseExperiment(experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[]): ArmResult[] {
  return summariseStudy(experiment, plan, outcomes).arms;
}

/** Per arm the results, and the comparisons the experiment asks for. */
export function summariseStudy(experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[]): { arms: ArmResult[]; comparisons: ArmComparison[] } {
  const groups = [...new Set(plan.patients.map((p) => p.group))];
  const groupOf = new Map(plan.patients.map((p) => [p.name, p.group]));
  const excluded = new Set(experiment.exclude?.patients ?? []);
  const kept = (p: string) => !excluded.has(p);
  const all = () => true;
  const indexed = plan.jobs.map((j, k) => ({ j, k }));
  const trialDays = experiment.scenario.days;

  /** Per arm, group ('overall' too) and seed: % A+B of the points of the kept patients. */
  const sharesPerSeed = (a: number, keep: (patient: string) => boolean, points: CvgaPoints) => {
    const perGroup: Record<string, number[]> = { overall: [] };
    for (const g of groups) perGroup[g] = [];
    plan.seeds.forEach((_, s) => {
      const jobs = indexed.filter(({ j }) => j.arm === a && j.seedIndex === s && keep(j.patient));
      const pointsOf = (pick: typeof jobs) => pick.flatMap(({ k }) => cvgaPointsOf(outcomes[k], points));
      perGroup.overall.push(cvgaSummary(pointsOf(jobs)).percentAB);
      for (const g of groups) perGroup[g].push(cvgaSummary(pointsOf(jobs.filter(({ j }) => groupOf.get(j.patient) === g))).percentAB);
    });
    return perGroup;
  };
  /** Per arm, group and seed: the slope of the group's mean daily LBGI over the trial days. */
  const slopesPerSeed = (a: number, keep: (patient: string) => boolean) => {
    const perGroup: Record<string, number[]> = {};
    for (const g of groups) {
      perGroup[g] = plan.seeds.map((_, s) => {
        const jobs = indexed.filter(({ j }) => j.arm === a && j.seedIndex === s && groupOf.get(j.patient) === g && keep(j.patient));
        const daily = Array.from({ length: trialDays }, (_, d) => mean(jobs.map(({ k }) => outcomes[k].dailyLbgi[d]).filter(Number.isFinite)));
        return dailySlope(daily);
      });
    }
    return perGroup;
  };
  const spreads = (perGroup: Record<string, number[]>) => Object.fromEntries(Object.entries(perGroup).map(([g, v]) => [g, spread(v)]));

  const arms = experiment.arms.map((arm, a): ArmResult => {
    const dailyLbgi = (keep: (patient: string) => boolean) => {
      const perGroup: Record<string, number[]> = {};
      for (const g of groups) {
        const jobs = indexed.filter(({ j }) => j.arm === a && groupOf.get(j.patient) === g && keep(j.patient));
        perGroup[g] = Array.from({ length: trialDays }, (_, d) => mean(jobs.map(({ k }) => outcomes[k].dailyLbgi[d]).filter(Number.isFinite)));
      }
      return perGroup;
    };
    const armJobs = indexed.filter(({ j }) => j.arm === a);
    const phases = plan.phases[a].map((phase, i): PhaseResult => {
      const metric = (name: PhaseMetricName): PhaseSpread => {
        const value = (k: number) => outcomes[k].phases[i][name];
        const meanOver = (keep: (job: (typeof armJobs)[number]['j']) => boolean) => finiteMeanSd(armJobs.filter(({ j }) => keep(j)).map(({ k }) => value(k))).mean;
        const perSeed = plan.seeds.map((_, s) => meanOver((j) => j.seedIndex === s));
        const perPatient = plan.patients.map((p) => meanOver((j) => j.patient === p.name));
        return { mean: meanOver(() => true), sdPatients: finiteMeanSd(perPatient).sd, sdSeeds: finiteMeanSd(perSeed).sd, perSeed };
      };
      return { ...phase, metrics: Object.fromEntries(PHASE_METRIC_NAMES.map((n) => [n, metric(n)])) as PhaseResult['metrics'] };
    });
    const changes = armJobs.map(({ k }) => thetaChange(outcomes[k])).filter(Number.isFinite);
    const meanChanges = armJobs.map(({ k }) => meanThetaChange(outcomes[k])).filter(Number.isFinite);
    const other = OTHER_POINTS[experiment.cvgaPoints];
    return {
      arm: arm.name,
      phases,
      percentAB: spreads(sharesPerSeed(a, all, experiment.cvgaPoints)),
      ...(excluded.size > 0 ? { percentABWithExclusions: spreads(sharesPerSeed(a, kept, experiment.cvgaPoints)) } : {}),
      percentABOtherPoints: {
        points: other,
        overall: spread(sharesPerSeed(a, all, other).overall),
        ...(excluded.size > 0 ? { overallWithExclusions: spread(sharesPerSeed(a, kept, other).overall) } : {}),
      },
      dailyLbgi: dailyLbgi(all),
      ...(excluded.size > 0 ? { dailyLbgiWithExclusions: dailyLbgi(kept) } : {}),
      lbgiSlope: spreads(slopesPerSeed(a, all)),
      ...(excluded.size > 0 ? { lbgiSlopeWithExclusions: spreads(slopesPerSeed(a, kept)) } : {}),
      ...(changes.length > 0 ? { thetaChange: { mean: mean(changes), max: Math.max(...changes), meanAbs: mean(meanChanges) } } : {}),
    };
  });

  const armIndex = new Map(experiment.arms.map((arm, i) => [arm.name, i]));
  const paired = (x: Record<string, number[]>, y: Record<string, number[]>) => Object.fromEntries(Object.keys(x).map((g) => [g, pairedInterval(x[g]!, y[g]!)]));
  const comparisons = experiment.compare.map(([aName, bName]): ArmComparison => {
    const [a, b] = [armIndex.get(aName)!, armIndex.get(bName)!];
    return {
      a: aName,
      b: bName,
      percentAB: paired(sharesPerSeed(a, all, experiment.cvgaPoints), sharesPerSeed(b, all, experiment.cvgaPoints)),
      ...(excluded.size > 0 ? { percentABWithExclusions: paired(sharesPerSeed(a, kept, experiment.cvgaPoints), sharesPerSeed(b, kept, experiment.cvgaPoints)) } : {}),
      lbgiSlope: paired(slopesPerSeed(a, all), slopesPerSeed(b, all)),
      ...(excluded.size > 0 ? { lbgiSlopeWithExclusions: paired(slopesPerSeed(a, kept), slopesPerSeed(b, kept)) } : {}),
    };
  });
  return { arms, comparisons };
}

/**
 * What the run-in transfer entropy measures, per arm that measures one: its
 * spread between patients against its spread over seeds within a patient
 * (ICC(1)), and across patients the correlation of its mean with total daily
 * insulin (TDI, U/day and U/kg/day) and with the correction factor (CF,
 * mg/dL per U: the physician's insulin sensitivity). Daskalaki, Diem &
 * Mougiakakou 2016 (PLoS ONE 11(7): e0158722, abstract) report that
 * insulin-to-glucose information transfer "is linked to patient-specific
 * characteristics related to total daily insulin needs and insulin
 * sensitivity (SI)".
 */
export interface TransferEntropyResult {
  readonly arm: string;
  readonly reliability: TransferEntropyReliability;
  readonly correlations: Readonly<Record<string, CorrelationSummary>>;
}

/** Covariates of each patient the TE is correlated with (NaN where the cohort has none). */
function patientCovariates(plan: ExperimentPlan): Record<string, Record<string, number>> {
  return Object.fromEntries(
    plan.patients.map((p) => {
      const tdi = p.totalDailyInsulinU ?? NaN;
      return [p.name, { tdi_u_per_day: tdi, tdi_u_per_kg_day: tdi / p.bodyWeightKg, cf_mg_dl_per_u: p.correctionFactorMgDlPerU ?? NaN }];
    }),
  );
}

export function transferEntropyResults(experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[]): TransferEntropyResult[] {
  const covariates = patientCovariates(plan);
  return experiment.arms.flatMap((arm, a) => {
    const observations = plan.jobs.flatMap((j, k) => (j.arm === a && Number.isFinite(outcomes[k].transferEntropyBits) ? [{ patient: j.patient, seed: j.seed, transferEntropyBits: outcomes[k].transferEntropyBits }] : []));
    if (observations.length === 0) return [];
    const reliability = transferEntropyReliability(observations);
    return [{ arm: arm.name, reliability, correlations: transferEntropyCovariateCorrelations(reliability.perPatient, covariates) }];
  });
}

/**
 * Per comparison a − b: across patients (without the excluded ones), the
 * correlation of the LBGI that a saves against b over the window (b − a, mean
 * over seeds) with the patient's CF and TDI. Daskalaki, Diem & Mougiakakou 2016 (abstract): the TE tuning
 * "reduced the risk of severe hypoglycaemia, especially in patients with low
 * SI", i.e. a negative correlation with insulin sensitivity.
 */
export function lbgiBenefitCorrelations(experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[]): { a: string; b: string; correlations: Record<string, CorrelationSummary> }[] {
  const covariates = patientCovariates(plan);
  const armIndex = new Map(experiment.arms.map((arm, i) => [arm.name, i]));
  const windowLbgi = (arm: number, patient: string) =>
    mean(plan.jobs.flatMap((j, k) => (j.arm === arm && j.patient === patient ? [outcomes[k].phases[0]?.lbgi ?? NaN] : [])).filter(Number.isFinite));
  // Without the excluded patients, whose extreme LBGI would decide Pearson's r alone.
  const excluded = new Set(experiment.exclude?.patients ?? []);
  const patients = plan.patients.filter((p) => !excluded.has(p.name));
  return experiment.compare.map(([a, b]) => {
    const benefit = patients.map((p) => windowLbgi(armIndex.get(b)!, p.name) - windowLbgi(armIndex.get(a)!, p.name));
    const names = Object.keys(covariates[patients[0]?.name ?? ''] ?? {});
    return { a, b, correlations: Object.fromEntries(names.map((n) => [n, correlation(benefit, patients.map((p) => covariates[p.name]![n]!))])) };
  });
}

const COVARIATE_LABELS: Readonly<Record<string, string>> = {
  tdi_u_per_day: 'TDI (U/day)',
  tdi_u_per_kg_day: 'TDI per kg (U/kg/day)',
  cf_mg_dl_per_u: 'CF (mg/dL per U)',
};

function correlationText(c: CorrelationSummary | undefined): string {
  if (!c || !Number.isFinite(c.pearson.r)) return '';
  const r = c.pearson;
  return `${formatNumber(r.r)} [${formatNumber(r.lower95)}, ${formatNumber(r.upper95)}]`;
}

/** The report's section on the run-in transfer entropy (TransferEntropyResult, lbgiBenefitCorrelations). */
function transferEntropySection(results: readonly TransferEntropyResult[], benefit: ReturnType<typeof lbgiBenefitCorrelations>, seeds: number, without: string): ReportSection {
  const covariates = Object.keys(COVARIATE_LABELS);
  return {
    title: 'Transfer entropy',
    text:
      `The run-in transfer entropy from insulin on board to glucose, per arm that measures it (arms with the same run-in measure the same TE). ` +
      `Spread between patients (SD of their means over ${seeds} seeds) against within a patient (pooled SD over seeds), and ICC(1) (Shrout & Fleiss 1979): the share of the variance that tells patients apart. ` +
      'Then, across patients, the Pearson correlation of the mean TE with total daily insulin and with the correction factor (the physician\'s insulin sensitivity), with its 95 % interval (Fisher z); ' +
      'Daskalaki, Diem & Mougiakakou 2016 (PLoS ONE 11(7): e0158722) report TE "linked to" total daily insulin needs and insulin sensitivity, and that the TE tuning lowers the risk of severe hypoglycaemia most in patients with low insulin sensitivity: the last table correlates the LBGI one arm saves against another with the same covariates.',
    tables: [
      {
        caption: 'Spread of the TE',
        header: ['arm', 'patients', 'mean TE (bits)', 'between patients, SD (bits)', 'within a patient, SD (bits)', 'ICC(1)'],
        rows: results.map((t) => [t.arm, t.reliability.patients, t.reliability.grandMeanBits, t.reliability.betweenPatientSdBits, t.reliability.withinPatientSdBits, t.reliability.icc1]),
      },
      {
        caption: 'Correlation across patients of the mean TE with',
        header: ['arm', ...covariates.map((c) => COVARIATE_LABELS[c]!)],
        headerGroups: [
          { label: '', span: 1 },
          { label: "Pearson's r [95 % CI]", span: covariates.length },
        ],
        rows: results.map((t) => [t.arm, ...covariates.map((c) => correlationText(t.correlations[c]))]),
      },
      ...(benefit.length > 0
        ? [
            {
              caption: `Correlation across patients${without} of the window LBGI saved (b − a) with`,
              header: ['arms', ...covariates.map((c) => COVARIATE_LABELS[c]!)],
              headerGroups: [
                { label: '', span: 1 },
                { label: "Pearson's r [95 % CI]", span: covariates.length },
              ],
              rows: benefit.map((b) => [`${b.a} against ${b.b}`, ...covariates.map((c) => correlationText(b.correlations[c]))]),
            },
          ]
        : []),
    ],
  };
}

/** "mean ± SD over seeds (SD over patients)", each SD left out where there is none (one seed, one patient); a glucose mean at the floor as "< 1". */
export function phaseCell(m: PhaseSpread, isGlucose: boolean): string {
  const patients = Number.isNaN(m.sdPatients) ? '' : ` (${formatNumber(m.sdPatients)})`;
  return `${meanSdText(m.mean, m.sdSeeds, isGlucose)}${patients}`;
}

function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** Write summary.json, table1.csv, comparisons.csv (when the experiment compares arms), patients.csv, paths.csv, phases.csv, the figures and report.html into `dir`. */
export function writeExperimentReport(dir: string, experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[], meta: Record<string, unknown>): ArmResult[] {
  const { arms: results, comparisons } = summariseStudy(experiment, plan, outcomes);
  const transferEntropy = transferEntropyResults(experiment, plan, outcomes);
  const lbgiBenefit = lbgiBenefitCorrelations(experiment, plan, outcomes);
  const groups = [...new Set(plan.patients.map((p) => p.group))];
  const groupOf = new Map(plan.patients.map((p) => [p.name, p.group]));
  const columns = ['overall', ...groups];
  const windowText = `last ${experiment.windowDays} of ${experiment.scenario.days} trial days`;

  writeFileAtomic(
    join(dir, 'summary.json'),
    JSON.stringify(
      { ...meta, experiment: experiment.name, seeds: plan.seeds, runInDays: experiment.runInDays, window: windowText, exclude: experiment.exclude ?? null, ...(plan.droppedExclusions.length > 0 ? { droppedExclusions: plan.droppedExclusions } : {}), published: experiment.published ?? null, cvgaPoints: experiment.cvgaPoints, arms: results, ...(comparisons.length > 0 ? { comparisons, lbgiBenefit } : {}), ...(transferEntropy.length > 0 ? { transferEntropy } : {}) },
      null,
      2,
    ) + '\n',
  );

  const table1 = ['arm,with_exclusions,group,cvga_points,percent_ab_mean,percent_ab_sd,percent_ab_ci95_low,percent_ab_ci95_high,lbgi_slope_per_day_mean,lbgi_slope_ci95_low,lbgi_slope_ci95_high,' + plan.seeds.map((s) => `seed_${s}`).join(',')];
  for (const r of results) {
    for (const [label, shares, slopes] of [['no', r.percentAB, r.lbgiSlope], ['yes', r.percentABWithExclusions, r.lbgiSlopeWithExclusions]] as const) {
      if (!shares) continue;
      for (const g of columns) {
        const slope = slopes?.[g];
        const slopeCells = slope ? [slope.mean, slope.low, slope.high].map(csvNumber) : ['', '', ''];
        table1.push([r.arm, label, g, experiment.cvgaPoints, csvNumber(shares[g].mean), csvNumber(shares[g].sd), csvNumber(shares[g].low), csvNumber(shares[g].high), ...slopeCells, ...shares[g].perSeed.map(csvNumber)].join(','));
      }
    }
  }
  writeFileAtomic(join(dir, 'table1.csv'), table1.join('\n') + '\n');
  if (comparisons.length > 0) {
    const rows = ['a,b,with_exclusions,group,measure,difference_mean,ci95_low,ci95_high,sd_over_seeds,seeds'];
    for (const c of comparisons) {
      for (const [label, shares, slopes] of [['no', c.percentAB, c.lbgiSlope], ['yes', c.percentABWithExclusions, c.lbgiSlopeWithExclusions]] as const) {
        if (!shares || !slopes) continue;
        for (const [measure, values] of [['percent_ab', shares], ['lbgi_slope_per_day', slopes]] as const) {
          for (const g of Object.keys(values)) {
            const v = values[g]!;
            rows.push([c.a, c.b, label, g, measure, csvNumber(v.mean), csvNumber(v.low), csvNumber(v.high), csvNumber(v.sd), v.n].join(','));
          }
        }
      }
    }
    writeFileAtomic(join(dir, 'comparisons.csv'), rows.join('\n') + '\n');
  }

  const thetaNames = ['br_hyper', 'br_hypo', 'ic_hyper', 'ic_hypo'];
  const patientsCsv = [
    'arm,seed,patient,group,transfer_entropy_bits,initial_basal_u_per_h,final_basal_u_per_h,initial_ic_u_per_g,final_ic_u_per_g,cvga_min_mg_dl,cvga_max_mg_dl,cvga_zone,' +
      [...thetaNames.map((n) => `initial_theta_${n}`), ...thetaNames.map((n) => `final_theta_${n}`)].join(','),
  ];
  const pathsCsv = ['arm,seed,patient,day,basal_u_per_h,ic_u_per_g,lbgi'];
  plan.jobs.forEach((job, k) => {
    const o = outcomes[k];
    const arm = experiment.arms[job.arm].name;
    const last = o.basalUPerH.length - 1;
    patientsCsv.push(
      [
        arm, job.seed, job.patient, groupOf.get(job.patient), csvNumber(o.transferEntropyBits), csvNumber(o.basalUPerH[0]), csvNumber(o.basalUPerH[last]), csvNumber(o.icUPerG[0]), csvNumber(o.icUPerG[last]), csvNumber(o.cvga.minMgDl), csvNumber(o.cvga.maxMgDl), o.cvga.zone ?? '',
        ...thetaNames.map((_, i) => csvNumber(o.thetaInitial[i] ?? NaN)), ...thetaNames.map((_, i) => csvNumber(o.thetaFinal[i] ?? NaN)),
      ].join(','),
    );
    for (let d = 0; d <= last; d++) pathsCsv.push(`${arm},${job.seed},${job.patient},${d + 1},${csvNumber(o.basalUPerH[d])},${csvNumber(o.icUPerG[d])},${csvNumber(o.dailyLbgi[d])}`);
  });
  writeFileAtomic(join(dir, 'patients.csv'), patientsCsv.join('\n') + '\n');
  const phasesCsv = ['arm,phase,from_day,to_day,metric,mean,sd_patients,sd_seeds,' + plan.seeds.map((s) => `seed_${s}`).join(',')];
  for (const r of results) {
    for (const phase of r.phases) {
      for (const name of PHASE_METRIC_NAMES) {
        const m = phase.metrics[name];
        phasesCsv.push([r.arm, phase.name, phase.fromDay, phase.toDay, name, csvNumber(m.mean), csvNumber(m.sdPatients), csvNumber(m.sdSeeds), ...m.perSeed.map(csvNumber)].join(','));
      }
    }
  }
  writeFileAtomic(join(dir, 'phases.csv'), phasesCsv.join('\n') + '\n');
  writeFileAtomic(join(dir, 'paths.csv'), pathsCsv.join('\n') + '\n');

  // Figure 2: one CVGA per arm, seed 1, with the experiment's kind of point.
  const perDay = experiment.cvgaPoints === 'patient-day';
  const firstWindowDay = experiment.scenario.days - experiment.windowDays + 1;
  const cvgaFigures = experiment.arms.map((arm, a) => {
    const points = plan.jobs
      .map((j, k) => ({ j, k }))
      .filter(({ j }) => j.arm === a && j.seedIndex === 0)
      .flatMap(({ j, k }) => {
        const o = outcomes[k];
        const shown: { point: CvgaPoint; label: string }[] = perDay ? o.cvgaDays.map((p) => ({ point: p, label: `${j.patient}, trial day ${firstWindowDay + p.dayIndex}` })) : [{ point: o.cvga, label: j.patient }];
        return shown.filter(({ point }) => point.zone !== null).map(({ point, label }) => ({ label, group: groupOf.get(j.patient) ?? '', minMgDl: point.minMgDl, maxMgDl: point.maxMgDl }));
      });
    const svg = cvgaPlotSvg(points, { title: `CVGA, ${arm.name} (seed ${plan.seeds[0]}, ${windowText})`, points: experiment.cvgaPoints });
    writeFileAtomic(join(dir, `cvga-${arm.name}.svg`), svg);
    return { caption: `${arm.name}: one point per ${perDay ? 'patient and day' : 'patient'}, seed ${plan.seeds[0]}.`, svg };
  });
  // Figure 3: daily LBGI per group, one line per arm; again without the
  // excluded patients for each group that has some.
  const excluded = new Set(experiment.exclude?.patients ?? []);
  const lbgiFigure = (g: string, pick: (r: ArmResult) => ArmResult['dailyLbgi'], file: string, note: string) => {
    const svg = dailyLineChartSvg(
      results.map((r) => ({ name: r.arm, values: [...pick(r)[g]] })),
      { title: `Daily LBGI, ${g}${note} (mean over patients and seeds)`, yLabel: 'LBGI', xLabel: 'trial day', yFromZero: true },
    );
    writeFileAtomic(join(dir, file), svg);
    return { caption: `Daily LBGI of the ${g}${note}, one line per arm.`, svg };
  };
  const lbgiFigures = groups.flatMap((g) => {
    const all = lbgiFigure(g, (r) => r.dailyLbgi, `lbgi-${g}.svg`, '');
    const groupExcluded = plan.patients.filter((p) => p.group === g && excluded.has(p.name)).map((p) => p.name);
    if (groupExcluded.length === 0) return [all];
    return [all, lbgiFigure(g, (r) => r.dailyLbgiWithExclusions!, `lbgi-${g}-without-excluded.svg`, ` without ${groupExcluded.join(', ')}`)];
  });

  const intervalText = (v: { mean: number; low: number; high: number }) =>
    Number.isNaN(v.low) ? formatNumber(v.mean) : `${formatNumber(v.mean)} [${formatNumber(v.low)}, ${formatNumber(v.high)}]`;
  const shareRows = (pick: (r: ArmResult) => ArmResult['percentAB'] | undefined) =>
    results.flatMap((r) => {
      const shares = pick(r);
      return shares ? [[r.arm, ...columns.map((g) => `${meanSdText(shares[g].mean, shares[g].sd, false)}${Number.isNaN(shares[g].low) ? '' : ` [${formatNumber(shares[g].low)}, ${formatNumber(shares[g].high)}]`}`)]] : [];
    });
  const pointsText = perDay ? 'CVGA points (one per patient and day)' : 'patients';
  const shareGroups = [
    { label: '', span: 1 },
    { label: `% of ${pointsText} in A+B, mean ± SD [95 % CI]`, span: columns.length },
  ];
  const shownPhaseMetrics = PHASE_METRIC_NAMES.filter((n) => n !== 'mean_reward' || experiment.reward);
  const published = experiment.published;
  const withoutText = experiment.exclude ? ` without ${experiment.exclude.patients.join(', ')}` : '';
  const ours = (r: ArmResult) => r.percentABWithExclusions ?? r.percentAB;
  const publishedTables = published
    ? [
        {
          caption: `Published beside ours${withoutText}. ${published.source}${published.byGroup ? `; per group: ${published.byGroup.source}` : ''}. Gap: ours − published.`,
          header: ['arm', 'group', 'published (%)', 'ours, mean [95 % CI] (%)', 'gap, ours − published (%)'],
          rows: results.flatMap((r) => {
            const rows: (string | number | null)[][] = [];
            const overall = published.percentAB[r.arm];
            rows.push([r.arm, 'overall', overall ?? null, intervalText(ours(r).overall), overall === undefined ? null : ours(r).overall.mean - overall]);
            for (const [g, value] of Object.entries(published.byGroup?.percentAB[r.arm] ?? {})) {
              const mine = ours(r)[g];
              rows.push([r.arm, g, value, mine ? intervalText(mine) : null, mine ? mine.mean - value : null]);
            }
            return rows;
          }),
        },
      ]
    : [];
  const otherPointsTable = {
    caption: `The same overall with one point per ${perDay ? 'patient over the window' : 'patient and day'} instead: how much the kind of point moves the figure.`,
    header: ['arm', 'all, A+B (%)', ...(experiment.exclude ? [`${withoutText.trim()}, A+B (%)`] : [])],
    rows: results.map((r) => [r.arm, intervalText(r.percentABOtherPoints.overall), ...(r.percentABOtherPoints.overallWithExclusions ? [intervalText(r.percentABOtherPoints.overallWithExclusions)] : [])]),
  };
  const slopeTable = (pick: (r: ArmResult) => ArmResult['lbgiSlope'] | undefined, caption: string) => ({
    caption,
    header: ['arm', ...groups.map((g) => `${g} (per day)`)],
    headerGroups: [
      { label: '', span: 1 },
      { label: 'slope of daily LBGI over the trial days: mean [95 % CI over seeds]', span: groups.length },
    ],
    rows: results.flatMap((r) => {
      const slopes = pick(r);
      return slopes ? [[r.arm, ...groups.map((g) => intervalText(slopes[g]!))]] : [];
    }),
  });
  const comparisonRows = (pickShares: (c: ArmComparison) => ArmComparison['percentAB'] | undefined, pickSlopes: (c: ArmComparison) => ArmComparison['lbgiSlope'] | undefined) =>
    comparisons.flatMap((c) => {
      const shares = pickShares(c);
      const slopes = pickSlopes(c);
      if (!shares || !slopes) return [];
      return columns.map((g) => [`${c.a} − ${c.b}`, g, intervalText(shares[g]!), slopes[g] ? intervalText(slopes[g]!) : null]);
    });
  const comparisonHeader = ['arms', 'group', 'Δ A+B (%)', 'Δ LBGI slope (per day)'];
  const comparisonSection: ReportSection[] =
    comparisons.length > 0
      ? [
          {
            title: 'Arm against arm',
            text: `Differences paired by seed (every arm sees the same meals and sensor noise for a patient and seed): mean and 95 % interval over the ${plan.seeds.length} seeds (Student's t). An interval that excludes 0 is a difference the seeds support.`,
            tables: [
              { caption: 'All patients', header: comparisonHeader, rows: comparisonRows((c) => c.percentAB, (c) => c.lbgiSlope) },
              ...(experiment.exclude ? [{ caption: `Without ${experiment.exclude.patients.join(', ')}`, header: comparisonHeader, rows: comparisonRows((c) => c.percentABWithExclusions, (c) => c.lbgiSlopeWithExclusions) }] : []),
            ],
          },
        ]
      : [];
  const sections: ReportSection[] = [
    {
      title: 'Table 1: CVGA A+B',
      text: `% of ${pointsText} in CVGA zones A and B over the ${windowText}, mean ± SD over ${plan.seeds.length} seeds (${plan.seeds.join(', ')}) and the 95 % interval of the mean.`,
      tables: [
        { caption: 'All patients', header: ['arm', ...columns], headerGroups: shareGroups, rows: shareRows((r) => r.percentAB) },
        ...(experiment.exclude
          ? [{ caption: `Without ${experiment.exclude.patients.join(', ')} (${experiment.exclude.reason})`, header: ['arm', ...columns], headerGroups: shareGroups, rows: shareRows((r) => r.percentABWithExclusions) }]
          : []),
        ...publishedTables,
        otherPointsTable,
      ],
    },
    ...comparisonSection,
    {
      title: 'Outcomes per phase',
      text:
        `True blood glucose and insulin over each arm's phases (trial days), mean over patients and seeds ± SD over the ${plan.seeds.length} seeds' cohort means` +
        ' (in brackets: SD over patients). The first phase of every arm is the same window, for comparing arms; then each learning controller\'s own phases.' +
        (experiment.reward
          ? ` Mean reward: Shifrin & Siegelmann 2017, §2.2, of the readings the controller saw (gl_h = ${experiment.reward.reward.targetMgDl} mg/dL, L^c = ${experiment.reward.reward.hypoLevels}, levels of ${experiment.reward.space.glucose.bfcMgDl} mg/dL from ${experiment.reward.space.glucose.minMgDl} to ${experiment.reward.space.glucose.maxMgDl}).`
          : ''),
      tables: phaseMetricTables(shownPhaseMetrics).map((t) =>
        withFloorNote({
          caption: `Per arm and phase: ${t.caption}`,
          header: ['arm', 'phase', 'days', ...t.names.map((n) => PHASE_METRIC_LABELS[n])],
          rows: results.flatMap((r) => r.phases.map((p) => [r.arm, p.name, `${p.fromDay}–${p.toDay}`, ...t.names.map((n) => phaseCell(p.metrics[n], n === 'mean'))])),
        }),
      ),
    },
    { title: 'Figure 2: CVGA per arm', figures: cvgaFigures },
    {
      title: 'Figure 3: daily LBGI per group',
      text: 'Daily LBGI over the trial days, mean over patients and seeds; below, how fast each arm lowers it: the least-squares slope over the trial days of the group\'s daily mean, per seed, then over seeds.',
      figures: lbgiFigures,
      tables: [
        slopeTable((r) => r.lbgiSlope, 'All patients'),
        ...(experiment.exclude ? [slopeTable((r) => r.lbgiSlopeWithExclusions, `Without ${experiment.exclude.patients.join(', ')}`)] : []),
      ],
    },
    ...(results.some((r) => r.thetaChange)
      ? [
          {
            title: 'Actor learning',
            text: 'How far the actor moved the policy parameters θ over the trial: |θ_final − θ_0| averaged over θ\'s four elements, patients and seeds; and per patient and seed the largest |θ_final − θ_0| over θ\'s elements, then its mean and maximum. θ is the change per day per unit of state (P = x·θ), so a change of 0.01 in one element moves a day\'s basal or IC step by at most 1 %: well below that, the arm ran on its initial θ.',
            tables: [
              {
                caption: 'Per arm, over patients and seeds',
                header: ['arm', 'mean |Δθ| (per day)', 'mean largest |Δθ| (per day)', 'max |Δθ| (per day)'],
                rows: results.flatMap((r) => (r.thetaChange ? [[r.arm, r.thetaChange.meanAbs, r.thetaChange.mean, r.thetaChange.max]] : [])),
              },
            ],
          },
        ]
      : []),
    ...(transferEntropy.length > 0 ? [transferEntropySection(transferEntropy, lbgiBenefit, plan.seeds.length, withoutText)] : []),
    {
      title: 'Patients',
      text: 'Transfer entropy from the run-in, and basal rate and IC ratio at the start and end of the trial (seed 1).',
      tables: [
        {
          caption: 'Per arm and patient, seed 1',
          header: ['arm', 'patient', 'group', 'TE (bits)', 'BR start (U/h)', 'BR end (U/h)', 'IC start (U/g)', 'IC end (U/g)', 'CVGA zone'],
          rows: plan.jobs
            .map((j, k) => ({ j, o: outcomes[k] }))
            .filter(({ j }) => j.seedIndex === 0)
            .map(({ j, o }) => [experiment.arms[j.arm].name, j.patient, groupOf.get(j.patient) ?? '', o.transferEntropyBits, o.basalUPerH[0], o.basalUPerH[o.basalUPerH.length - 1], o.icUPerG[0], o.icUPerG[o.icUPerG.length - 1], o.cvga.zone ?? '']),
        },
      ],
    },
  ];
  writeFileAtomic(
    join(dir, 'report.html'),
    renderReport({ title: `glucosim experiment: ${experiment.name}`, subtitle: `${experiment.description} · CVGA zones: ${CVGA_ZONES.join(', ')}`, sections }),
  );
  return results;
}
