/**
 * Q-table files (`glucosim-qtable/1`): the Q-learning definition, the
 * fraction bits and the raw int64 fixed-point values, each as a decimal
 * string (JSON numbers cannot hold 64 bits exactly), one row of σ actions
 * per state (state index = slot·L + level), and the greedy policy for the
 * reader. The `q-learning` controller can start from one (`startFrom`); the
 * policy is recomputed from the values when a file is read.
 */
import { writeFileAtomic } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator } from '../../io/schema.js';
import { actionCount, actionDoses, type DoseTriplet, levelGlucoseMgDl, stateCount, stateLevel, stateSlot } from '../mdp/space.js';
import { type QLearningDefinition, type QLearningDefinitionFile, parseQLearningDefinition, Q_LEARNING_DEFINITION_PROPERTIES, qLearningDefinitionToFile, qTableMismatch } from './definition.js';
import { decodeFixed } from './fixedPoint.js';
import { greedyPolicy } from './qLearning.js';

export const Q_TABLE_FORMAT = 'glucosim-qtable/1';

/** The greedy action of one state, for the reader (not read back). */
export interface QTablePolicyState {
  readonly slot: string;
  /** 1-based level, as Shifrin & Siegelmann 2017 count, and its glucose interval [from, to) mg/dL. */
  readonly level: number;
  readonly fromMgDl: number;
  readonly toMgDl: number;
  /** The greedy action (ties to the lowest index) and its doses, U. */
  readonly action: number;
  readonly doses: DoseTriplet;
  /** Its Q-value, decoded. */
  readonly value: number;
}

export interface QTableDocument {
  readonly format: typeof Q_TABLE_FORMAT;
  /** What the table was learned from: free-form, for the reader. */
  readonly learnedFrom: Readonly<Record<string, unknown>>;
  readonly definition: Required<QLearningDefinitionFile>;
  /** f of the values (equal to definition.fractionBits). */
  readonly fractionBits: number;
  /** δ rows of σ int64 values as decimal strings: q[state][action] = round(Q·2^f). */
  readonly q: readonly (readonly string[])[];
  readonly policy: readonly QTablePolicyState[];
}

/** The document of a Q-table under its definition. */
export function qTableDocument(definition: QLearningDefinition, q: BigInt64Array, learnedFrom: Record<string, unknown> = {}): QTableDocument {
  const S = stateCount(definition.space);
  const A = actionCount(definition.actions);
  if (q.length !== S * A) throw new RangeError(`the Q-table has ${q.length} entries, not δ·σ = ${S}·${A}`);
  const greedy = greedyPolicy(q, S, A);
  const rows: string[][] = [];
  const policy: QTablePolicyState[] = [];
  for (let s = 0; s < S; s++) {
    rows.push(Array.from(q.subarray(s * A, (s + 1) * A), (v) => v.toString()));
    const level = stateLevel(definition.space, s);
    policy.push({
      slot: definition.space.slots.names[stateSlot(definition.space, s)]!,
      level: level + 1,
      fromMgDl: levelGlucoseMgDl(definition.space.glucose, level),
      toMgDl: levelGlucoseMgDl(definition.space.glucose, level + 1),
      action: greedy[s]!,
      doses: actionDoses(definition.actions, greedy[s]!),
      value: decodeFixed(q[s * A + greedy[s]!]!, definition.fractionBits),
    });
  }
  return { format: Q_TABLE_FORMAT, learnedFrom, definition: qLearningDefinitionToFile(definition), fractionBits: definition.fractionBits, q: rows, policy };
}

/** The document as text: two-space JSON with each row of q on one line. */
export function qTableText(doc: QTableDocument): string {
  const nested = (value: unknown) => JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
  const rows = doc.q.map((row) => `    ${JSON.stringify(row)}`).join(',\n');
  const fields: [keyof QTableDocument, string][] = [
    ['format', JSON.stringify(doc.format)],
    ['learnedFrom', nested(doc.learnedFrom)],
    ['definition', nested(doc.definition)],
    ['fractionBits', JSON.stringify(doc.fractionBits)],
    ['q', `[\n${rows}\n  ]`],
    ['policy', nested(doc.policy)],
  ];
  return `{\n${fields.map(([key, value]) => `  ${JSON.stringify(key)}: ${value}`).join(',\n')}\n}\n`;
}

/** Write a Q-table file (atomically: a failed write leaves nothing under `file`). */
export function writeQTable(file: string, definition: QLearningDefinition, q: BigInt64Array, learnedFrom: Record<string, unknown> = {}): void {
  writeFileAtomic(file, qTableText(qTableDocument(definition, q, learnedFrom)));
}

const Q_TABLE_SCHEMA = {
  type: 'object',
  required: ['format', 'definition', 'fractionBits', 'q'],
  properties: {
    format: { const: Q_TABLE_FORMAT },
    learnedFrom: { type: 'object' },
    definition: { type: 'object', additionalProperties: false, required: Object.keys(Q_LEARNING_DEFINITION_PROPERTIES), properties: Q_LEARNING_DEFINITION_PROPERTIES },
    fractionBits: { type: 'integer' },
    q: { type: 'array', items: { type: 'array', items: { type: 'string', pattern: '^-?[0-9]{1,19}$' } } },
    policy: { type: 'array' },
  },
} as const;

const validateQTable = compileValidator<{ definition: QLearningDefinitionFile; fractionBits: number; q: string[][]; learnedFrom?: Record<string, unknown> }>(Q_TABLE_SCHEMA);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Read a Q-table file: its definition and values (the policy is recomputed
 * from them). With `expected`, the file must have the same state and action
 * spaces and fraction bits, else it is refused naming the field that differs.
 */
export function readQTable(file: string, expected?: QLearningDefinition): { definition: QLearningDefinition; q: BigInt64Array; learnedFrom: Readonly<Record<string, unknown>> } {
  const raw = validateQTable(readJsonFile(file, 'Q-table file'), file);
  const definition = parseQLearningDefinition(raw.definition, file, 'definition');
  if (raw.fractionBits !== definition.fractionBits) throw new InputError(file, 'fractionBits', `is ${raw.fractionBits}, but definition.fractionBits is ${definition.fractionBits}`);
  if (expected) {
    const mismatch = qTableMismatch(expected, definition);
    if (mismatch) throw new InputError(file, `definition.${mismatch.field}`, `is ${mismatch.theirs}, but the controller's is ${mismatch.ours}: a Q-table of another state or action space, or of other fraction bits, cannot be used`);
  }
  const S = stateCount(definition.space);
  const A = actionCount(definition.actions);
  if (raw.q.length !== S) throw new InputError(file, 'q', `has ${raw.q.length} rows, but the definition has ${S} states`);
  const q = new BigInt64Array(S * A);
  raw.q.forEach((row, s) => {
    if (row.length !== A) throw new InputError(file, `q[${s}]`, `has ${row.length} values, but the definition has ${A} actions`);
    row.forEach((text, a) => {
      const v = BigInt(text);
      if (v < INT64_MIN || v > INT64_MAX) throw new InputError(file, `q[${s}][${a}]`, `${text} is outside int64`);
      q[s * A + a] = v;
    });
  });
  return { definition, q, learnedFrom: raw.learnedFrom ?? {} };
}
