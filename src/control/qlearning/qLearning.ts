/**
 * Plain Q-learning on fixed-point numbers: the reference that a secret-
 * shared (two-party) version must reproduce. OIDPR (optimized insulin
 * dosage via privacy-preserving reinforcement learning for diabetics),
 * §III-A / §IV: the update
 *
 *   Q_new(s, a) = Q(s, a) + α [r + γ max_a′ Q(s′, a′) − Q(s, a)],
 *
 * ε-greedy action choice with ε starting at 1 and decreasing, and training
 * over ρ batches of τ experience records (s, a, s′, r) for R_max rounds
 * (paper defaults ε = 0.1, α = 0.1, γ = 0.7, ρ = 10, τ = 10, R_max = 2).
 *
 * Every number of the update is an int64 fixed-point value with f fraction
 * bits (fixedPoint.ts), and each product is truncated once, exactly as the
 * secure protocol computes it; `trainBatches` documents the semantics, and
 * `deviationBound` how far a secure implementation whose truncations are
 * each off by up to one ulp may drift from it. Pure functions: tables in,
 * new tables out; every random draw from the RandomStream passed in.
 */
import type { RandomStream } from '../../random/streams.js';
import { decodeFixed, encodeFixed, ringAdd, ringMul, ringSub, truncate } from './fixedPoint.js';

export interface QLearningParameters {
  /** δ: the number of states. */
  readonly states: number;
  /** σ: the number of actions. */
  readonly actions: number;
  /** α, the learning rate (0 < α ≤ 1). */
  readonly alpha: number;
  /** γ, the discount of one transition (0 ≤ γ < 1). */
  readonly gamma: number;
  /** f, fraction bits of the fixed-point numbers. */
  readonly fractionBits: number;
}

/** One experience record (s, a, s′, r); the reward is a real number, encoded when it is used. */
export interface ExperienceRecord {
  readonly state: number;
  readonly action: number;
  readonly nextState: number;
  readonly reward: number;
}

export interface TrainOptions {
  /** τ: records per batch (the last batch may be shorter). */
  readonly batchSize: number;
  /** R_max: how many times the whole sequence of batches is applied. */
  readonly rounds: number;
  /** The Q-table to start from (δ·σ, row-major); default all 0. Not changed. */
  readonly initial?: BigInt64Array;
}

export interface TrainResult {
  /** Q̂, δ·σ int64 fixed-point values, row-major: index state·σ + action. */
  readonly q: BigInt64Array;
  /** Per entry, how far (ulps, 2^−f) a secure implementation may differ from q (see `boundStep`). */
  readonly bound: Float64Array;
  /** Batch steps applied: ρ·R_max. */
  readonly steps: number;
}

/** A truncation: floor(v / 2^f) here; a secure protocol's may be off by up to ±1 (what `boundStep` allows for). */
export type Truncation = (v: bigint, f: number) => bigint;

/** The parameters as the update uses them: α̂, γ̂ (int64) and α̃ = α̂/2^f, γ̃ = γ̂/2^f (their real values). */
interface Encoded {
  readonly states: number;
  readonly actions: number;
  readonly f: number;
  readonly alphaFixed: bigint;
  readonly gammaFixed: bigint;
  readonly alphaReal: number;
  readonly gammaReal: number;
}

function encodeParameters(params: QLearningParameters): Encoded {
  const { states, actions, alpha, gamma, fractionBits: f } = params;
  if (!(Number.isInteger(states) && states >= 1)) throw new RangeError(`the number of states must be a whole number ≥ 1, not ${states}`);
  if (!(Number.isInteger(actions) && actions >= 1)) throw new RangeError(`the number of actions must be a whole number ≥ 1, not ${actions}`);
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], not ${alpha}`);
  if (!(gamma >= 0 && gamma < 1)) throw new RangeError(`gamma must be in [0, 1), not ${gamma}`);
  const alphaFixed = encodeFixed(alpha, f);
  const gammaFixed = encodeFixed(gamma, f);
  return { states, actions, f, alphaFixed, gammaFixed, alphaReal: decodeFixed(alphaFixed, f), gammaReal: decodeFixed(gammaFixed, f) };
}

function checkTable(table: { readonly length: number }, enc: Encoded, what: string): void {
  if (table.length !== enc.states * enc.actions) throw new RangeError(`${what} has ${table.length} entries, not δ·σ = ${enc.states}·${enc.actions} = ${enc.states * enc.actions}`);
}

function checkRecord(r: ExperienceRecord, enc: Encoded, index: number): void {
  const inRange = (x: number, n: number) => Number.isInteger(x) && x >= 0 && x < n;
  if (!inRange(r.state, enc.states) || !inRange(r.nextState, enc.states)) throw new RangeError(`record ${index}: state ${r.state} → ${r.nextState} is outside 0…${enc.states - 1}`);
  if (!inRange(r.action, enc.actions)) throw new RangeError(`record ${index}: action ${r.action} is outside 0…${enc.actions - 1}`);
  if (!Number.isFinite(r.reward)) throw new RangeError(`record ${index}: reward ${r.reward} is not a finite number`);
}

/** Index of Q(s, a) in a row-major table of σ actions. */
export function qIndex(actions: number, state: number, action: number): number {
  return state * actions + action;
}

/** max over a′ of a row (bigint or float table). */
function rowMax<T extends bigint | number>(table: ArrayLike<T>, actions: number, state: number): T {
  const base = state * actions;
  let best = table[base]!;
  for (let a = 1; a < actions; a++) if (table[base + a]! > best) best = table[base + a]!;
  return best;
}

/**
 * One batch step on `q`, in place. All records read the table as it was at
 * the start of the batch; then every update is added (duplicates add up).
 */
function stepInPlace(q: BigInt64Array, batch: readonly ExperienceRecord[], rewardsFixed: readonly bigint[], enc: Encoded, truncation: Truncation): void {
  const updates: bigint[] = new Array(batch.length);
  for (let k = 0; k < batch.length; k++) {
    const r = batch[k]!;
    const m = rowMax(q, enc.actions, r.nextState); // m_k = max_a′ Q̂[s′_k][a′]
    const g = truncation(ringMul(enc.gammaFixed, m), enc.f); // g_k = trunc(γ̂·m_k)
    const td = ringSub(ringAdd(rewardsFixed[k]!, g), q[qIndex(enc.actions, r.state, r.action)]!); // td_k = r̂_k + g_k − Q̂[s_k][a_k]
    updates[k] = truncation(ringMul(enc.alphaFixed, td), enc.f); // u_k = trunc(α̂·td_k)
  }
  for (let k = 0; k < batch.length; k++) {
    const i = qIndex(enc.actions, batch[k]!.state, batch[k]!.action);
    q[i] = ringAdd(q[i]!, updates[k]!);
  }
}

/**
 * The deviation bound of one batch step, in place (ulps). Let the secure
 * table Q′ differ from the reference Q̂ by at most e(s, a) per entry at the
 * batch start, and let each of its truncations be within ±1 of floor. For
 * a record k on entry (s, a) = (s_k, a_k):
 *
 * - |m′_k − m_k| ≤ e_m,k = max_a′ e(s′_k, a′) (a max moves by at most the
 *   largest move of its arguments);
 * - g_k = floor(γ̃·m_k); since |floor(x) − floor(y)| < |x − y| + 1, and the
 *   protocol's truncation adds ±1: |g′_k − g_k| < γ̃·e_m,k + 2;
 * - u_k = floor(α̃·td_k) with td_k = r̂_k + g_k − Q̂(s, a) (α̂·td is exact on
 *   integers): u′_k − u_k = α̃·[(g′_k − g_k) − (Q′(s, a) − Q̂(s, a))] + η_k,
 *   |η_k| < 2 (the floor difference and the protocol's ±1).
 *
 * Summing the c records of the batch on (s, a):
 * Q′_new − Q̂_new = (1 − c·α̃)(Q′ − Q̂)(s, a) + Σ_k [α̃(g′_k − g_k) + η_k], so
 *
 *   e_new(s, a) = |1 − c·α̃|·e(s, a) + Σ_k [α̃·(γ̃·e_m,k + 2) + 2],
 *
 * every e read at the batch start; entries no record updates keep theirs.
 */
function boundInPlace(e: Float64Array, batch: readonly ExperienceRecord[], enc: Encoded): void {
  const added = new Map<number, { c: number; sum: number }>();
  for (const r of batch) {
    const em = rowMax(e, enc.actions, r.nextState);
    const i = qIndex(enc.actions, r.state, r.action);
    const entry = added.get(i) ?? { c: 0, sum: 0 };
    entry.c++;
    entry.sum += enc.alphaReal * (enc.gammaReal * em + 2) + 2;
    added.set(i, entry);
  }
  for (const [i, { c, sum }] of added) e[i] = Math.abs(1 - c * enc.alphaReal) * e[i]! + sum;
}

function encodedRewards(batch: readonly ExperienceRecord[], enc: Encoded): bigint[] {
  return batch.map((r) => encodeFixed(r.reward, enc.f));
}

/** The records cut, in order, into ρ = ceil(n/τ) consecutive batches of τ (the last may be shorter). */
export function batchesOf<T>(records: readonly T[], batchSize: number): T[][] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`the batch size must be a whole number ≥ 1, not ${batchSize}`);
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += batchSize) out.push(records.slice(i, i + batchSize));
  return out;
}

/**
 * One batch step (see `trainBatches`) on a copy of `q`. `truncation` is
 * floor (`truncate`) for the reference; a different one models a secure
 * protocol's truncation error (tests of `boundStep`).
 */
export function batchStep(params: QLearningParameters, q: BigInt64Array, batch: readonly ExperienceRecord[], truncation: Truncation = truncate): BigInt64Array {
  const enc = encodeParameters(params);
  checkTable(q, enc, 'the Q-table');
  batch.forEach((r, k) => checkRecord(r, enc, k));
  const out = q.slice();
  stepInPlace(out, batch, encodedRewards(batch, enc), enc, truncation);
  return out;
}

/** The deviation bound after one batch step (see `boundInPlace` above for its derivation), on a copy of `bound`. */
export function boundStep(params: QLearningParameters, bound: Float64Array, batch: readonly ExperienceRecord[]): Float64Array {
  const enc = encodeParameters(params);
  checkTable(bound, enc, 'the bound');
  batch.forEach((r, k) => checkRecord(r, enc, k));
  const out = bound.slice();
  boundInPlace(out, batch, enc);
  return out;
}

/**
 * Batch Q-learning on fixed-point numbers. EXACT semantics (the secure
 * protocol implements exactly this): α̂ = encodeFixed(α), γ̂ =
 * encodeFixed(γ), r̂_k = encodeFixed(reward_k). The records are cut in order
 * into ρ = ceil(n/τ) consecutive batches of τ (the last may be shorter); the
 * whole sequence of batches is applied `rounds` times. One step = one batch,
 * and all its records use the Q-table as it was at the start of the batch:
 * for each record k, m_k = max_a′ Q̂[s′_k][a′], g_k = truncate(γ̂·m_k),
 * td_k = r̂_k + g_k − Q̂[s_k][a_k], u_k = truncate(α̂·td_k); after all records
 * of the batch, Q̂[s_k][a_k] += u_k for every k (duplicates add up). Every
 * sum and product is taken in Z_2^64. With τ = 1 this is classic online
 * Q-learning.
 */
export function trainBatches(params: QLearningParameters, records: readonly ExperienceRecord[], options: TrainOptions): TrainResult {
  const enc = encodeParameters(params);
  if (!(Number.isInteger(options.rounds) && options.rounds >= 0)) throw new RangeError(`rounds must be a whole number ≥ 0, not ${options.rounds}`);
  records.forEach((r, k) => checkRecord(r, enc, k));
  const q = options.initial ? options.initial.slice() : new BigInt64Array(enc.states * enc.actions);
  checkTable(q, enc, 'the initial Q-table');
  const bound = new Float64Array(q.length);
  const batches = batchesOf(records, options.batchSize).map((batch) => ({ batch, rewards: encodedRewards(batch, enc) }));
  let steps = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (const { batch, rewards } of batches) {
      // The bound reads e at the batch start, as the step reads Q̂; the two are independent.
      boundInPlace(bound, batch, enc);
      stepInPlace(q, batch, rewards, enc, truncate);
      steps++;
    }
  }
  return { q, bound, steps };
}

/** Online Q-learning: one step with τ = 1 on a copy of `q`. */
export function updateOnline(params: QLearningParameters, q: BigInt64Array, record: ExperienceRecord): BigInt64Array {
  return batchStep(params, q, [record]);
}

/** argmax_a Q(state, a); ties go to the lowest action index. */
export function greedyAction(q: BigInt64Array, actions: number, state: number): number {
  const base = state * actions;
  if (!(Number.isInteger(state) && state >= 0 && base + actions <= q.length)) throw new RangeError(`state ${state} is outside the Q-table (${q.length / actions} states)`);
  let best = 0;
  for (let a = 1; a < actions; a++) if (q[base + a]! > q[base + best]!) best = a;
  return best;
}

/** The greedy action of every state. */
export function greedyPolicy(q: BigInt64Array, states: number, actions: number): Int32Array {
  if (q.length !== states * actions) throw new RangeError(`the Q-table has ${q.length} entries, not δ·σ = ${states * actions}`);
  const policy = new Int32Array(states);
  for (let s = 0; s < states; s++) policy[s] = greedyAction(q, actions, s);
  return policy;
}

/**
 * ε-greedy (OIDPR, §III-A / §IV): with probability ε a uniform action, else the
 * greedy one. Draws one uniform number, and a second for the action when it
 * explores.
 */
export function epsilonGreedy(q: BigInt64Array, actions: number, state: number, epsilon: number, rng: RandomStream): number {
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in [0, 1], not ${epsilon}`);
  if (rng.uniform() < epsilon) return rng.integerIn(0, actions - 1);
  return greedyAction(q, actions, state);
}

export interface EpsilonScheduleOptions {
  /** ε_0 (default 1: OIDPR starts fully exploring). */
  readonly start?: number;
  /** The floor ε decays to (default 0.1, the paper's ε). */
  readonly end?: number;
  /** The factor ε is multiplied by per step (0 < decay ≤ 1). */
  readonly decayPerStep: number;
}

/**
 * An exponential schedule: ε_i = max(end, start·decay^i) at step i = 0, 1, …
 * (OIDPR gives ε starting at 1 and decreasing, not how; exponential decay
 * to a floor is the common choice).
 */
export function epsilonSchedule(options: EpsilonScheduleOptions): (step: number) => number {
  const start = options.start ?? 1;
  const end = options.end ?? 0.1;
  const decay = options.decayPerStep;
  if (!(start >= 0 && start <= 1 && end >= 0 && end <= start)) throw new RangeError(`the ε schedule needs 0 ≤ end ≤ start ≤ 1 (start ${start}, end ${end})`);
  if (!(decay > 0 && decay <= 1)) throw new RangeError(`decayPerStep must be in (0, 1], not ${decay}`);
  return (step) => Math.max(end, start * decay ** step);
}
