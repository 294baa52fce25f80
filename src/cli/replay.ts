/**
 * `glucosim replay --patient <name> --inputs <csv>`: per-minute inputs
 * through one virtual patient; CSV `minute,bg_mg_dl` to a file or stdout.
 */
import { readFileSync } from 'node:fs';
import { loadUvaPadovaCohort } from '../cohort/uvaPadova.js';
import { findPatient } from '../cohort/selection.js';
import { writeFileAtomic } from '../io/atomic.js';
import { t1dModel } from '../model/t1d.js';
import { InputError } from '../io/errors.js';
import { formatReplayCsv, parseReplayCsv, REFERENCE_EAT_RATE_G_PER_MIN, replay } from '../sim/replay.js';
import { checkOutputFile } from './outputDir.js';

export interface ReplayArguments {
  readonly patient: string;
  readonly inputs: string;
  readonly out?: string;
  readonly eatRate?: number;
  /** Replace an existing output file. */
  readonly force?: boolean;
}

export function replayCommand(args: ReplayArguments): string {
  const patient = findPatient(loadUvaPadovaCohort(), args.patient, '--patient');
  if (args.out !== undefined) checkOutputFile(args.out, args.force, '--out', [args.inputs]);
  const eatRate = args.eatRate ?? REFERENCE_EAT_RATE_G_PER_MIN;
  if (!(eatRate > 0) || !Number.isFinite(eatRate)) throw new InputError('--eat-rate', '', `must be a number > 0 g/min, got ${args.eatRate}`);
  let text: string;
  try {
    text = readFileSync(args.inputs, 'utf8');
  } catch {
    throw new InputError(args.inputs, '', 'cannot read the inputs file');
  }
  const csv = formatReplayCsv(replay(t1dModel(patient.params), parseReplayCsv(text, args.inputs), eatRate));
  if (args.out) writeFileAtomic(args.out, csv);
  return csv;
}
