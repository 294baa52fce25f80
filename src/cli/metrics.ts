/**
 * `glucosim metrics <file.csv>`: every metric, the CVGA point and zone of each
 * subject of a CGM export, and the zone shares of all subjects together.
 */
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { readCgmCsv } from '../metrics/cgmCsv.js';
import { CVGA_AB_ZONES, CVGA_ZONES, cvgaPoint, cvgaSummary, type CvgaPoint, type CvgaSummary } from '../metrics/cvga.js';
import { computeMetrics, METRIC_NAMES, type Metrics } from '../metrics/index.js';
import { countValid, parseGlucoseUnit } from '../metrics/series.js';
import { jsonNumber } from '../report/runMetricsFile.js';

export interface MetricsArguments {
  readonly file: string;
  readonly id?: string;
  readonly time?: string;
  readonly glucose?: string;
  readonly unit?: string;
  readonly format?: string;
  readonly out?: string;
}

interface SubjectResult {
  readonly subject: string;
  readonly readings: number;
  readonly metrics: Metrics;
  readonly cvga: CvgaPoint;
}

function csvText(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function toJson(file: string, unit: string, results: readonly SubjectResult[], cohort: CvgaSummary): string {
  const subjects = Object.fromEntries(
    results.map((r) => [
      r.subject,
      {
        readings: r.readings,
        ...Object.fromEntries(METRIC_NAMES.map((m) => [m, jsonNumber(r.metrics[m])])),
        cvga: r.cvga.zone === null ? null : { minMgDl: r.cvga.minMgDl, maxMgDl: r.cvga.maxMgDl, zone: r.cvga.zone },
      },
    ]),
  );
  const cvga = { n: cohort.n, excluded: cohort.excluded, counts: cohort.counts, percent: cohort.percent, percentAB: cohort.percentAB };
  return JSON.stringify({ file, unit, subjects, cohort: { subjects: results.length, cvga } }, null, 2) + '\n';
}

/** Two tables: one row per subject; then the cohort's CVGA zones (count and percent). */
function toCsv(results: readonly SubjectResult[], cohort: CvgaSummary): string {
  const lines = [['subject', 'readings', ...METRIC_NAMES, 'cvga_min_mg_dl', 'cvga_max_mg_dl', 'cvga_zone'].join(',')];
  for (const r of results) {
    lines.push(
      [csvText(r.subject), r.readings, ...METRIC_NAMES.map((m) => csvNumber(r.metrics[m])), csvNumber(r.cvga.minMgDl), csvNumber(r.cvga.maxMgDl), r.cvga.zone ?? ''].join(','),
    );
  }
  lines.push('', 'cvga_zone,subjects,percent');
  for (const z of CVGA_ZONES) lines.push(`${csvText(z)},${cohort.counts[z]},${cohort.percent[z]}`);
  lines.push(`A+B,${CVGA_AB_ZONES.reduce((s, z) => s + cohort.counts[z], 0)},${cohort.percentAB}`);
  return lines.join('\n') + '\n';
}

export function metricsCommand(args: MetricsArguments): string {
  const unit = parseGlucoseUnit(args.unit ?? 'mg/dL');
  if (unit === undefined) throw new InputError('--unit', '', `must be mg/dL or mmol/L, got '${args.unit}'`);
  const format = args.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new InputError('--format', '', `must be json or csv, got '${format}'`);
  const series = readCgmCsv(args.file, { id: args.id, time: args.time, glucose: args.glucose, unit });
  if (series.size === 0) throw new InputError(args.file, '', 'no readings after the header');
  const results: SubjectResult[] = [...series].map(([subject, s]) => ({
    subject,
    readings: countValid(s),
    metrics: computeMetrics(s),
    cvga: cvgaPoint(s.glucoseMgDl),
  }));
  const cohort = cvgaSummary(results.map((r) => r.cvga));
  const text = format === 'json' ? toJson(args.file, unit, results, cohort) : toCsv(results, cohort);
  if (args.out) writeFileAtomic(args.out, text);
  return text;
}
