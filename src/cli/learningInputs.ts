/**
 * What both Q-learning trainers (`glucosim q-learning train` in the clear,
 * `glucosim secure-q train` on shares) read from the command line: the
 * records, the Q-learning definition with τ and R_max as given, and the
 * experience records (s, a, s′, r) of the chosen patients.
 */
import { type QLearningDefinition, type QLearningDefinitionFile, DEFAULT_Q_LEARNING_DEFINITION, parseQLearningDefinition, Q_LEARNING_DEFINITION_PROPERTIES } from '../control/qlearning/definition.js';
import { experienceFromRecords, type RecordsExperience } from '../control/qlearning/experience.js';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { readTextFile } from '../io/readText.js';
import { compileValidator } from '../io/schema.js';
import { parseRecordsCsv } from '../records/recordsCsv.js';

const validateDefinition = compileValidator<QLearningDefinitionFile>({ type: 'object', additionalProperties: false, properties: Q_LEARNING_DEFINITION_PROPERTIES });

export interface LearningArguments {
  readonly records: string;
  /** Comma-separated patients; default all. */
  readonly patient?: string;
  /** A Q-learning definition JSON; default DEFAULT_Q_LEARNING_DEFINITION. */
  readonly definition?: string;
  readonly batchSize?: number;
  readonly rounds?: number;
}

function wholeOption(value: number | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isInteger(value) && value >= min && value <= max)) throw new InputError(`--${option}`, '', `must be a whole number from ${min} to ${max}, not ${value}`);
  return value;
}

/** The definition (τ and R_max from the options when given) and the experience of the records; every input checked. */
export function learningInputs(args: LearningArguments): { definition: QLearningDefinition; experience: RecordsExperience } {
  const records = parseRecordsCsv(readTextFile(args.records, 'records file'), args.records);
  const base: QLearningDefinition = args.definition
    ? parseQLearningDefinition(validateDefinition(readJsonFile(args.definition, 'Q-learning definition'), args.definition), args.definition, '')
    : parseQLearningDefinition(DEFAULT_Q_LEARNING_DEFINITION, '(default definition)', '');
  const batchSize = wholeOption(args.batchSize, 'batch-size', 1, 100_000) ?? base.batchSize;
  const rounds = wholeOption(args.rounds, 'rounds', 1, 10_000) ?? base.rounds;
  const definition = { ...base, batchSize, rounds };
  const patients = args.patient?.split(',').map((p) => p.trim());
  const known = new Set(records.map((r) => r.patient));
  for (const p of patients ?? []) if (!known.has(p)) throw new InputError('--patient', '', `'${p}' is not in ${args.records}`);
  const experience = experienceFromRecords(records, definition, patients ? { patients } : {});
  if (experience.records.length === 0) throw new InputError(args.records, '', 'gives no transition on this definition (no two readings of a patient within the gap)');
  return { definition, experience };
}
