/**
 * `glucosim metrics <file.csv>`: every metric, the CVGA point and zone of each
 * subject of a CGM export, and the zone shares of all subjects together; with
 * `--cvga-points patient-day` also a CVGA point per subject and wall-clock day
 * and the zone shares of those patient-days (src/metrics/cvgaDays.ts).
 */
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { compact } from '../io/numberFormat.js';
import { CGM_CSV_COLUMNS, type CgmSubject, readCgmCsvSubjects } from '../metrics/cgmCsv.js';
import { CVGA_AB_ZONES, CVGA_ZONES, cvgaPoint, cvgaSummary, percentile, type CvgaPoint, type CvgaSummary } from '../metrics/cvga.js';
import { CVGA_POINTS, type CvgaWallClockDayPoint, cvgaPointsPerWallClockDay, isCvgaPoints } from '../metrics/cvgaDays.js';
import { computeMetrics, METRIC_NAMES, type Metrics } from '../metrics/index.js';
import { countValid, type GlucoseUnit, isGlucoseUnit, MGDL_PER_MMOLL } from '../metrics/series.js';
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
  /** Refuse a subject whose values look like the other unit (default true; see checkUnit). */
  readonly unitCheck?: boolean;
  /** `patient` (default): a CVGA point per subject; `patient-day`: also one per subject and day, the cohort's shares over those. */
  readonly cvgaPoints?: string;
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
  /**
   * Times at which two or more valid readings were averaged into one; only
   * with `--duplicates average`. A repeated time with one valid reading (the
   * others missing) is not counted: that reading is kept as it is.
   */
  readonly duplicatesAveraged?: number;
  readonly metrics: Metrics;
  readonly cvga: CvgaPoint;
  /** Per patient-day only: a point per wall-clock day on which the subject has a reading time. */
  readonly cvgaDays?: readonly CvgaWallClockDayPoint[];
}

/**
 * Top of a glucose sensor's scale, mg/dL (33.3 mmol/L): the sensors of the
 * 2008 UVa/Padova simulator read up to 600 mg/dL (`sensor_params.csv`,
 * src/devices/presets.ts). The unit check below rests on the 18-fold gap
 * between the units (MGDL_PER_MMOLL) and on this top.
 */
const SCALE_TOP_MG_DL = 600;

/**
 * Read as mg/dL, a subject with no reading above this is taken for mmol/L
 * values: an mmol/L record ends at 33.3 (SCALE_TOP_MG_DL / 18), here rounded
 * up to 35 to keep a value a little over the scale. A record in mg/dL stays at
 * or below 35 mg/dL only if glucose never came even to half of the 70 mg/dL
 * hypoglycaemia threshold (Battelino et al. 2019). The highest reading, not a
 * high percentile: a simulated patient can sit at the model's floor after its
 * first day (child#008 of randomised-10day, mean 16 mg/dL: 7.4% of its
 * minutes above 35 mg/dL, all on day 1, so under 2.5% of a run of 30 days or
 * more), and a 97.5th percentile would refuse it.
 */
const MMOL_LIKE_MAX_MG_DL = 35;

/**
 * Read as mmol/L, a subject whose 2.5th percentile (converted) is above
 * SCALE_TOP_MG_DL is taken for mg/dL values: no mmol/L record has 97.5% of
 * its readings above 33.3 mmol/L, while a mg/dL record lands there unless over
 * 2.5% of its readings are below 33.3 mg/dL. A low percentile, not the lowest
 * reading, so that a few readings of deep hypoglycaemia do not hide a file in
 * mg/dL.
 */
const MGDL_LIKE_PERCENTILE = 2.5;

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

/**
 * Values in the other unit give metrics that look like numbers but mean
 * nothing: refuse a subject only when its values fit the other unit and no
 * record in the unit given (limits above), so that deep hypoglycaemia passes.
 */
function checkUnit(file: string, glucoseColumn: string, unit: GlucoseUnit, subjects: ReadonlyMap<string, CgmSubject>): void {
  const rule = unit === 'mg/dL'
    ? {
      statistic: (g: Float64Array) => percentile(g, 100),
      misread: (mgDl: number) => mgDl <= MMOL_LIKE_MAX_MG_DL,
      seen: `no reading above ${MMOL_LIKE_MAX_MG_DL} mg/dL`,
      value: (mgDl: number) => `highest ${compact(mgDl, 1)} mg/dL`,
      other: 'mmol/L',
    }
    : {
      statistic: (g: Float64Array) => percentile(g, MGDL_LIKE_PERCENTILE),
      misread: (mgDl: number) => mgDl > SCALE_TOP_MG_DL,
      seen: `${100 - MGDL_LIKE_PERCENTILE}% of its readings above ${compact(SCALE_TOP_MG_DL / MGDL_PER_MMOLL, 1)} mmol/L`,
      value: (mgDl: number) => `${MGDL_LIKE_PERCENTILE}th percentile ${compact(mgDl / MGDL_PER_MMOLL, 1)} mmol/L`,
      other: 'mg/dL',
    };
  const misread = [...subjects]
    .map(([subject, s]) => ({ subject, mgDl: rule.statistic(s.series.glucoseMgDl) }))
    .filter(({ mgDl }) => rule.misread(mgDl));
  if (misread.length === 0) return;
  const { subject, mgDl } = misread[0];
  const n = subjects.size;
  throw new InputError(
    file,
    `column ${glucoseColumn}`,
    `subject '${subject}' has ${rule.seen} (${rule.value(mgDl)}; ${misread.length} of ${n} subject${n === 1 ? '' : 's'} alike); the values look like ${rule.other}: give --unit ${rule.other}, or --no-unit-check if the values are right`,
  );
}

function csvText(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** A wall-clock day (days since 1970-01-01, series.ts) as the date it is, `YYYY-MM-DD`. */
function dateOf(epochDay: number): string {
  return new Date(epochDay * 86_400_000).toISOString().slice(0, 10);
}

function summaryJson(s: CvgaSummary) {
  return { n: s.n, excluded: s.excluded, counts: s.counts, percent: s.percent, percentAB: s.percentAB };
}

/** `days`: the zone shares of the subject-days, per patient-day only. */
function toJson(file: string, unit: string, results: readonly SubjectResult[], cohort: CvgaSummary, days: CvgaSummary | undefined): string {
  const subjects = Object.fromEntries(
    results.map((r) => [
      r.subject,
      {
        readings: r.readings,
        ...(r.duplicatesAveraged === undefined ? {} : { duplicatesAveraged: r.duplicatesAveraged }),
        ...Object.fromEntries(METRIC_NAMES.map((m) => [m, jsonNumber(r.metrics[m])])),
        cvga: r.cvga.zone === null ? null : { minMgDl: r.cvga.minMgDl, maxMgDl: r.cvga.maxMgDl, zone: r.cvga.zone },
        ...(r.cvgaDays === undefined
          ? {}
          : {
            cvgaDays: r.cvgaDays.map((d) =>
              d.zone === null ? { date: dateOf(d.epochDay), minMgDl: null, maxMgDl: null, zone: null } : { date: dateOf(d.epochDay), minMgDl: d.minMgDl, maxMgDl: d.maxMgDl, zone: d.zone }
            ),
          }),
      },
    ]),
  );
  const cvga = summaryJson(cohort);
  return JSON.stringify(
    {
      file,
      unit,
      ...(days ? { cvgaPoints: 'patient-day' } : {}),
      subjects,
      cohort: { subjects: results.length, cvga, ...(days ? { cvgaPatientDays: summaryJson(days) } : {}) },
    },
    null,
    2,
  ) + '\n';
}

/**
 * Tables separated by an empty line: one row per subject; per patient-day,
 * one row per subject and day; then the CVGA zones (count and percent) of
 * the subjects, or per patient-day of the subject-days (its header says which).
 */
function toCsv(results: readonly SubjectResult[], cohort: CvgaSummary, days: CvgaSummary | undefined): string {
  const lines = [['subject', 'readings', ...METRIC_NAMES, 'cvga_min_mg_dl', 'cvga_max_mg_dl', 'cvga_zone'].join(',')];
  for (const r of results) {
    lines.push(
      [csvText(r.subject), r.readings, ...METRIC_NAMES.map((m) => csvNumber(r.metrics[m])), csvNumber(r.cvga.minMgDl), csvNumber(r.cvga.maxMgDl), r.cvga.zone ?? ''].join(','),
    );
  }
  if (days) {
    lines.push('', 'subject,date,cvga_min_mg_dl,cvga_max_mg_dl,cvga_zone');
    for (const r of results) {
      for (const d of r.cvgaDays ?? []) lines.push([csvText(r.subject), dateOf(d.epochDay), csvNumber(d.minMgDl), csvNumber(d.maxMgDl), d.zone ?? ''].join(','));
    }
  }
  const zones = days ?? cohort;
  lines.push('', days ? 'cvga_zone,patient_days,percent' : 'cvga_zone,subjects,percent');
  for (const z of CVGA_ZONES) lines.push(`${csvText(z)},${zones.counts[z]},${zones.percent[z]}`);
  lines.push(`A+B,${CVGA_AB_ZONES.reduce((s, z) => s + zones.counts[z], 0)},${zones.percentAB}`);
  return lines.join('\n') + '\n';
}

export function metricsCommand(args: MetricsArguments): MetricsOutput {
  const unit = args.unit ?? 'mg/dL';
  if (!isGlucoseUnit(unit)) throw new InputError('--unit', '', `must be mg/dL or mmol/L, got '${unit}'`);
  const format = args.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new InputError('--format', '', `must be json or csv, got '${format}'`);
  const duplicates = args.duplicates ?? 'refuse';
  if (duplicates !== 'refuse' && duplicates !== 'average') throw new InputError('--duplicates', '', `must be refuse or average, got '${duplicates}'`);
  const cvgaPoints = args.cvgaPoints ?? 'patient';
  if (!isCvgaPoints(cvgaPoints)) throw new InputError('--cvga-points', '', `must be one of ${CVGA_POINTS.join(', ')}, got '${cvgaPoints}'`);
  const perDay = cvgaPoints === 'patient-day';
  if (args.out) checkOutputFile(args.out, args.force ?? false, '--out', [args.file]);
  const time = args.time ?? CGM_CSV_COLUMNS.time;
  const glucose = args.glucose ?? CGM_CSV_COLUMNS.glucose;
  const subjects = readCgmCsvSubjects(args.file, { id: args.id, time, glucose, unit, duplicates: duplicates === 'average' ? 'average' : 'last' });
  if (subjects.size === 0) throw new InputError(args.file, '', 'no readings after the header');
  if (duplicates === 'refuse') refuseDuplicates(args.file, time, subjects);
  if (args.unitCheck ?? true) checkUnit(args.file, glucose, unit, subjects);
  const results: SubjectResult[] = [...subjects].map(([subject, { series, duplicates: repeated }]) => ({
    subject,
    readings: countValid(series),
    duplicatesAveraged: duplicates === 'average' ? repeated.filter((d) => d.validReadings > 1).length : undefined,
    metrics: computeMetrics(series),
    cvga: cvgaPoint(series.glucoseMgDl),
    ...(perDay ? { cvgaDays: cvgaPointsPerWallClockDay(series) } : {}),
  }));
  const cohort = cvgaSummary(results.map((r) => r.cvga));
  const days = perDay ? cvgaSummary(results.flatMap((r) => r.cvgaDays ?? [])) : undefined;
  const text = format === 'json' ? toJson(args.file, unit, results, cohort, days) : toCsv(results, cohort, days);
  if (args.out) writeFileAtomic(args.out, text);
  const averaged = results.filter((r) => (r.duplicatesAveraged ?? 0) > 0);
  const total = averaged.reduce((sum, r) => sum + r.duplicatesAveraged!, 0);
  // The JSON says it per subject; the CSV table has no place for it.
  const note = format === 'csv' && total > 0
    ? `note: averaged the readings at ${total} duplicate (subject, time) pair${total === 1 ? '' : 's'} (${averaged.map((r) => `${r.subject}: ${r.duplicatesAveraged}`).join(', ')})`
    : undefined;
  return { text, note };
}
