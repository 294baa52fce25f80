/**
 * Results of an experiment: per job (arm, seed, patient) the CVGA point over
 * the window and the daily LBGI of the trial days, folded as traces arrive;
 * then per arm the CVGA A+B shares per group and overall (mean and spread
 * over seeds, with and without excluded patients), daily LBGI per group, the
 * learning controllers' daily basal/IC paths, and the files and report.
 */
import { join } from 'node:path';
import { CVGA_ZONES, type CvgaPoint, cvgaPoint, cvgaSummary } from '../metrics/cvga.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Experiment, ExperimentPlan, TrialPhase } from '../sim/experiment.js';
import type { Trace } from '../sim/trace.js';
import { formatNumber, renderReport, type ReportSection } from './html.js';
import { meanSdText, withFloorNote } from './glucoseCell.js';
import { bloodGlucoseSeries, dailyIndices } from './patientAnalysis.js';
import { finiteMeanSd } from './finiteStats.js';
import { PHASE_METRIC_LABELS, PHASE_METRIC_NAMES, type PhaseMetricName, type PhaseMetrics, phaseMetricTables, phaseMetrics } from './phaseMetrics.js';
import { cvgaPlotSvg, dailyLineChartSvg } from './svg.js';

const MINUTES_PER_DAY = 1440;

/** What is kept of one job's trace. */
export interface JobOutcome {
  readonly cvga: CvgaPoint;
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

interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly perSeed: readonly number[];
}

function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, perSeed: values };
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
  /** % of patients in CVGA A+B over the window, overall and per group: mean and SD over seeds. */
  readonly percentAB: Readonly<Record<string, Spread>>;
  readonly percentABWithExclusions?: Readonly<Record<string, Spread>>;
  /** Mean LBGI per trial day, per group (over seeds and patients). */
  readonly dailyLbgi: Readonly<Record<string, readonly number[]>>;
  /** The same without the excluded patients (present when the experiment excludes some). */
  readonly dailyLbgiWithExclusions?: Readonly<Record<string, readonly number[]>>;
  /**
   * How far the actor moved θ over the trial, for arms whose controller has
   * one: per patient and seed the largest |θ_final − θ_0| over θ's elements,
   * then its mean and maximum. θ is the daily relative change per unit of
   * state (P = x·θ, x in [0, 1]), so 0.01 in one element moves a day's step
   * by at most 1 %.
   */
  readonly thetaChange?: { readonly mean: number; readonly max: number };
}

/** Largest |θ_final − θ_0| over θ's elements (NaN without θ). */
export function thetaChange(o: JobOutcome): number {
  if (o.thetaInitial.length === 0 || o.thetaInitial.length !== o.thetaFinal.length) return NaN;
  return Math.max(...o.thetaInitial.map((t, i) => Math.abs(o.thetaFinal[i]! - t)));
}

export function summariseExperiment(experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[]): ArmResult[] {
  const groups = [...new Set(plan.patients.map((p) => p.group))];
  const groupOf = new Map(plan.patients.map((p) => [p.name, p.group]));
  const excluded = new Set(experiment.exclude?.patients ?? []);
  return experiment.arms.map((arm, a) => {
    const jobsOf = (seedIndex: number) => plan.jobs.map((j, k) => ({ j, k })).filter(({ j }) => j.arm === a && j.seedIndex === seedIndex);
    const shares = (keep: (patient: string) => boolean) => {
      const perGroup: Record<string, number[]> = { overall: [] };
      for (const g of groups) perGroup[g] = [];
      plan.seeds.forEach((_, s) => {
        const jobs = jobsOf(s).filter(({ j }) => keep(j.patient));
        perGroup.overall.push(cvgaSummary(jobs.map(({ k }) => outcomes[k].cvga)).percentAB);
        for (const g of groups) perGroup[g].push(cvgaSummary(jobs.filter(({ j }) => groupOf.get(j.patient) === g).map(({ k }) => outcomes[k].cvga)).percentAB);
      });
      return Object.fromEntries(Object.entries(perGroup).map(([g, v]) => [g, spread(v)]));
    };
    const dailyLbgi = (keep: (patient: string) => boolean) => {
      const perGroup: Record<string, number[]> = {};
      for (const g of groups) {
        const jobs = plan.jobs.map((j, k) => ({ j, k })).filter(({ j }) => j.arm === a && groupOf.get(j.patient) === g && keep(j.patient));
        perGroup[g] = Array.from({ length: experiment.scenario.days }, (_, d) => {
          const xs = jobs.map(({ k }) => outcomes[k].dailyLbgi[d]).filter(Number.isFinite);
          return xs.reduce((s, v) => s + v, 0) / xs.length;
        });
      }
      return perGroup;
    };
    const kept = (p: string) => !excluded.has(p);
    const armJobs = plan.jobs.map((j, k) => ({ j, k })).filter(({ j }) => j.arm === a);
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
    const changes = plan.jobs.flatMap((j, k) => (j.arm === a ? [thetaChange(outcomes[k])] : [])).filter(Number.isFinite);
    return {
      arm: arm.name,
      phases,
      percentAB: shares(() => true),
      ...(excluded.size > 0 ? { percentABWithExclusions: shares(kept) } : {}),
      dailyLbgi: dailyLbgi(() => true),
      ...(excluded.size > 0 ? { dailyLbgiWithExclusions: dailyLbgi(kept) } : {}),
      ...(changes.length > 0 ? { thetaChange: { mean: changes.reduce((s, v) => s + v, 0) / changes.length, max: Math.max(...changes) } } : {}),
    };
  });
}

/** "mean ± SD over seeds (SD over patients)", each SD left out where there is none (one seed, one patient); a glucose mean at the floor as "< 1". */
export function phaseCell(m: PhaseSpread, isGlucose: boolean): string {
  const patients = Number.isNaN(m.sdPatients) ? '' : ` (${formatNumber(m.sdPatients)})`;
  return `${meanSdText(m.mean, m.sdSeeds, isGlucose)}${patients}`;
}

function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** Write summary.json, table1.csv, patients.csv, paths.csv, the figures and report.html into `dir`. */
export function writeExperimentReport(dir: string, experiment: Experiment, plan: ExperimentPlan, outcomes: readonly JobOutcome[], meta: Record<string, unknown>): ArmResult[] {
  const results = summariseExperiment(experiment, plan, outcomes);
  const groups = [...new Set(plan.patients.map((p) => p.group))];
  const groupOf = new Map(plan.patients.map((p) => [p.name, p.group]));
  const columns = ['overall', ...groups];
  const windowText = `last ${experiment.windowDays} of ${experiment.scenario.days} trial days`;

  writeFileAtomic(
    join(dir, 'summary.json'),
    JSON.stringify(
      { ...meta, experiment: experiment.name, seeds: plan.seeds, runInDays: experiment.runInDays, window: windowText, exclude: experiment.exclude ?? null, ...(plan.droppedExclusions.length > 0 ? { droppedExclusions: plan.droppedExclusions } : {}), published: experiment.published ?? null, arms: results },
      null,
      2,
    ) + '\n',
  );

  const table1 = ['arm,with_exclusions,group,percent_ab_mean,percent_ab_sd,' + plan.seeds.map((s) => `seed_${s}`).join(',')];
  for (const r of results) {
    for (const [label, shares] of [['no', r.percentAB], ['yes', r.percentABWithExclusions]] as const) {
      if (!shares) continue;
      for (const g of columns) table1.push([r.arm, label, g, csvNumber(shares[g].mean), csvNumber(shares[g].sd), ...shares[g].perSeed.map(csvNumber)].join(','));
    }
  }
  writeFileAtomic(join(dir, 'table1.csv'), table1.join('\n') + '\n');

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

  // Figure 2: one CVGA per arm (first seed: one point per patient).
  const cvgaFigures = experiment.arms.map((arm, a) => {
    const points = plan.jobs
      .map((j, k) => ({ j, k }))
      .filter(({ j, k }) => j.arm === a && j.seedIndex === 0 && outcomes[k].cvga.zone !== null)
      .map(({ j, k }) => ({ label: j.patient, group: groupOf.get(j.patient) ?? '', minMgDl: outcomes[k].cvga.minMgDl, maxMgDl: outcomes[k].cvga.maxMgDl }));
    const svg = cvgaPlotSvg(points, { title: `CVGA, ${arm.name} (seed ${plan.seeds[0]}, ${windowText})` });
    writeFileAtomic(join(dir, `cvga-${arm.name}.svg`), svg);
    return { caption: `${arm.name}: one point per patient, seed ${plan.seeds[0]}.`, svg };
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

  const shareRows = (pick: (r: ArmResult) => ArmResult['percentAB'] | undefined) =>
    results.flatMap((r) => {
      const shares = pick(r);
      return shares ? [[r.arm, ...columns.map((g) => meanSdText(shares[g].mean, shares[g].sd, false))]] : [];
    });
  const shareGroups = [
    { label: '', span: 1 },
    { label: '% of patients in A+B, mean ± SD', span: columns.length },
  ];
  const shownPhaseMetrics = PHASE_METRIC_NAMES.filter((n) => n !== 'mean_reward' || experiment.reward);
  const sections: ReportSection[] = [
    {
      title: 'Table 1: CVGA A+B',
      text: `% of patients in CVGA zones A and B over the ${windowText}, mean ± SD over ${plan.seeds.length} seeds (${plan.seeds.join(', ')}).`,
      tables: [
        { caption: 'All patients', header: ['arm', ...columns], headerGroups: shareGroups, rows: shareRows((r) => r.percentAB) },
        ...(experiment.published
          ? [
              {
                caption: `Published: ${experiment.published.source}`,
                header: ['arm', 'published', 'ours, mean ± SD'],
                headerGroups: [
                  { label: '', span: 1 },
                  { label: '% of all patients in A+B', span: 2 },
                ],
                rows: results.map((r) => [r.arm, experiment.published!.percentAB[r.arm] ?? null, meanSdText(r.percentAB.overall.mean, r.percentAB.overall.sd, false)]),
              },
            ]
          : []),
        ...(experiment.exclude
          ? [{ caption: `Without ${experiment.exclude.patients.join(', ')} (${experiment.exclude.reason})`, header: ['arm', ...columns], headerGroups: shareGroups, rows: shareRows((r) => r.percentABWithExclusions) }]
          : []),
      ],
    },
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
    { title: 'Figure 3: daily LBGI per group', figures: lbgiFigures },
    ...(results.some((r) => r.thetaChange)
      ? [
          {
            title: 'Actor learning',
            text: 'How far the actor moved the policy parameters θ over the trial: per patient and seed the largest |θ_final − θ_0| over θ\'s elements, then its mean and maximum. θ is the change per day per unit of state (P = x·θ), so a change of 0.01 in one element moves a day\'s basal or IC step by at most 1 %: well below that, the arm ran on its initial θ.',
            tables: [
              {
                caption: 'Per arm, over patients and seeds',
                header: ['arm', 'mean largest |Δθ| (per day)', 'max |Δθ| (per day)'],
                rows: results.flatMap((r) => (r.thetaChange ? [[r.arm, r.thetaChange.mean, r.thetaChange.max]] : [])),
              },
            ],
          },
        ]
      : []),
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
