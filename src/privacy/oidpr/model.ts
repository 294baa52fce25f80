/**
 * What each edge server holds of OIDPR's Q-learning model (§IV-1): its share
 * of the Q-table Q (δ states × σ actions, fixed point, row-major
 * state·σ + action) and of the action set A (the dose each action gives, one
 * or more numbers per action, fixed point), with the public sizes and
 * learning parameters. The paper also splits the learning rate α and the
 * discount γ into shares; we keep them public (they are the provider's
 * published settings, not patient data), which saves one multiplication
 * round per truncated product.
 *
 * And the experience records N of §IV-2, split the same way: states and
 * actions as indices shared in Z_δ and Z_σ, rewards as fixed-point shares.
 */
import { encodeFixed } from '../mpc/ring.js';
import { shareIndices, shareWords } from '../mpc/shares.js';
import type { Words } from '../mpc/ring.js';

export interface LearningParameters {
  /** δ, σ: states and actions. */
  readonly states: number;
  readonly actions: number;
  /** Learning rate α and discount γ per transition. */
  readonly alpha: number;
  readonly gamma: number;
  /** Fixed-point fraction bits f. */
  readonly fractionBits: number;
}

export interface ModelShare {
  readonly parameters: LearningParameters;
  /** Numbers per action in the action set (e.g. 3: regular, NPH and long-acting insulin, U). */
  readonly actionWidth: number;
  /** δ·σ shares of Q. */
  readonly q: Words;
  /** σ·actionWidth shares of the action set. */
  readonly actionSet: Words;
}

/** A model's plaintext, as the provider (HCP) holds it before splitting. */
export interface PlainModel {
  readonly parameters: LearningParameters;
  /** δ·σ signed fixed-point Q values. */
  readonly q: BigInt64Array;
  /** σ rows of doses. */
  readonly actionSet: readonly (readonly number[])[];
}

export function checkParameters(p: LearningParameters): void {
  const whole = (x: number, min: number, max: number) => Number.isInteger(x) && x >= min && x <= max;
  if (!whole(p.states, 1, 1 << 16)) throw new RangeError(`states δ = ${p.states} must be a whole number from 1 to 65536`);
  if (!whole(p.actions, 1, 1 << 12)) throw new RangeError(`actions σ = ${p.actions} must be a whole number from 1 to 4096`);
  if (!(p.alpha > 0 && p.alpha <= 1)) throw new RangeError(`alpha = ${p.alpha} must be in (0, 1]`);
  if (!(p.gamma >= 0 && p.gamma < 1)) throw new RangeError(`gamma = ${p.gamma} must be in [0, 1)`);
  if (!whole(p.fractionBits, 4, 24)) throw new RangeError(`fractionBits = ${p.fractionBits} must be a whole number from 4 to 24`);
}

/** The provider splits a model into the two servers' shares (§IV-1). */
export function shareModel(model: PlainModel): [ModelShare, ModelShare] {
  const { parameters } = model;
  checkParameters(parameters);
  if (model.q.length !== parameters.states * parameters.actions) throw new RangeError(`the Q-table has ${model.q.length} entries, δ·σ = ${parameters.states * parameters.actions}`);
  if (model.actionSet.length !== parameters.actions) throw new RangeError(`the action set has ${model.actionSet.length} actions, σ = ${parameters.actions}`);
  const actionWidth = model.actionSet[0]?.length ?? 0;
  const set = new BigUint64Array(parameters.actions * actionWidth);
  model.actionSet.forEach((doses, a) => {
    if (doses.length !== actionWidth) throw new RangeError(`action ${a} has ${doses.length} doses, action 0 has ${actionWidth}`);
    doses.forEach((d, j) => (set[a * actionWidth + j] = encodeFixed(d, parameters.fractionBits)));
  });
  const q = new BigUint64Array(model.q.length);
  q.set(new BigUint64Array(model.q.buffer, model.q.byteOffset, model.q.length));
  const [q0, q1] = shareWords(q);
  const [a0, a1] = shareWords(set);
  return [
    { parameters, actionWidth, q: q0, actionSet: a0 },
    { parameters, actionWidth, q: q1, actionSet: a1 },
  ];
}

/** One experience record (s, a, s′, r) of §IV-2 in plaintext. */
export interface PlainRecord {
  readonly state: number;
  readonly action: number;
  readonly nextState: number;
  readonly reward: number;
}

export interface RecordShares {
  readonly states: Uint32Array;
  readonly actions: Uint32Array;
  readonly nextStates: Uint32Array;
  readonly rewards: Words;
}

export function recordCount(r: RecordShares): number {
  return r.states.length;
}

/** The provider splits records into the servers' shares (§IV-2): N = N′ + N″. */
export function shareRecords(records: readonly PlainRecord[], parameters: LearningParameters): [RecordShares, RecordShares] {
  const [s0, s1] = shareIndices(records.map((r) => r.state), parameters.states);
  const [a0, a1] = shareIndices(records.map((r) => r.action), parameters.actions);
  const [n0, n1] = shareIndices(records.map((r) => r.nextState), parameters.states);
  const rewards = new BigUint64Array(records.length);
  records.forEach((r, i) => (rewards[i] = encodeFixed(r.reward, parameters.fractionBits)));
  const [r0, r1] = shareWords(rewards);
  return [
    { states: s0, actions: a0, nextStates: n0, rewards: r0 },
    { states: s1, actions: a1, nextStates: n1, rewards: r1 },
  ];
}
