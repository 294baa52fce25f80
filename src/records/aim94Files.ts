/**
 * Import of several AIM-94 files at once (the UCI "Diabetes" data set; AIM-94
 * data set provided by Michael Kahn, MD, PhD, Washington University,
 * St. Louis, MO), with what only a look across files shows: overlaps.
 *
 * What overlapping means in the data (docs/records.md): 18 pairs of files
 * are chained, the first records of the later file repeating, verbatim and in
 * order, the last records of the earlier one (data-04 begins with the last
 * 75 records of data-03, data-05 with the last 197 of data-04, …; 9–197
 * records, many of these files holding exactly 300 rows): consecutive
 * extracts of one record, with an overlap. Beyond that, files share a few
 * records by coincidence (paper records at fixed times with the same dose,
 * e.g. `10-10-1989 08:00 33 010` in data-02 and data-21).
 *
 * What the importer does: every file stays a patient of its own with all its
 * records (the data set describes 70 patients, one a file, and nothing here
 * is deleted silently). Each file reports the files it shares records with,
 * how many and the share of its own records, and whether it `continues`
 * the other (its head repeats the other's tail) or is `continued-by` it; the
 * repeated head is counted as the quirk `overlaps-file` of the later file, so
 * an analysis that pools patients can leave those records out.
 */
import { InputError } from '../io/errors.js';
import { aim94Patient, importAim94, orderedQuirks } from './aim94.js';
import { sortRecords } from './order.js';
import type { PatientRecord } from './types.js';

export interface Aim94File {
  /** The file's name or path; its base name names the patient. */
  readonly name: string;
  readonly text: string;
}

export interface Aim94Overlap {
  /** The other file's patient. */
  readonly patient: string;
  /** Records of this file that are also records of the other (same time, code and value). */
  readonly sharedRecords: number;
  /** sharedRecords / this file's records. */
  readonly share: number;
  /**
   * `continues`: this file's first records repeat, in order, the other's last
   * ones; `continued-by`: the other way round; `scattered`: shared records
   * that form no such block.
   */
  readonly relation: 'continues' | 'continued-by' | 'scattered';
  /** Length of the repeated block (0 when scattered). */
  readonly blockRecords: number;
}

export interface Aim94FileImport {
  readonly name: string;
  readonly patient: string;
  readonly rows: number;
  readonly records: readonly PatientRecord[];
  /** importAim94's counts plus `overlaps-file` (records of this file's head that repeat another file's tail). */
  readonly quirks: Record<string, number>;
  /** Files sharing records with this one, most shared first. */
  readonly overlaps: readonly Aim94Overlap[];
}

export interface Aim94FilesImport {
  readonly files: readonly Aim94FileImport[];
  /** Every file's records, sorted by patient then time. */
  readonly records: PatientRecord[];
}

/** What makes two records the same, across patients: minute, code and value. */
function recordKey(r: PatientRecord): string {
  const value = r.kind === 'glucose' ? r.valueMgDl : r.kind === 'insulin' ? r.units : 0;
  return `${r.minute}/${r.sourceCode ?? `${r.kind}`}/${value}`;
}

/**
 * Length of the block by which `later` continues `earlier`: k > 0 when the
 * first k records of `later` are the last k of `earlier`, in order. Keys are
 * unique within a file (duplicates are dropped on import), so the block can
 * start only where `later`'s first record occurs in `earlier`.
 */
function continuationBlock(later: readonly string[], earlierIndex: ReadonlyMap<string, number>, earlier: readonly string[]): number {
  if (later.length === 0) return 0;
  const start = earlierIndex.get(later[0]!);
  if (start === undefined) return 0;
  const k = earlier.length - start;
  if (k > later.length) return 0;
  for (let i = 0; i < k; i++) if (later[i] !== earlier[start + i]) return 0;
  return k;
}

/** Import each file (importAim94), then find the records files share. Two files naming the same patient are refused. */
export function importAim94Files(files: readonly Aim94File[]): Aim94FilesImport {
  const byPatient = new Map<string, string>();
  for (const f of files) {
    const patient = aim94Patient(f.name);
    const other = byPatient.get(patient);
    if (other !== undefined) throw new InputError(f.name, '', `names the same patient (${patient}) as ${other}; patients are named by file name`);
    byPatient.set(patient, f.name);
  }
  const imports = files.map((f) => ({ file: f, ...importAim94(f.text, f.name) }));
  const keys = imports.map((im) => im.records.map(recordKey));
  const positions = keys.map((k) => new Map(k.map((key, i) => [key, i])));
  // Which files hold each record.
  const holders = new Map<string, number[]>();
  keys.forEach((k, file) => {
    for (const key of k) {
      const list = holders.get(key);
      if (list) list.push(file);
      else holders.set(key, [file]);
    }
  });

  const result: Aim94FileImport[] = imports.map((im, i) => {
    const shared = new Map<number, number>();
    for (const key of keys[i]!) for (const j of holders.get(key)!) if (j !== i) shared.set(j, (shared.get(j) ?? 0) + 1);
    const overlaps: Aim94Overlap[] = [...shared].map(([j, n]) => {
      const continues = continuationBlock(keys[i]!, positions[j]!, keys[j]!);
      const continuedBy = continues > 0 ? 0 : continuationBlock(keys[j]!, positions[i]!, keys[i]!);
      return {
        patient: aim94Patient(files[j]!.name),
        sharedRecords: n,
        share: n / im.records.length,
        relation: continues > 0 ? 'continues' : continuedBy > 0 ? 'continued-by' : 'scattered',
        blockRecords: continues || continuedBy,
      };
    });
    overlaps.sort((a, b) => b.sharedRecords - a.sharedRecords || (a.patient < b.patient ? -1 : a.patient > b.patient ? 1 : 0));
    const repeatedHead = overlaps.reduce((s, o) => s + (o.relation === 'continues' ? o.blockRecords : 0), 0);
    const counts = new Map(Object.entries(im.quirks));
    if (repeatedHead > 0) counts.set('overlaps-file', repeatedHead);
    return {
      name: im.file.name,
      patient: aim94Patient(im.file.name),
      rows: im.rows,
      records: im.records,
      quirks: orderedQuirks(counts),
      overlaps,
    };
  });
  return { files: result, records: sortRecords(result.flatMap((f) => f.records)) };
}
