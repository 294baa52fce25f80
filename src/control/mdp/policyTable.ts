/**
 * Policy tables (`glucosim-mdp-table/1`): dose triplets per MDP state, per
 * seed and patient, that an `mdp` controller follows after its learning
 * days instead of solving its own counts (option `policyTable`). `glucosim
 * ppopi t2dm` writes them: each patient's table as it read it from the
 * PPOPI server's answers to its encrypted requests (Chen & Ye 2025, §5.6),
 * or learned from its own records alone.
 *
 * A table is a fixed policy: the controller neither recounts nor
 * recalibrates it. A state without an action (null) is left to the
 * physician's regimen π0, as the MDP controller leaves states without data.
 */
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator } from '../../io/schema.js';
import { definitionToFile, MDP_DEFINITION_PROPERTIES, type MdpDefinitionFile, parseMdpDefinition, spaceMismatch } from './definitionFile.js';
import type { MdpDefinition } from './model.js';
import { actionDoses, actionIndex, type DoseTriplet, levelCount, stateCount } from './space.js';

export const POLICY_TABLE_FORMAT = 'glucosim-mdp-table/1';

/** No action in a state: π0 decides there. */
export const PHYSICIAN_DECIDES = -1;

/** One patient's table under one seed: an action per state (index = slot·L + level), PHYSICIAN_DECIDES where π0 decides. */
export interface PolicyTable {
  readonly seed: string;
  readonly patient: string;
  readonly actions: Int32Array;
}

export interface PolicyTableDocument {
  readonly format: typeof POLICY_TABLE_FORMAT;
  /** What the tables were learned from: free-form, for the reader. */
  readonly learnedFrom: Readonly<Record<string, unknown>>;
  readonly definition: Required<MdpDefinitionFile>;
  /** Per table, the dose triplet of every state (index = slot·L + level), or null where π0 decides. */
  readonly tables: readonly { readonly seed: string; readonly patient: string; readonly actions: readonly (DoseTriplet | null)[] }[];
}

/** The document of some tables. */
export function policyTableDocument(def: MdpDefinition, tables: readonly PolicyTable[], learnedFrom: Record<string, unknown>): PolicyTableDocument {
  return {
    format: POLICY_TABLE_FORMAT,
    learnedFrom,
    definition: definitionToFile(def),
    tables: tables.map((t) => ({ seed: t.seed, patient: t.patient, actions: [...t.actions].map((a) => (a === PHYSICIAN_DECIDES ? null : actionDoses(def.actions, a))) })),
  };
}

const dose = { type: 'number', minimum: 0 } as const;

const TABLE_SCHEMA = {
  type: 'object',
  required: ['format', 'definition', 'tables'],
  properties: {
    format: { const: POLICY_TABLE_FORMAT },
    learnedFrom: { type: 'object' },
    definition: { type: 'object', additionalProperties: false, required: Object.keys(MDP_DEFINITION_PROPERTIES), properties: MDP_DEFINITION_PROPERTIES },
    tables: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['seed', 'patient', 'actions'],
        properties: {
          seed: { type: 'string', minLength: 1 },
          patient: { type: 'string', minLength: 1 },
          actions: {
            type: 'array',
            items: {
              oneOf: [
                { type: 'null' },
                { type: 'object', additionalProperties: false, required: ['regular', 'nph', 'long'], properties: { regular: dose, nph: dose, long: dose } },
              ],
            },
          },
        },
      },
    },
  },
} as const;

type TableFile = { definition: MdpDefinitionFile; tables: { seed: string; patient: string; actions: (DoseTriplet | null)[] }[] };
const validateTable = compileValidator<TableFile>(TABLE_SCHEMA);

/** The tables of a file, by seed and patient. */
export interface PolicyTables {
  readonly file: string;
  /** The table of a patient under a seed (seeds as text: 7 and "7" are the same seed), or undefined. */
  get(seed: number | string, patient: string): Int32Array | undefined;
}

const tableKey = (seed: number | string, patient: string) => JSON.stringify([String(seed), patient]);

/**
 * Read a table file, refused (naming the field) if its state and action
 * spaces differ from `expected`'s, a table's length is not the number of
 * states, a dose is not one of its list, or a (seed, patient) is given twice.
 */
export function readPolicyTableFile(file: string, expected: MdpDefinition): PolicyTables {
  const raw = validateTable(readJsonFile(file, 'MDP policy table'), file);
  const definition = parseMdpDefinition(raw.definition, file, 'definition');
  const mismatch = spaceMismatch(expected, definition);
  if (mismatch) throw new InputError(file, `definition.${mismatch.field}`, `is ${mismatch.theirs}, but the controller's is ${mismatch.ours}: a table of another state or action space cannot be followed`);
  const S = stateCount(definition.space);
  const tables = new Map<string, Int32Array>();
  raw.tables.forEach((t, i) => {
    const field = `tables[${i}]`;
    if (t.actions.length !== S) {
      throw new InputError(file, `${field}.actions`, `has ${t.actions.length} entries, but the space has ${S} states (${levelCount(definition.space.glucose)} levels × ${definition.space.slots.names.length} slots)`);
    }
    const key = tableKey(t.seed, t.patient);
    if (tables.has(key)) throw new InputError(file, field, `patient '${t.patient}' under seed ${t.seed} has a table already`);
    const actions = new Int32Array(S);
    t.actions.forEach((triplet, s) => {
      if (triplet === null) {
        actions[s] = PHYSICIAN_DECIDES;
        return;
      }
      const index = { regular: 0, nph: 0, long: 0 };
      for (const prep of ['regular', 'nph', 'long'] as const) {
        index[prep] = definition.actions[prep].indexOf(triplet[prep]);
        if (index[prep] < 0) throw new InputError(file, `${field}.actions[${s}].${prep}`, `${triplet[prep]} U is not a dose of actions.${prep}`);
      }
      actions[s] = actionIndex(definition.actions, index.regular, index.nph, index.long);
    });
    tables.set(key, actions);
  });
  return { file, get: (seed, patient) => tables.get(tableKey(seed, patient)) };
}
