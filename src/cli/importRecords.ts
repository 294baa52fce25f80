/**
 * `glucosim import run <run dir> [--out DIR [--force]]`: a simulated cohort's traces
 * as records (below). `glucosim import aim94 <files…> [--out DIR [--force]]`: files of the UCI "Diabetes"
 * data set (AIM-94 data set provided by Michael Kahn, MD, PhD, Washington
 * University, St. Louis, MO) into a new directory holding `records.csv`
 * (every patient, docs/records.md) and `import-summary.json` (per file: rows
 * read, records kept, quirks, overlaps with other files; totals), and a table
 * of the quirks per file for stdout. Every input is read and checked before
 * anything is written; the directory is built under a temporary name.
 */
import { readTextFile } from '../io/readText.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { AIM94_QUIRKS, AIM94_QUIRK_NAMES } from '../records/aim94.js';
import { importAim94Files, type Aim94FileImport } from '../records/aim94Files.js';
import { recordsFromTrace, TRACE_RECORDS_START } from '../records/fromTrace.js';
import { checkPatientName, formatRecordsCsv } from '../records/recordsCsv.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { GLUCOSIM_VERSION } from './version.js';

export const AIM94_CREDIT = 'AIM-94 data set provided by Michael Kahn, MD, PhD, Washington University, St. Louis, MO';
export const AIM94_SOURCE = 'UCI Machine Learning Repository, "Diabetes" data set';

export interface ImportArguments {
  /** The source format: `aim94` (data files) or `run` (one glucosim run directory). */
  readonly format: string;
  readonly files: readonly string[];
  readonly out?: string;
  /** Replace an existing output directory. */
  readonly force?: boolean;
}

export interface ImportResult {
  /** The directory written. */
  readonly out: string;
  /** Quirks per file as a plain-text table, for stdout. */
  readonly table: string;
}

/** A data file's text, byte for byte (the AIM-94 files are ASCII; latin1 maps any byte to one character). */
function readDataFile(file: string): string {
  // The files are 7-bit ASCII; latin1 reads any stray byte as one character rather than failing.
  return readTextFile(file, 'data file', 'latin1');
}

/** All quirk names with their counts, zeros included, in AIM94_QUIRKS order. */
function allQuirks(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(AIM94_QUIRK_NAMES.map((q) => [q, counts[q] ?? 0]));
}

function skippedRows(counts: Readonly<Record<string, number>>): number {
  return AIM94_QUIRK_NAMES.reduce((s, q) => s + (AIM94_QUIRKS[q] === 'skipped' ? (counts[q] ?? 0) : 0), 0);
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function summaryJson(files: readonly Aim94FileImport[]): string {
  const totals: Record<string, number> = allQuirks({});
  for (const f of files) for (const [q, n] of Object.entries(f.quirks)) totals[q] = (totals[q] ?? 0) + n;
  const summary = {
    glucosimVersion: GLUCOSIM_VERSION,
    source: AIM94_SOURCE,
    credit: AIM94_CREDIT,
    format: 'records.csv: docs/records.md',
    quirkHandling: AIM94_QUIRKS,
    files: files.map((f) => ({
      file: f.name,
      patient: f.patient,
      rows: f.rows,
      records: f.records.length,
      skipped: skippedRows(f.quirks),
      quirks: allQuirks(f.quirks),
      overlaps: f.overlaps.map((o) => ({ ...o, share: round4(o.share) })),
    })),
    totals: {
      files: files.length,
      rows: files.reduce((s, f) => s + f.rows, 0),
      records: files.reduce((s, f) => s + f.records.length, 0),
      skipped: skippedRows(totals),
      quirks: totals,
    },
  };
  return JSON.stringify(summary, null, 2) + '\n';
}

/** Files as rows, rows read, records kept and every quirk that occurs as columns, and a total row. */
export function quirkTable(files: readonly Aim94FileImport[]): string {
  const total = (q: string) => files.reduce((s, f) => s + (f.quirks[q] ?? 0), 0);
  const quirks = AIM94_QUIRK_NAMES.filter((q) => total(q) > 0);
  const header = ['file', 'rows', 'records', ...quirks];
  const rows = files.map((f) => [f.patient, String(f.rows), String(f.records.length), ...quirks.map((q) => String(f.quirks[q] ?? 0))]);
  rows.push(['total', String(files.reduce((s, f) => s + f.rows, 0)), String(files.reduce((s, f) => s + f.records.length, 0)), ...quirks.map((q) => String(total(q)))]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * `glucosim import run <run dir>`: a glucosim run's traces (pen therapy) as
 * records, one patient per trace file (src/records/fromTrace.ts).
 */
async function importRunCommand(args: ImportArguments): Promise<ImportResult> {
  if (args.files.length !== 1) throw new InputError('import', 'files', 'give one run directory (glucosim run --out)');
  const runDir = args.files[0]!;
  const traceDir = join(runDir, 'traces');
  if (!existsSync(traceDir)) throw new InputError(runDir, '', 'is not a run directory with traces: it has no traces/ (glucosim run writes one unless --traces none)');
  const files = readdirSync(traceDir).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) throw new InputError(traceDir, '', 'holds no trace files');
  const out = newOutputDirectory(args.out, 'run-records', args.force, { marker: 'import-summary.json', inputs: [runDir] });
  const perPatient = files.map((f) => {
    const patient = f.slice(0, -'.csv'.length);
    try {
      checkPatientName(patient);
    } catch (e) {
      throw new InputError(join(traceDir, f), '', (e as Error).message);
    }
    return { patient, records: recordsFromTrace(readTextFile(join(traceDir, f), 'trace file'), join(traceDir, f), patient) };
  });
  const records = perPatient.flatMap((p) => p.records);
  const summary = {
    glucosimVersion: GLUCOSIM_VERSION,
    source: `glucosim run ${runDir}`,
    format: 'records.csv: docs/records.md',
    start: `${TRACE_RECORDS_START.year}-01-01 (the traces have days, not dates)`,
    patients: perPatient.map((p) => ({ patient: p.patient, glucose: p.records.filter((r) => r.kind === 'glucose').length, insulin: p.records.filter((r) => r.kind === 'insulin').length })),
    totals: { patients: perPatient.length, records: records.length },
  };
  await buildOutputDirectory(out, args.force, async (dir) => {
    writeFileAtomic(join(dir, 'records.csv'), formatRecordsCsv(records));
    writeFileAtomic(join(dir, 'import-summary.json'), JSON.stringify(summary, null, 2) + '\n');
  });
  const table = summary.patients.map((p) => `${p.patient}  ${p.glucose} readings  ${p.insulin} injections`).join('\n');
  return { out, table: `${table}\n` };
}

export async function importRecordsCommand(args: ImportArguments): Promise<ImportResult> {
  if (args.format === 'run') return importRunCommand(args);
  if (args.format !== 'aim94') throw new InputError('import', 'format', `must be aim94 or run (got '${args.format}')`);
  if (args.files.length === 0) throw new InputError('import', 'files', 'give at least one data file');
  const out = newOutputDirectory(args.out, 'aim94-records', args.force, { marker: 'import-summary.json', inputs: args.files });
  const imported = importAim94Files(args.files.map((name) => ({ name, text: readDataFile(name) })));
  for (const f of imported.files) {
    try {
      checkPatientName(f.patient);
    } catch (e) {
      throw new InputError(f.name, '', (e as Error).message);
    }
    if (f.records.length === 0) {
      const met = Object.entries(f.quirks).map(([q, n]) => `${q} ${n}`).join(', ');
      throw new InputError(f.name, '', f.rows === 0 ? 'no records: the file is empty' : `no records: none of its ${f.rows} rows is usable (${met})`);
    }
  }
  const csv = formatRecordsCsv(imported.records);
  const summary = summaryJson(imported.files);
  await buildOutputDirectory(out, args.force, async (dir) => {
    writeFileAtomic(join(dir, 'records.csv'), csv);
    writeFileAtomic(join(dir, 'import-summary.json'), summary);
  });
  return { out, table: quirkTable(imported.files) };
}
