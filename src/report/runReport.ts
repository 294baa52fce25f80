/**
 * The report files of a run directory, from the per-patient analyses:
 * `metrics.csv` / `metrics.json` (window metrics and CVGA per patient, zone
 * shares per cohort and group), `daily.csv` (LBGI, HBGI, TIR, mean per day),
 * `cvga.svg`, `lbgi-daily.svg`, `plots/<patient>.svg` and `report.html`;
 * with CVGA points per patient-day (src/metrics/cvgaDays.ts) also
 * `cvga-days.csv`, and cvga.svg and report.html's CVGA summary are then over
 * patient-days.
 * Every glucose figure of report.html is the metrics' (floored, see
 * SIMULATED_BG_FLOOR_MG_DL), each shown once; summary.json, written from the
 * raw trace by the run command, is not a source of them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CVGA_AB_ZONES, type CvgaPoint, type CvgaSummary, cvgaSummary, cvgaSummaryByGroup, CVGA_ZONES } from '../metrics/cvga.js';
import type { CvgaPoints } from '../metrics/cvgaDays.js';
import { METRIC_NAMES, METRIC_UNITS, type MetricName } from '../metrics/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ControllerPhase, LogTable } from '../control/types.js';
import type { TraceSummary } from '../sim/trace.js';
import { formatNumber, renderReport, type ReportSection, type ReportTable, splitColumns } from './html.js';
import { glucoseCell, meanSdText, withFloorNote } from './glucoseCell.js';
import { type DayWindow, isWholeRun, type PatientAnalysis, SIMULATED_BG_FLOOR_MG_DL } from './patientAnalysis.js';
import { finiteMeanSd } from './finiteStats.js';
import { PHASE_METRIC_LABELS, PHASE_METRIC_NAMES, type PhaseMetrics, phaseMetricTables } from './phaseMetrics.js';
import { type CohortCvga, type CvgaDayRecord, type CvgaShares, jsonNumber, RUN_METRICS_FORMAT, type RunMetricsFile } from './runMetricsFile.js';
import { cvgaPlotSvg, dailyLineChartSvg } from './svg.js';

export interface RunReportInput {
  readonly glucosimVersion: string;
  readonly scenarioName: string;
  readonly scenarioFile: string;
  readonly seed: number | string;
  readonly days: number;
  readonly window: DayWindow;
  /** Patients in cohort order, with their group. */
  readonly patients: readonly { readonly name: string; readonly group: string }[];
  readonly summaries: readonly TraceSummary[];
  readonly analyses: readonly PatientAnalysis[];
  /** The controller's phases (ControllerEntry.phases), and each patient's outcomes over them, in `patients` order. */
  readonly phases?: readonly ControllerPhase[];
  readonly phaseOutcomes?: readonly (readonly PhaseMetrics[])[];
  /** Tables the controller made of each patient's log (ControllerEntry.describeLog), in `patients` order. */
  readonly controllerTables?: readonly (readonly LogTable[])[];
  /**
   * What a point of the CVGA plot and summary stands for (default `patient`).
   * `patient-day` needs every analysis made with it (`cvgaDays`).
   */
  readonly cvgaPoints?: CvgaPoints;
}

/** Mean ± SD over patients (just the mean for one patient, empty for none); a glucose mean at the floor as "< 1". */
function meanAndSd(values: readonly number[], isGlucose = false): string {
  const { mean, sd } = finiteMeanSd(values);
  return meanSdText(mean, sd, isGlucose);
}

interface PatientColumn {
  readonly header: string;
  readonly cell: (a: PatientAnalysis) => string | number;
}

function metricColumn(m: MetricName): PatientColumn {
  // The mean is the only metric that is a glucose level (SD, MODD, CONGA, MAGE are differences).
  return { header: METRIC_UNITS[m] ? `${m} (${METRIC_UNITS[m]})` : m, cell: (a) => (m === 'mean' ? glucoseCell(a.metrics.mean) : a.metrics[m]) };
}

/** A patient's days in A+B, as `k/n` (days without readings are not in n). */
function daysInAB(a: PatientAnalysis): string {
  const s = cvgaSummary(a.cvgaDays ?? []);
  return `${CVGA_AB_ZONES.reduce((k, z) => k + s.counts[z], 0)}/${s.n}`;
}

/**
 * The CVGA columns of the per-patient tables: the zone of the patient's point
 * over the window, and per patient-day also how many of its days are in A+B
 * (then the zone's header says it is the whole window's).
 */
function cvgaColumns(perDay: boolean): PatientColumn[] {
  return perDay
    ? [{ header: 'CVGA zone, whole window', cell: (a) => a.cvga.zone ?? '' }, { header: 'CVGA A+B (days)', cell: daysInAB }]
    : [{ header: 'CVGA zone', cell: (a) => a.cvga.zone ?? '' }];
}

/**
 * The per-patient metrics as tables of related columns, each repeating the
 * patient: all 21 metrics in one table are ≈ 1,700 px wide. Every metric is
 * in exactly one table; min and max are over the same floored readings.
 */
const metricTableSpecs = (perDay: boolean): readonly { readonly caption: string; readonly columns: readonly PatientColumn[] }[] => [
  {
    caption: 'level and spread',
    columns: [
      metricColumn('mean'),
      { header: 'min (mg/dL)', cell: (a) => glucoseCell(a.extremes.minMgDl) },
      { header: 'max (mg/dL)', cell: (a) => glucoseCell(a.extremes.maxMgDl) },
      ...(['sd', 'cv', 'gmi', 'ea1c'] as const).map(metricColumn),
    ],
  },
  {
    caption: 'time in ranges, % of readings',
    columns: [...(['tir', 'below_70', 'below_54', 'above_180', 'above_250'] as const).map(metricColumn), ...cvgaColumns(perDay)],
  },
  { caption: 'risk and quality indices (unitless)', columns: (['lbgi', 'hbgi', 'bgri', 'adrr', 'gri', 'm_value', 'grade', 'j_index'] as const).map(metricColumn) },
  { caption: 'variability within a day and between days', columns: (['mage', 'conga', 'modd'] as const).map(metricColumn) },
];

/** The phases side by side (cohort mean ± SD over patients), phases.csv, and the controller's tables per patient. */
function controllerSections(dir: string, input: RunReportInput): ReportSection[] {
  const sections: ReportSection[] = [];
  const phases = input.phases ?? [];
  const outcomes = input.phaseOutcomes ?? [];
  if (phases.length > 1 && outcomes.length === input.patients.length) {
    const names = PHASE_METRIC_NAMES.filter((n) => outcomes.some((o) => o.some((m) => Number.isFinite(m[n]))));
    const csv = [['patient', 'phase', 'from_day', 'to_day', ...names].join(',')];
    input.patients.forEach((p, i) => phases.forEach((phase, j) => csv.push([p.name, phase.name, phase.fromDay, phase.toDay, ...names.map((n) => csvCell(outcomes[i][j][n]))].join(','))));
    writeFileAtomic(join(dir, 'phases.csv'), csv.join('\n') + '\n');
    sections.push({
      title: 'Controller phases',
      text: 'The controller\'s phases side by side: true blood glucose every minute (floored as the metrics are) and the insulin given, mean ± SD over patients (per patient in phases.csv).',
      tables: phaseMetricTables(names).map((t) =>
        withFloorNote({
          caption: `Per phase: ${t.caption}`,
          header: ['phase', 'days', ...t.names.map((n) => PHASE_METRIC_LABELS[n])],
          rows: phases.map((phase, j) => [phase.name, `${phase.fromDay}–${phase.toDay}`, ...t.names.map((n) => meanAndSd(outcomes.map((o) => o[j][n]), n === 'mean'))]),
        }),
      ),
    });
  }
  const tables = input.controllerTables ?? [];
  if (tables.some((t) => t.length > 0)) {
    // Each kind of table is explained once, then shown per patient.
    const explained = new Map<string, string>();
    for (const t of tables.flat()) if (t.caption && !explained.has(t.title)) explained.set(t.title, t.caption);
    sections.push({
      title: 'Controller, per patient',
      text: [...explained].map(([title, caption]) => `${title}: ${caption}`).join(' '),
      tables: input.patients.flatMap((p, i) => (tables[i] ?? []).flatMap((t) => splitColumns({ caption: `${p.name}: ${t.title}`, header: t.header, rows: t.rows }))),
    });
  }
  return sections;
}

function shares(s: CvgaSummary): CvgaShares {
  return { n: s.n, percent: { ...s.percent }, percentAB: s.percentAB };
}

function cohortShares(cohort: CvgaSummary, byGroup: ReadonlyMap<string, CvgaSummary>): CohortCvga {
  return { cvga: shares(cohort), groups: Object.fromEntries([...byGroup].map(([g, s]) => [g, shares(s)])) };
}

/** A point of the CVGA plot and summary: a patient's, or one of its days'. */
interface LabelledCvgaPoint extends CvgaPoint {
  readonly label: string;
  readonly group: string;
}

/** The points of the CVGA plot and summary, in patient (then day) order. */
function cvgaReportPoints(input: RunReportInput, groupOf: ReadonlyMap<string, string>, perDay: boolean): LabelledCvgaPoint[] {
  return input.analyses.flatMap((a) => {
    const group = groupOf.get(a.patient) ?? '';
    if (!perDay) return [{ ...a.cvga, label: a.patient, group }];
    if (a.cvgaDays === undefined) throw new Error(`CVGA per patient-day: the analysis of ${a.patient} has no cvgaDays (analysePatient without cvgaPoints: 'patient-day')`);
    return a.cvgaDays.map((d) => ({ ...d, label: `${a.patient}, day ${d.day}`, group }));
  });
}

function cvgaDayRecord(d: CvgaPoint & { readonly day: number }): CvgaDayRecord {
  return d.zone === null ? { day: d.day, minMgDl: null, maxMgDl: null, zone: null } : { day: d.day, minMgDl: d.minMgDl, maxMgDl: d.maxMgDl, zone: d.zone };
}

function csvCell(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function windowText(w: DayWindow, days: number): string {
  return isWholeRun(w, days) ? `all ${days} days` : `days ${w.fromDay}–${w.toDay} of ${days}`;
}

/** Mean over patients of one daily index, per day, for each group (NaN days skipped). */
function groupDailyMeans(input: RunReportInput, pick: (a: PatientAnalysis) => number[]): { name: string; values: number[] }[] {
  const groups = [...new Set(input.patients.map((p) => p.group))];
  return groups.map((group) => {
    const members = input.analyses.filter((_, i) => input.patients[i].group === group);
    const values = Array.from({ length: input.days }, (_, d) => {
      const xs = members.map((a) => pick(a)[d]).filter(Number.isFinite);
      return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
    });
    return { name: group, values };
  });
}

export function writeRunReport(dir: string, input: RunReportInput): void {
  const { patients, analyses } = input;
  const groupOf = new Map(patients.map((p) => [p.name, p.group]));
  const cohortCvga = cvgaSummary(analyses.map((a) => a.cvga));
  const byGroup = cvgaSummaryByGroup(analyses.map((a) => ({ ...a.cvga, group: groupOf.get(a.patient) ?? '' })), (p) => p.group);
  // What the CVGA plot and its summary count: patients (Magni et al. 2008) or patient-days.
  const perDay = input.cvgaPoints === 'patient-day';
  const cvgaPoints = cvgaReportPoints(input, groupOf, perDay);
  const shownCvga = perDay ? cvgaSummary(cvgaPoints) : cohortCvga;
  const shownByGroup = perDay ? cvgaSummaryByGroup(cvgaPoints, (p) => p.group) : byGroup;
  const pointNoun = perDay ? 'patient-day' : 'patient';

  // metrics.json
  const metricsFile: RunMetricsFile = {
    format: RUN_METRICS_FORMAT,
    glucosimVersion: input.glucosimVersion,
    scenario: input.scenarioName,
    seed: input.seed,
    series: 'bg',
    window: input.window,
    ...(perDay ? { cvgaPoints: 'patient-day' as const } : {}),
    metricNames: [...METRIC_NAMES],
    patients: Object.fromEntries(
      analyses.map((a) => [
        a.patient,
        {
          group: groupOf.get(a.patient) ?? '',
          metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, jsonNumber(a.metrics[m])])),
          cvga: a.cvga.zone === null ? null : { minMgDl: a.cvga.minMgDl, maxMgDl: a.cvga.maxMgDl, zone: a.cvga.zone },
          ...(perDay ? { cvgaDays: (a.cvgaDays ?? []).map(cvgaDayRecord) } : {}),
        },
      ]),
    ),
    cohort: { ...cohortShares(cohortCvga, byGroup), ...(perDay ? { cvgaPatientDays: cohortShares(shownCvga, shownByGroup) } : {}) },
  };
  writeFileAtomic(join(dir, 'metrics.json'), JSON.stringify(metricsFile, null, 2) + '\n');

  // metrics.csv: one row per patient.
  const metricsCsv = [['patient', 'group', ...METRIC_NAMES, 'cvga_min_mg_dl', 'cvga_max_mg_dl', 'cvga_zone'].join(',')];
  for (const a of analyses) {
    metricsCsv.push(
      [a.patient, groupOf.get(a.patient), ...METRIC_NAMES.map((m) => csvCell(a.metrics[m])), csvCell(a.cvga.minMgDl), csvCell(a.cvga.maxMgDl), a.cvga.zone ?? ''].join(','),
    );
  }
  writeFileAtomic(join(dir, 'metrics.csv'), metricsCsv.join('\n') + '\n');

  // daily.csv: one row per patient and day.
  const dailyCsv = ['patient,group,day,lbgi,hbgi,tir,mean_mg_dl'];
  for (const a of analyses) {
    for (let d = 0; d < a.daily.lbgi.length; d++) {
      dailyCsv.push(`${a.patient},${groupOf.get(a.patient)},${d + 1},${csvCell(a.daily.lbgi[d])},${csvCell(a.daily.hbgi[d])},${csvCell(a.daily.tir[d])},${csvCell(a.daily.mean[d])}`);
    }
  }
  writeFileAtomic(join(dir, 'daily.csv'), dailyCsv.join('\n') + '\n');

  // cvga-days.csv: one row per patient and day of the window, when asked for.
  if (perDay) {
    const daysCsv = ['patient,group,day,cvga_min_mg_dl,cvga_max_mg_dl,cvga_zone'];
    for (const a of analyses) {
      for (const d of a.cvgaDays ?? []) daysCsv.push(`${a.patient},${groupOf.get(a.patient)},${d.day},${csvCell(d.minMgDl)},${csvCell(d.maxMgDl)},${d.zone ?? ''}`);
    }
    writeFileAtomic(join(dir, 'cvga-days.csv'), daysCsv.join('\n') + '\n');
  }

  // Figures.
  const cvgaSvg = cvgaPlotSvg(
    cvgaPoints.filter((p) => p.zone !== null).map((p) => ({ label: p.label, group: p.group, minMgDl: p.minMgDl, maxMgDl: p.maxMgDl })),
    {
      title: `CVGA, ${input.scenarioName} (${windowText(input.window, input.days)}${perDay ? ', one point per patient-day' : ''})`,
      ...(perDay ? { points: 'patient-day' as const } : {}),
    },
  );
  writeFileAtomic(join(dir, 'cvga.svg'), cvgaSvg);
  const lbgiSvg = dailyLineChartSvg(groupDailyMeans(input, (a) => a.daily.lbgi), {
    title: 'Daily LBGI per group (mean over patients)',
    yLabel: 'LBGI',
    xLabel: 'day',
    yFromZero: true,
  });
  writeFileAtomic(join(dir, 'lbgi-daily.svg'), lbgiSvg);
  mkdirSync(join(dir, 'plots'), { recursive: true });
  for (const a of analyses) writeFileAtomic(join(dir, 'plots', `${a.patient}.svg`), a.traceSvg);

  // report.html
  const zoneRows = [['all', shownCvga], ...[...shownByGroup]].map(([name, s]) => {
    const summary = s as CvgaSummary;
    return [name as string, summary.n, summary.percentAB, ...CVGA_ZONES.map((z) => summary.percent[z])];
  });
  const metricTables: ReportTable[] = metricTableSpecs(perDay).map((t, k) =>
    withFloorNote({
      caption: `Per patient: ${t.caption}`,
      // The group once, in the first table: the patient column is what ties the tables together.
      header: ['patient', ...(k === 0 ? ['group'] : []), ...t.columns.map((c) => c.header)],
      rows: analyses.map((a) => [a.patient, ...(k === 0 ? [groupOf.get(a.patient) ?? ''] : []), ...t.columns.map((c) => c.cell(a))]),
    }),
  );
  // Glucose over all days only when the window is shorter: otherwise they are the metrics' mean, min and max above.
  const windowIsWholeRun = isWholeRun(input.window, input.days);
  const summaryByPatient = new Map(input.summaries.map((s) => [s.patient, s]));
  const wholeRunTable = withFloorNote({
    caption: windowIsWholeRun ? 'Whole run: insulin and carbohydrate' : `Whole run (all ${input.days} days): glucose, insulin and carbohydrate`,
    header: [
      'patient',
      ...(windowIsWholeRun ? [] : ['mean BG, all days (mg/dL)', 'min BG, all days (mg/dL)', 'max BG, all days (mg/dL)']),
      'insulin (U)',
      'basal (U)',
      'bolus (U)',
      'pen injections (U)',
      'carbs (g)',
    ],
    rows: analyses.map((a) => {
      const s = summaryByPatient.get(a.patient);
      const glucose = windowIsWholeRun ? [] : [glucoseCell(a.wholeRun.meanMgDl), glucoseCell(a.wholeRun.minMgDl), glucoseCell(a.wholeRun.maxMgDl)];
      const totals = s ? [s.totalInsulinU, s.totalBasalU, s.totalBolusU, s.totalInjectedU, s.totalCarbsG] : [NaN, NaN, NaN, NaN, NaN];
      return [a.patient, ...glucose, ...totals];
    }),
  });
  const sections: ReportSection[] = [
    {
      title: 'CVGA',
      text: perDay
        ? `2.5th/97.5th percentiles of blood glucose per patient and day, ${windowText(input.window, input.days)} ` +
          `(Magni et al. 2008; one point per patient-day, as Daskalaki et al. 2014 count them; a day is a scenario day, 24 h from the run's start). ` +
          `The shares below are of patient-days; each patient's point over the whole window is in the tables below and in metrics.csv, each day's in cvga-days.csv.`
        : `2.5th/97.5th percentiles of blood glucose per patient over ${windowText(input.window, input.days)} (Magni et al. 2008).`,
      tables: [
        {
          caption: perDay ? 'Zone shares per group, over patient-days' : 'Zone shares per group',
          header: ['group', `n (${pointNoun}s)`, 'A+B', ...CVGA_ZONES],
          headerGroups: [
            { label: '', span: 2 },
            { label: `% of ${pointNoun}s in zone`, span: 1 + CVGA_ZONES.length },
          ],
          rows: zoneRows,
        },
      ],
      figures: [{ caption: `Control variability grid: one point per ${pointNoun}, coloured by group.`, svg: cvgaSvg }],
    },
    {
      title: 'Glucose metrics',
      text:
        `True blood glucose, every minute, over ${windowText(input.window, input.days)}: the figures of metrics.csv and metrics.json, ` +
        `in which simulated glucose below ${SIMULATED_BG_FLOOR_MG_DL} mg/dL counts as ${SIMULATED_BG_FLOOR_MG_DL} mg/dL. summary.json keeps the model's raw output: its mean, min and max BG ` +
        `are over all days and unfloored, so they can differ from these. Ranges are % of readings; empty cells have no value.`,
      tables: [...metricTables, wholeRunTable],
    },
    ...controllerSections(dir, input),
    {
      title: 'Daily risk',
      figures: [{ caption: 'Daily LBGI, mean over the patients of each group.', svg: lbgiSvg }],
    },
    {
      title: 'Patients',
      text: 'Blood glucose with the 70–180 mg/dL band, CGM readings, meals and insulin.',
      figures: analyses.map((a) => ({ caption: a.patient, svg: a.traceSvg })),
    },
  ];
  const html = renderReport({
    title: `glucosim run: ${input.scenarioName}`,
    subtitle: `${input.scenarioFile} · seed ${input.seed} · ${patients.length} patients · ${input.days} days · glucosim ${input.glucosimVersion} · CVGA A+B ${formatNumber(shownCvga.percentAB)} %${perDay ? ' of patient-days' : ''}`,
    sections,
  });
  writeFileAtomic(join(dir, 'report.html'), html);
}
