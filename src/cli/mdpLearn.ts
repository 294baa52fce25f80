/**
 * `glucosim mdp learn <records.csv> [--patient …] [options] --out DIR`:
 * the transition model and optimal policy of the insulin-regimen MDP
 * (Shifrin & Siegelmann 2017) learned from real measurement records, as the
 * paper's §4 learned its policies (Figures 1–2) from the AIM-94 records:
 * phase B on the records (src/control/mdp/fromRecords.ts), phase C (value
 * iteration, greedy policy), and the result as `policy.json` (which the
 * `mdp` controller can start from), `policy.svg`, `policy.csv` and
 * `learn-summary.json`. Every input is read and checked before anything is
 * written; the directory is built under a temporary name. The same input
 * gives the same bytes.
 */
import { readTextFile } from '../io/readText.js';
import { basename, join } from 'node:path';
import { transitionsFromRecords, DEFAULT_DOSE_LEAD_MIN, DEFAULT_MAX_GAP_HOURS, type FromRecordsResult } from '../control/mdp/fromRecords.js';
import { DEFAULT_SLOTS, doseGrid, MDP_DEFINITION_PROPERTIES, type MdpDefinitionFile, parseMdpDefinition } from '../control/mdp/definitionFile.js';
import { type MdpDefinition, solveMdp } from '../control/mdp/model.js';
import { type PolicyDocument, policyDocument } from '../control/mdp/policyFile.js';
import { actionCount, levelCount, stateCount } from '../control/mdp/space.js';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { compileValidator } from '../io/schema.js';
import { parseRecordsCsv } from '../records/recordsCsv.js';
import type { PatientRecord } from '../records/types.js';
import { policySvg } from '../report/policySvg.js';
import { AIM94_CREDIT } from './importRecords.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { GLUCOSIM_VERSION } from './version.js';

/** Option values as the command line gives them (text), or numbers from code. */
type Value = string | number | undefined;

export interface MdpLearnArguments {
  readonly records: string;
  /** Comma-separated patient names; default every patient of the file, pooled. */
  readonly patient?: string;
  readonly glMin?: Value;
  readonly glMax?: Value;
  readonly bfc?: Value;
  /** `name=HH:MM,…` */
  readonly slots?: string;
  /** Comma lists of doses, U, each starting with 0. */
  readonly regularDoses?: string;
  readonly nphDoses?: string;
  readonly longDoses?: string;
  readonly target?: Value;
  readonly hypoLevels?: Value;
  readonly gamma?: Value;
  readonly discountPer?: string;
  readonly minVisits?: Value;
  readonly tolerance?: Value;
  readonly doseLeadMin?: Value;
  readonly maxGapHours?: Value;
  readonly out?: string;
  /** Replace an existing output directory. */
  readonly force?: boolean;
}

export interface MdpLearnResult {
  readonly out: string;
  /** A few lines for stdout, ending with the directory. */
  readonly summary: string;
}

/**
 * The definition `mdp learn` uses by default: 40–400 mg/dL in 20 mg/dL
 * levels (18 levels, wide enough for the AIM-94 readings, most of which lie
 * in 40–400), the five default slots, regular, NPH and long-acting 0–40 U in
 * 1 U steps each (the records' doses are whole units: a coarser grid would
 * round half of them — an odd dose ties between two steps), and the controller's reward, discount and convergence
 * defaults. (The `mdp` controller's own defaults are narrower, chosen for
 * the virtual T2DM cohort; a controller starting from a learned policy must
 * name the same axis and doses.)
 */
export const LEARN_DEFAULT_DEFINITION: Required<MdpDefinitionFile> = {
  glucose: { minMgDl: 40, maxMgDl: 400, bfcMgDl: 20 },
  slots: DEFAULT_SLOTS,
  actions: { regular: doseGrid(1, 40), nph: doseGrid(1, 40), long: doseGrid(1, 40) },
  reward: { targetMgDl: 110, hypoLevels: 1 },
  discount: { gamma: 0.9, per: 'day' },
  minVisits: 1,
  tolerance: 1e-6,
};

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number from an option, or an InputError naming it. */
function numberOption(value: Value, option: string): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value.trim() : value;
  const n = typeof text === 'number' ? text : NUMBER.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new InputError(`--${option}`, '', `must be a number (got ${JSON.stringify(value)})`);
  return n;
}

/** A comma list of doses, U. */
function doseList(value: string | undefined, option: string): number[] | undefined {
  if (value === undefined) return undefined;
  const cells = String(value).split(',').map((c) => c.trim());
  return cells.map((c, i) => {
    if (!NUMBER.test(c)) throw new InputError(`--${option}`, `dose ${i + 1}`, `must be a number of units (got ${JSON.stringify(c)})`);
    return Number(c);
  });
}

/** `name=HH:MM,…` */
function slotList(value: string | undefined): { name: string; time: string }[] | undefined {
  if (value === undefined) return undefined;
  return String(value)
    .split(',')
    .map((cell, i) => {
      const eq = cell.indexOf('=');
      if (eq < 0) throw new InputError('--slots', `slot ${i + 1}`, `must be name=HH:MM, e.g. morning=07:00 (got ${JSON.stringify(cell)})`);
      return { name: cell.slice(0, eq).trim(), time: cell.slice(eq + 1).trim() };
    });
}

const DEFINITION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(MDP_DEFINITION_PROPERTIES),
  properties: MDP_DEFINITION_PROPERTIES,
} as const;
const validateDefinition = compileValidator<MdpDefinitionFile>(DEFINITION_SCHEMA);

/** The definition field paths of parseMdpDefinition and the schema, as the flags that set them. */
const FIELD_FLAGS: readonly [RegExp, string][] = [
  [/^glucose\.minMgDl$/, '--gl-min'],
  [/^glucose\.maxMgDl$/, '--gl-max'],
  [/^glucose\.bfcMgDl$/, '--bfc'],
  [/^reward\.targetMgDl$/, '--target'],
  [/^reward\.hypoLevels$/, '--hypo-levels'],
  [/^discount\.gamma$/, '--gamma'],
  [/^discount\.per$/, '--discount-per'],
  [/^minVisits$/, '--min-visits'],
  [/^tolerance$/, '--tolerance'],
];

/** The definition's names in a reason, as the paper and the flags name them. */
function flagWords(reason: string): string {
  return reason.replace(/maxMgDl/g, 'gl_max').replace(/minMgDl/g, 'gl_min').replace(/bfcMgDl/g, 'bfc');
}

/** An error about a definition field, re-addressed to the command-line option that sets it. */
function asFlagError(err: InputError, slots: readonly { name: string }[]): InputError {
  const { field, reason } = err;
  if (field === 'glucose') return new InputError(/^maxMgDl/.test(reason) ? '--gl-max' : '--bfc', '', flagWords(reason));
  for (const [pattern, flag] of FIELD_FLAGS) if (pattern.test(field)) return new InputError(flag, '', flagWords(reason));
  const slot = /^slots(?:\[(\d+)\])?/.exec(field);
  if (slot) {
    const i = slot[1] === undefined ? undefined : Number(slot[1]);
    const where = i === undefined ? '' : `slot ${i + 1}${slots[i]?.name ? ` (${slots[i]!.name})` : ''}`;
    return new InputError('--slots', where, reason);
  }
  const doses = /^actions\.(regular|nph|long)(?:\[(\d+)\])?$/.exec(field);
  if (doses) return new InputError(`--${doses[1]}-doses`, doses[2] === undefined ? '' : `dose ${Number(doses[2]) + 1}`, reason);
  return new InputError('mdp learn', field, reason);
}

/**
 * The MDP definition the options describe, defaults filled in
 * (LEARN_DEFAULT_DEFINITION), checked as the `mdp` controller checks its
 * options — the same schema, then parseMdpDefinition's rules across fields
 * — with every error naming the option.
 */
export function learnDefinition(args: Omit<MdpLearnArguments, 'records'>): MdpDefinition {
  const d = LEARN_DEFAULT_DEFINITION;
  const slots = slotList(args.slots) ?? d.slots;
  const per = args.discountPer === undefined ? d.discount.per : (String(args.discountPer).trim() as 'day');
  const file: Required<MdpDefinitionFile> = {
    glucose: {
      minMgDl: numberOption(args.glMin, 'gl-min') ?? d.glucose.minMgDl,
      maxMgDl: numberOption(args.glMax, 'gl-max') ?? d.glucose.maxMgDl,
      bfcMgDl: numberOption(args.bfc, 'bfc') ?? d.glucose.bfcMgDl,
    },
    slots,
    actions: {
      regular: doseList(args.regularDoses, 'regular-doses') ?? d.actions.regular,
      nph: doseList(args.nphDoses, 'nph-doses') ?? d.actions.nph,
      long: doseList(args.longDoses, 'long-doses') ?? d.actions.long,
    },
    reward: { targetMgDl: numberOption(args.target, 'target') ?? d.reward.targetMgDl, hypoLevels: numberOption(args.hypoLevels, 'hypo-levels') ?? d.reward.hypoLevels },
    discount: { gamma: numberOption(args.gamma, 'gamma') ?? d.discount.gamma, per },
    minVisits: numberOption(args.minVisits, 'min-visits') ?? d.minVisits,
    tolerance: numberOption(args.tolerance, 'tolerance') ?? d.tolerance,
  };
  try {
    return parseMdpDefinition(validateDefinition(file, 'mdp learn'), 'mdp learn', '', d);
  } catch (e) {
    if (e instanceof InputError) throw asFlagError(e, slots);
    throw e;
  }
}

function readRecordsFile(file: string): PatientRecord[] {
  const text = readTextFile(file, 'records file');
  return parseRecordsCsv(text, file);
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The patients to learn from, sorted: those named by --patient (each must be in the file), else all. */
function selectPatients(records: readonly PatientRecord[], patientOption: string | undefined, file: string): { patients: string[]; named: boolean } {
  const known = [...new Set(records.map((r) => r.patient))].sort(byCodeUnits);
  if (patientOption === undefined) return { patients: known, named: false };
  const asked = [...new Set(String(patientOption).split(',').map((p) => p.trim()).filter((p) => p !== ''))].sort(byCodeUnits);
  if (asked.length === 0) throw new InputError('--patient', '', 'give at least one patient name (comma-separated)');
  const knownSet = new Set(known);
  for (const p of asked) {
    if (!knownSet.has(p)) {
      const shown = known.slice(0, 8).join(', ');
      const more = known.length > 8 ? `, … (${known.length} in all)` : '';
      throw new InputError('--patient', '', `'${p}' is not in ${file} (its patients: ${shown}${more})`);
    }
  }
  return { patients: asked, named: true };
}

/** JSON with two-space indentation and every array of numbers on one line (the counts stay readable). */
function compactJson(value: unknown): string {
  return (
    JSON.stringify(value, null, 2).replace(/\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`) + '\n'
  );
}

const cell = (x: number | undefined) => (x === undefined ? '' : String(x));

/** One row per state, in state order (slot, then level). */
function policyCsv(doc: PolicyDocument): string {
  const lines = ['slot,level,from_mg_dl,to_mg_dl,regular_u,nph_u,long_u,source,visits,state_visits,reward,value'];
  for (const s of doc.states) {
    lines.push(
      [s.slot, s.level, s.fromMgDl, s.toMgDl, cell(s.action?.regular), cell(s.action?.nph), cell(s.action?.long), s.source, s.visits, s.stateVisits, s.reward, s.value]
        .map((v) => (typeof v === 'number' ? String(v) : v))
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

function inRange(value: number | undefined, option: string, min: number, max: number, inclusiveMin: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (!(inclusiveMin ? value >= min : value > min) || value > max) throw new InputError(`--${option}`, '', `must be ${inclusiveMin ? '≥' : '>'} ${min} and ≤ ${max} (got ${value})`);
  return value;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export async function mdpLearnCommand(args: MdpLearnArguments): Promise<MdpLearnResult> {
  const out = newOutputDirectory(args.out, 'mdp-learn', args.force, { marker: 'learn-summary.json', inputs: [args.records] });
  const definition = learnDefinition(args);
  const doseLeadMin = inRange(numberOption(args.doseLeadMin, 'dose-lead-min'), 'dose-lead-min', 0, 720, true) ?? DEFAULT_DOSE_LEAD_MIN;
  const maxGapHours = inRange(numberOption(args.maxGapHours, 'max-gap-hours'), 'max-gap-hours', 0, 24 * 366, false) ?? DEFAULT_MAX_GAP_HOURS;
  const records = readRecordsFile(args.records);
  const { patients, named } = selectPatients(records, args.patient, args.records);

  const learned: FromRecordsResult = transitionsFromRecords(records, definition, { patients, doseLeadMin, maxGapHours });
  if (named) {
    for (const p of patients) if (learned.patients[p]!.readings === 0) throw new InputError('--patient', '', `'${p}' has no glucose readings in ${args.records}`);
  }
  const who = patients.length <= 3 ? patients.join(', ') : `${patients.slice(0, 3).join(', ')} … (${patients.length} patients)`;
  if (learned.total.readings === 0) throw new InputError(args.records, '', `no glucose readings of ${who}: nothing to learn from`);
  if (learned.total.transitions === 0) {
    const t = learned.total;
    throw new InputError(
      args.records,
      '',
      `no transitions among the ${plural(t.readings, 'reading')} of ${who}: a transition needs two readings of one patient at different minutes at most ${maxGapHours} h apart (--max-gap-hours); ${plural(t.gaps, 'gap')} longer, ${t.sameMinute} at the same minute as another`,
    );
  }

  const solution = solveMdp(definition, learned.counts);
  const stats = { total: learned.total, patients: learned.patients };
  const selected = new Set(patients);
  const fromAim94 = records.some((r) => r.sourceCode !== undefined && selected.has(r.patient));
  const learnedFrom = {
    records: basename(args.records),
    patients,
    glucosimVersion: GLUCOSIM_VERSION,
    ...(fromAim94 ? { credit: `records with AIM-94 source codes: ${AIM94_CREDIT}` } : {}),
    doseLeadMin,
    maxGapHours,
    stats,
  };
  const doc = policyDocument(definition, learned.counts, solution, learnedFrom);

  const S = stateCount(definition.space);
  const learnedStates = doc.states.filter((s) => s.source === 'learned').length;
  const statesWithData = doc.states.filter((s) => s.stateVisits > 0).length;
  let pairs = 0;
  for (let s = 0; s < S; s++) pairs += learned.counts.visitedActions(s).length;
  const summaryJson = {
    glucosimVersion: GLUCOSIM_VERSION,
    records: basename(args.records),
    patients,
    ...(fromAim94 ? { credit: learnedFrom.credit } : {}),
    doseLeadMin,
    maxGapHours,
    stats,
    states: { total: S, levels: levelCount(definition.space.glucose), slots: definition.space.slots.names.length, withData: statesWithData, learned: learnedStates },
    actions: actionCount(definition.actions),
    pairs,
    pairsUsed: solution.model.pairAction.length,
    transitions: learned.counts.total,
    valueIteration: { sweeps: solution.sweeps, errorBound: solution.errorBound, converged: solution.converged },
  };
  const t = learned.total;
  const svg = policySvg(doc, {
    subtitle: `${basename(args.records)}, ${who}: ${plural(t.readings, 'reading')}, ${plural(t.transitions, 'transition')}; ${learnedStates} of ${S} states with a learned action`,
  });

  await buildOutputDirectory(out, args.force, async (dir) => {
    writeFileAtomic(join(dir, 'policy.json'), compactJson(doc));
    writeFileAtomic(join(dir, 'policy.svg'), svg);
    writeFileAtomic(join(dir, 'policy.csv'), policyCsv(doc));
    writeFileAtomic(join(dir, 'learn-summary.json'), JSON.stringify(summaryJson, null, 2) + '\n');
  });

  const grid = definition.actions;
  const lines = [
    `patients: ${patients.length <= 5 ? patients.join(', ') : `${patients.length} (${patients.slice(0, 3).join(', ')} … ${patients.at(-1)}), pooled`}`,
    `readings: ${t.readings} (${t.sameMinute} at the same minute as another, dropped), ${t.firstReading} … ${t.lastReading}`,
    `transitions: ${t.transitions} (${plural(t.gaps, 'gap')} over ${maxGapHours} h not counted)`,
    `doses: ${t.doses} insulin records, ${t.dosesUsed} in the actions of transitions` +
      (t.dosesAboveGrid > 0 ? `; ${t.dosesAboveGrid} dose sum(s) above the grid clamped to its largest dose (regular ${grid.regular.at(-1)}, NPH ${grid.nph.at(-1)}, long ${grid.long.at(-1)} U)` : ''),
    `states with a learned action: ${learnedStates} of ${S} (${levelCount(definition.space.glucose)} levels × ${definition.space.slots.names.length} slots)`,
    `value iteration: ${solution.sweeps} sweeps, error bound ${solution.errorBound.toExponential(2)}${solution.converged ? '' : ' (NOT converged)'}`,
    out,
  ];
  return { out, summary: lines.join('\n') + '\n' };
}
