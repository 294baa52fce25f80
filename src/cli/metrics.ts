/**
 * `glucosim metrics <file.csv>`: every metric, the CVGA point and zone of each
 * subject of a CGM export, and the zone shares of all subjects together.
 */
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { compact } from '../io/numberFormat.js';
import { type CgmSubject, readCgmCsvSubjects } from '../metrics/cgmCsv.js';
import { CVGA_AB_ZONES, CVGA_ZONES, cvgaPoint, cvgaSummary, percentile, type CvgaPoint, type CvgaSummary } from '../metrics/cvga.js';
import { computeMetrics, METRIC_NAMES, type Metrics } from '../metrics/index.js';
import { countValid, type GlucoseUnit, MGDL_PER_MMOLL } from '../metrics/series.js';
import { jsonNumber } from '../report/runMetricsFile.js';
import { checkOutputFile } from './outputDir.js';

export interface MetricsArguments {
  readonly file: string;
  readonly id?: string;
  readonly time?: string;
  readonly glucose?: string;
  readonly unit?: string;
  readonly format?: string;
  readonly out?: string;
  /** `refuse` (default) or `average` the readings of a subject at the same time. */
  readonly duplicates?: string;
  /** Refuse medians that are implausible in the unit given (default true). */
  readonly unitCheck?: boolean;
  /** Overwrite an existing `out`. */
  readonly force?: boolean;
}

export interface MetricsOutput {
  readonly text: string;
  /** A line for stderr when the CSV output cannot say what was done to the data. */
  readonly note?: string;
}

interface SubjectResult {
  readonly subject: string;
  readonly readings: number;
  /** Times whose readings were averaged; only with `--duplicates average`. */
  readonly duplicatesAveraged?: number;
  readonly metrics: Metrics;
  readonly cvga: CvgaPoint;
}

// Exactly as written: a loose match would take `mg` or `mmol` for a unit the user may not have meant.
function isGlucoseUnit(text: string): text is GlucoseUnit {
  return text === 'mg/dL' || text === 'mmol/L';
}

/**
 * Plausible median glucose of a subject, mg/dL. CGMs measure 40–400 mg/dL
 * (2.2–22.2 mmol/L) and meters read up to 600 mg/dL (33.3 mmol/L); a median
 * (half of all readings) below 30 mg/dL (1.7 mmol/L) is not survivable for the
 * length of a recording, and one above 600 mg/dL is beyond every device. The
 * units are 18-fold apart, so a file in the other unit lands far outside:
 * mmol/L read as mg/dL gives medians of about 4–15, mg/dL read as mmol/L
 * medians of 700 mg/dL and more.
 */
const PLAUSIBLE_MEDIAN_MG_DL = { min: 30, max: 600 } as const;

/** Two readings of a subject at one time would silently become one (series.ts keeps the last): the user decides. */
function refuseDuplicates(file: string, timeColumn: string, subjects: ReadonlyMap<string, CgmSubject>): void {
  let count = 0;
  let first: { subject: string; time: string; lines: readonly number[] } | undefined;
  for (const [subject, s] of subjects) {
    count += s.duplicates.length;
    const d = s.duplicates[0];
    if (d !== undefined && (first === undefined || d.lines[0] < first.lines[0])) first = { subject, ...d };
  }
  if (first === undefined) return;
  throw new InputError(
    file,
    `column ${timeColumn}`,
    `${count} duplicate (subject, time) pair${count === 1 ? '' : 's'}; the first is subject '${first.subject}' at ${first.time} (lines ${first.lines.join(', ')}); give --duplicates average to average their readings`,
  );
}

/** Values in the other unit give metrics that look like numbers but mean nothing: refuse medians no patient has. */
function checkUnit(file: string, glucoseColumn: string, unit: GlucoseUnit, subjects: ReadonlyMap<string, CgmSubject>): void {
  const { min, max } = PLAUSIBLE_MEDIAN_MG_DL;
  const implausible = [...subjects]
    .map(([subject, s]) => ({ subject, medianMgDl: percentile(s.series.glucoseMgDl, 50) }))
    .filter(({ medianMgDl }) => medianMgDl < min || medianMgDl > max);
  if (implausible.length === 0) return;
  const { subject, medianMgDl } = implausible[0];
  const seen = unit === 'mg/dL' ? `${compact(medianMgDl, 1)} mg/dL` : `${compact(medianMgDl / MGDL_PER_MMOLL, 1)} mmol/L (${compact(medianMgDl, 1)} mg/dL)`;
  const hint = unit === 'mg/dL' && medianMgDl < min ? 'the values look like mmol/L: give --unit mmol/L'
    : unit === 'mmol/L' && medianMgDl > max ? 'the values look like mg/dL: give --unit mg/dL'
      : 'check the unit and the glucose column';
  const n = subjects.size;
  throw new InputError(
    file,
    `column ${glucoseColumn}`,
    `subject '${subject}' has a median glucose of ${seen}, outside the plausible ${min}–${max} mg/dL (${implausible.length} of ${n} subject${n === 1 ? '' : 's'}); ${hint}, or --no-unit-check if the values are right`,
  );
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
        ...(r.duplicatesAveraged === undefined ? {} : { duplicatesAveraged: r.duplicatesAveraged }),
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

export function metricsCommand(args: MetricsArguments): MetricsOutput {
  const unit = args.unit ?? 'mg/dL';
  if (!isGlucoseUnit(unit)) throw new InputError('--unit', '', `must be mg/dL or mmol/L, got '${unit}'`);
  const format = args.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new InputError('--format', '', `must be json or csv, got '${format}'`);
  const duplicates = args.duplicates ?? 'refuse';
  if (duplicates !== 'refuse' && duplicates !== 'average') throw new InputError('--duplicates', '', `must be refuse or average, got '${duplicates}'`);
  if (args.out) checkOutputFile(args.out, args.force ?? false);
  const time = args.time ?? 'time';
  const glucose = args.glucose ?? 'gl';
  const subjects = readCgmCsvSubjects(args.file, { id: args.id, time, glucose, unit, duplicates: duplicates === 'average' ? 'average' : 'last' });
  if (subjects.size === 0) throw new InputError(args.file, '', 'no readings after the header');
  if (duplicates === 'refuse') refuseDuplicates(args.file, time, subjects);
  if (args.unitCheck ?? true) checkUnit(args.file, glucose, unit, subjects);
  const results: SubjectResult[] = [...subjects].map(([subject, { series, duplicates: repeated }]) => ({
    subject,
    readings: countValid(series),
    duplicatesAveraged: duplicates === 'average' ? repeated.length : undefined,
    metrics: computeMetrics(series),
    cvga: cvgaPoint(series.glucoseMgDl),
  }));
  const cohort = cvgaSummary(results.map((r) => r.cvga));
  const text = format === 'json' ? toJson(args.file, unit, results, cohort) : toCsv(results, cohort);
  if (args.out) writeFileAtomic(args.out, text);
  const averaged = results.filter((r) => (r.duplicatesAveraged ?? 0) > 0);
  const total = averaged.reduce((sum, r) => sum + r.duplicatesAveraged!, 0);
  // The JSON says it per subject; the CSV table has no place for it.
  const note = format === 'csv' && total > 0
    ? `note: averaged the readings at ${total} duplicate (subject, time) pair${total === 1 ? '' : 's'} (${averaged.map((r) => `${r.subject}: ${r.duplicatesAveraged}`).join(', ')})`
    : undefined;
  return { text, note };
}
