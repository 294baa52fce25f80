/**
 * The report files of a run directory, from the per-patient analyses:
 * `metrics.csv` / `metrics.json` (window metrics and CVGA per patient, zone
 * shares per cohort and group), `daily.csv` (LBGI, HBGI, TIR, mean per day),
 * `cvga.svg`, `lbgi-daily.svg`, `plots/<patient>.svg` and `report.html`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CvgaSummary, cvgaSummary, cvgaSummaryByGroup, CVGA_ZONES } from '../metrics/cvga.js';
import { METRIC_NAMES, METRIC_UNITS } from '../metrics/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ControllerPhase, LogTable } from '../control/types.js';
import type { TraceSummary } from '../sim/trace.js';
import { formatCell, renderReport, type ReportSection } from './html.js';
import type { DayWindow, PatientAnalysis } from './patientAnalysis.js';
import { finiteMeanSd } from './finiteStats.js';
import { PHASE_METRIC_LABELS, PHASE_METRIC_NAMES, type PhaseMetrics } from './phaseMetrics.js';
import { type CvgaShares, jsonNumber, RUN_METRICS_FORMAT, type RunMetricsFile } from './runMetricsFile.js';
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
}

/** Mean ± SD over patients (just the mean for one patient, empty for none). */
function meanAndSd(values: readonly number[]): string {
  const { mean, sd } = finiteMeanSd(values);
  return Number.isNaN(sd) ? formatCell(mean) : `${formatCell(mean)} ± ${formatCell(sd)}`;
}

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
      text: 'The controller\'s phases side by side: true blood glucose every minute and the insulin given, mean ± SD over patients (per patient in phases.csv).',
      tables: [
        {
          caption: 'Per phase',
          header: ['phase', 'days', ...names.map((n) => PHASE_METRIC_LABELS[n])],
          rows: phases.map((phase, j) => [phase.name, `${phase.fromDay}–${phase.toDay}`, ...names.map((n) => meanAndSd(outcomes.map((o) => o[j][n])))]),
        },
      ],
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
      tables: input.patients.flatMap((p, i) => (tables[i] ?? []).map((t) => ({ caption: `${p.name}: ${t.title}`, header: t.header, rows: t.rows }))),
    });
  }
  return sections;
}

function shares(s: CvgaSummary): CvgaShares {
  return { n: s.n, percent: { ...s.percent }, percentAB: s.percentAB };
}

function csvCell(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function windowText(w: DayWindow, days: number): string {
  return w.fromDay === 1 && w.toDay === days ? `all ${days} days` : `days ${w.fromDay}–${w.toDay} of ${days}`;
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

  // metrics.json
  const metricsFile: RunMetricsFile = {
    format: RUN_METRICS_FORMAT,
    glucosimVersion: input.glucosimVersion,
    scenario: input.scenarioName,
    seed: input.seed,
    series: 'bg',
    window: input.window,
    metricNames: [...METRIC_NAMES],
    patients: Object.fromEntries(
      analyses.map((a) => [
        a.patient,
        {
          group: groupOf.get(a.patient) ?? '',
          metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, jsonNumber(a.metrics[m])])),
          cvga: a.cvga.zone === null ? null : { minMgDl: a.cvga.minMgDl, maxMgDl: a.cvga.maxMgDl, zone: a.cvga.zone },
        },
      ]),
    ),
    cohort: { cvga: shares(cohortCvga), groups: Object.fromEntries([...byGroup].map(([g, s]) => [g, shares(s)])) },
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

  // Figures.
  const cvgaSvg = cvgaPlotSvg(
    analyses.filter((a) => a.cvga.zone !== null).map((a) => ({ label: a.patient, group: groupOf.get(a.patient) ?? '', minMgDl: a.cvga.minMgDl, maxMgDl: a.cvga.maxMgDl })),
    { title: `CVGA, ${input.scenarioName} (${windowText(input.window, input.days)})` },
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
  const zoneRows = [['all', cohortCvga], ...[...byGroup]].map(([name, s]) => {
    const summary = s as CvgaSummary;
    return [name as string, summary.n, summary.percentAB, ...CVGA_ZONES.map((z) => summary.percent[z])];
  });
  const summaryByPatient = new Map(input.summaries.map((s) => [s.patient, s]));
  const sections: ReportSection[] = [
    {
      title: 'CVGA',
      text: `2.5th/97.5th percentiles of blood glucose per patient over ${windowText(input.window, input.days)} (Magni et al. 2008).`,
      tables: [{ caption: 'Zone shares, % of patients', header: ['group', 'n', 'A+B', ...CVGA_ZONES], rows: zoneRows }],
      figures: [{ caption: 'Control variability grid: one point per patient, coloured by group.', svg: cvgaSvg }],
    },
    {
      title: 'Glucose metrics',
      text: `True blood glucose, every minute, over ${windowText(input.window, input.days)}. Ranges are % of readings; empty cells have no value.`,
      tables: [
        {
          caption: 'Per patient',
          header: ['patient', 'group', ...METRIC_NAMES.map((m) => (METRIC_UNITS[m] ? `${m} (${METRIC_UNITS[m]})` : m)), 'CVGA zone'],
          rows: analyses.map((a) => [a.patient, groupOf.get(a.patient) ?? '', ...METRIC_NAMES.map((m) => a.metrics[m]), a.cvga.zone ?? '']),
        },
        {
          caption: 'Whole run: glucose range and insulin',
          header: ['patient', 'mean BG (mg/dL)', 'min BG', 'max BG', 'insulin (U)', 'basal (U)', 'bolus (U)', 'carbs (g)'],
          rows: patients.map((p) => {
            const s = summaryByPatient.get(p.name);
            return s ? [p.name, s.meanBgMgDl, s.minBgMgDl, s.maxBgMgDl, s.totalInsulinU, s.totalBasalU, s.totalBolusU, s.totalCarbsG] : [p.name];
          }),
        },
      ],
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
    subtitle: `${input.scenarioFile} · seed ${input.seed} · ${patients.length} patients · ${input.days} days · glucosim ${input.glucosimVersion} · CVGA A+B ${formatCell(cohortCvga.percentAB)} %`,
    sections,
  });
  writeFileAtomic(join(dir, 'report.html'), html);
}
