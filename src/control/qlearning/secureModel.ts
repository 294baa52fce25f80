/**
 * A model trained by SecQ-learning, as `glucosim secure-q train` writes it:
 * a directory with `model.json` (public: the Q-learning definition, the
 * model's id, what it was trained on) and one share file per edge server
 * (`es0.share.json`, `es1.share.json`; each alone is uniformly random). The
 * provider hands each server its file; a `secure-q` controller in
 * simulation reads both and plays the two servers in process.
 */
import { join } from 'node:path';
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator } from '../../io/schema.js';
import type { ModelShare } from '../../privacy/oidpr/model.js';
import { parseShareFile } from '../../privacy/oidpr/shareFile.js';
import { actionCount, actionDoses } from '../mdp/space.js';
import { type QLearningDefinition, type QLearningDefinitionFile, parseQLearningDefinition, Q_LEARNING_DEFINITION_PROPERTIES, qLearningParameters } from './definition.js';

/** How the secure-q controller names itself in slot problems (its entry's checks and the controller's own). */
export const SECURE_Q_SLOT_OWNER = "the secure-q controller's";

export const SECURE_MODEL_FORMAT = 'glucosim-secure-q-model/1';
export const SHARE_FILE_NAMES = ['es0.share.json', 'es1.share.json'] as const;

export interface SecureModelDocument {
  readonly format: typeof SECURE_MODEL_FORMAT;
  readonly modelId: string;
  readonly definition: QLearningDefinitionFile;
  /** What the model learned from (records file, patients, records, schedule), for the reader. */
  readonly trainedOn: Readonly<Record<string, unknown>>;
}

const validateModel = compileValidator<SecureModelDocument>({
  type: 'object',
  additionalProperties: false,
  required: ['format', 'modelId', 'definition', 'trainedOn'],
  properties: {
    format: { const: SECURE_MODEL_FORMAT },
    modelId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    definition: { type: 'object', additionalProperties: false, properties: Q_LEARNING_DEFINITION_PROPERTIES },
    trainedOn: { type: 'object' },
  },
});

/** The action set A of §IV-1: each action's doses (regular, NPH, long-acting insulin, U). */
export function actionSetOf(definition: QLearningDefinition): number[][] {
  return Array.from({ length: actionCount(definition.actions) }, (_, a) => {
    const d = actionDoses(definition.actions, a);
    return [d.regular, d.nph, d.long];
  });
}

export interface SecureModel {
  readonly dir: string;
  readonly modelId: string;
  readonly definition: QLearningDefinition;
  readonly trainedOn: Readonly<Record<string, unknown>>;
}

/** `model.json` of a model directory, checked. */
export function readSecureModel(dir: string): SecureModel {
  const file = join(dir, 'model.json');
  const doc = validateModel(readJsonFile(file, 'secure Q-learning model'), file);
  const definition = parseQLearningDefinition(doc.definition, file, 'definition');
  return { dir, modelId: doc.modelId, definition, trainedOn: doc.trainedOn };
}

/** Both servers' shares of a model directory, checked against its model.json (id, parties, sizes). */
export function readModelShares(model: SecureModel): [ModelShare, ModelShare] {
  const params = qLearningParameters(model.definition);
  const shares = SHARE_FILE_NAMES.map((name, party) => {
    const file = join(model.dir, name);
    const parsed = parseShareFile(readJsonFile(file, 'model share file'), file);
    if (parsed.modelId !== model.modelId) throw new InputError(file, 'modelId', `is ${parsed.modelId}, model.json's is ${model.modelId}: the files belong to different models`);
    if (parsed.party !== party) throw new InputError(file, 'party', `is ${parsed.party}, expected ${party}`);
    const p = parsed.share.parameters;
    if (p.states !== params.states || p.actions !== params.actions || p.fractionBits !== params.fractionBits) {
      throw new InputError(file, 'parameters', `δ = ${p.states}, σ = ${p.actions}, f = ${p.fractionBits} do not match model.json's definition (δ = ${params.states}, σ = ${params.actions}, f = ${params.fractionBits})`);
    }
    return parsed.share;
  });
  return [shares[0], shares[1]];
}
