/**
 * A trained model as it is stored: one share file per edge server (what
 * `glucosim secure-q train` writes and `glucosim edge-server --model` loads).
 * A share file alone is uniformly random: it holds no information about the
 * Q-table or the action set. The two files of a model carry the same random
 * `modelId`, so a server pair never mixes shares of two models.
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '../../io/errors.js';
import { compileValidator, type Validator } from '../../io/schema.js';
import { checkParameters, type LearningParameters, type ModelShare } from './model.js';
import type { PartyIndex } from '../mpc/party.js';

export const SHARE_FILE_FORMAT = 'glucosim-secure-q-share/1';

export interface ShareFile {
  readonly format: typeof SHARE_FILE_FORMAT;
  readonly modelId: string;
  readonly party: PartyIndex;
  /** Training runs completed on this model (both servers' files must agree). */
  readonly version?: number;
  readonly parameters: LearningParameters;
  readonly actionWidth: number;
  /** Ring elements as 16 hex digits each, concatenated. */
  readonly q: string;
  readonly actionSet: string;
}

const HEX_WORDS = /^([0-9a-f]{16})*$/;

const SHARE_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'modelId', 'party', 'parameters', 'actionWidth', 'q', 'actionSet'],
  properties: {
    format: { const: SHARE_FILE_FORMAT },
    modelId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    party: { enum: [0, 1] },
    version: { type: 'integer', minimum: 0 },
    parameters: {
      type: 'object',
      additionalProperties: false,
      required: ['states', 'actions', 'alpha', 'gamma', 'fractionBits'],
      properties: {
        states: { type: 'integer', minimum: 1, maximum: 65536 },
        actions: { type: 'integer', minimum: 1, maximum: 4096 },
        alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        gamma: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        fractionBits: { type: 'integer', minimum: 4, maximum: 24 },
      },
    },
    actionWidth: { type: 'integer', minimum: 0, maximum: 16 },
    // The hex form is checked below, not by a schema pattern: ajv's message would quote the value, a share.
    q: { type: 'string' },
    actionSet: { type: 'string' },
  },
} as const;

const validateShareFile: Validator<ShareFile> = compileValidator<ShareFile>(SHARE_FILE_SCHEMA);

export function wordsToHex(words: BigUint64Array): string {
  let out = '';
  for (const w of words) out += w.toString(16).padStart(16, '0');
  return out;
}

export function hexToWords(hex: string): BigUint64Array {
  const out = new BigUint64Array(hex.length / 16);
  for (let i = 0; i < out.length; i++) out[i] = BigInt(`0x${hex.slice(16 * i, 16 * i + 16)}`);
  return out;
}

/** A fresh model id for a pair of share files. */
export function newModelId(): string {
  return randomBytes(16).toString('hex');
}

export function shareFile(modelId: string, party: PartyIndex, share: ModelShare, version = 0): ShareFile {
  return { format: SHARE_FILE_FORMAT, modelId, party, version, parameters: share.parameters, actionWidth: share.actionWidth, q: wordsToHex(share.q), actionSet: wordsToHex(share.actionSet) };
}

/** A share file's contents checked (schema, sizes) and turned into a model share. */
export function parseShareFile(json: unknown, file: string): { modelId: string; party: PartyIndex; version: number; share: ModelShare } {
  const f = validateShareFile(json, file);
  try {
    checkParameters(f.parameters);
  } catch (e) {
    throw new InputError(file, 'parameters', (e as Error).message);
  }
  for (const field of ['q', 'actionSet'] as const) if (!HEX_WORDS.test(f[field])) throw new InputError(file, field, 'must be ring elements as 16 lower-case hex digits each');
  const q = hexToWords(f.q);
  const actionSet = hexToWords(f.actionSet);
  const cells = f.parameters.states * f.parameters.actions;
  if (q.length !== cells) throw new InputError(file, 'q', `holds ${q.length} values, δ·σ = ${cells}`);
  if (actionSet.length !== f.parameters.actions * f.actionWidth) throw new InputError(file, 'actionSet', `holds ${actionSet.length} values, σ·actionWidth = ${f.parameters.actions * f.actionWidth}`);
  return { modelId: f.modelId, party: f.party, version: f.version ?? 0, share: { parameters: f.parameters, actionWidth: f.actionWidth, q, actionSet } };
}
