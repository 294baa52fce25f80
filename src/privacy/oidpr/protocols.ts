/**
 * The OIDPR protocols (Q-learning over additive secret shares on two edge
 * servers; the paper names them and reports their cost in Table I but does
 * not spell them out, so each is defined here). Every function is run by
 * both servers at once, each with its own shares; inputs and outputs are
 * shares, nothing is opened but values masked by fresh dealer randomness.
 *
 * Rounds, with 3 ≤ σ ≤ 10 actions (one fewer in the argmax for σ = 2; one
 * more per level of ⌈log_9(σ−1)⌉ beyond the first for σ > 10), for
 * messages up to MAX_MESSAGE_WORDS (longer openings take several):
 *   SecMul 1 · SecCom 4 · SecAct 2 · SecEle 3 · SecMax 5 · SecGry 8
 *   SecRep 7 · SecUq 7 · SecQ-learning 2 + ⌈n/τ⌉·Rmax·7.
 *
 * SecUq opens Q − B, the argmax's masked bits (with the masked row values
 * its one-hot picks the maximum from) and u − b; SecQ-learning adds the
 * records' masked indices and one-hots once.
 */
import { argmaxPick, lessThan, mul, oneHot, open, scale, selectRows, sumRows, truncate } from '../mpc/arithmetic.js';
import { qstepOffsets, recordMaskOffsets } from '../mpc/correlated.js';
import type { Party } from '../mpc/party.js';
import { encodeFixed, type Words } from '../mpc/ring.js';
import { type LearningParameters, type ModelShare, type RecordShares, recordCount } from './model.js';

/** SecMul: elementwise products of shared values (Beaver triples; exact in Z_2^64, no truncation). */
export function SecMul(p: Party, x: Words, y: Words): Promise<Words> {
  return mul(p, 'SecMul', x, y);
}

/** SecCom: [x < y] as shares of 0/1, for signed values with |x − y| < 2^63 (exact). */
export function SecCom(p: Party, x: Words, y: Words): Promise<Words> {
  return lessThan(p, 'SecCom', x, y);
}

/** SecAct: the action values Q(s, ·) of secret states (n × σ shares), via their one-hots. */
export async function SecAct(p: Party, model: ModelShare, states: Uint32Array): Promise<Words> {
  const { states: delta, actions: sigma } = model.parameters;
  const [e] = await oneHot(p, 'SecAct/onehot', [{ shares: states, size: delta }]);
  return selectRows(p, 'SecAct/rows', e, model.q, delta, sigma);
}

/** SecEle: the elements Q(s, a) of secret state–action pairs (n shares). */
export async function SecEle(p: Party, model: ModelShare, states: Uint32Array, actions: Uint32Array): Promise<Words> {
  const { states: delta, actions: sigma } = model.parameters;
  const [es, ea] = await oneHot(p, 'SecEle/onehot', [
    { shares: states, size: delta },
    { shares: actions, size: sigma },
  ]);
  const rows = await selectRows(p, 'SecEle/rows', es, model.q, delta, sigma);
  // Per state k, Σ_j e_a[k][j]·row_k[j]: elementwise products, summed per row.
  return sumRows(await mul(p, 'SecEle/pick', ea, rows), states.length, sigma, 1);
}

/** SecMax: per row of n × width values, the one-hot of the (first) maximum and the maximum. */
export async function SecMax(p: Party, rows: Words, width: number): Promise<{ oneHot: Words; max: Words }> {
  const { oneHot: oh, picked } = await argmaxPick(p, 'SecMax', rows, width, rows, 1);
  return { oneHot: oh, max: picked };
}

/** Σ_i oneHot[k][i]·i: the index a one-hot stands for (local: the indices are public). */
export function indexOf(oneHots: Words, width: number): Words {
  const n = oneHots.length / width;
  const out = new BigUint64Array(n);
  for (let k = 0; k < n; k++) for (let i = 1; i < width; i++) out[k] += oneHots[k * width + i] * BigInt(i);
  return out;
}

/**
 * SecGry: ε-greedy actions for secret states (§III-A): with probability ε a
 * uniformly random action, else the greedy one. The coin and the random
 * action are dealer randomness shared between the servers, so neither knows
 * whether a step explored. Returns the chosen actions' one-hots and indices.
 */
export async function SecGry(p: Party, model: ModelShare, states: Uint32Array, epsilon: number): Promise<{ oneHot: Words; action: Words }> {
  const sigma = model.parameters.actions;
  const n = states.length;
  const rows = await SecAct(p, model, states);
  const { oneHot: greedy } = await argmaxPick(p, 'SecGry/argmax', rows, sigma, new BigUint64Array(0), 0);
  const coins = p.material.take({ kind: 'coin', n, probability: epsilon });
  const random = p.material.take({ kind: 'onehot', n, size: sigma });
  const coinEach = new BigUint64Array(n * sigma);
  const towardsRandom = new BigUint64Array(n * sigma);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < sigma; i++) {
      coinEach[k * sigma + i] = coins[k];
      towardsRandom[k * sigma + i] = random[k * (1 + sigma) + 1 + i] - greedy[k * sigma + i];
    }
  }
  // chosen = greedy + coin·(random − greedy)
  const delta = await mul(p, 'SecGry/choose', coinEach, towardsRandom);
  const chosen = new BigUint64Array(n * sigma);
  for (let i = 0; i < chosen.length; i++) chosen[i] = greedy[i] + delta[i];
  return { oneHot: chosen, action: indexOf(chosen, sigma) };
}

/**
 * Records made ready for every step of a training run: the one-hots of s′
 * (n × δ) and of the pair (s, a) (n × δσ), each opened once under a dealer
 * mask A′, A (D′ = e′ − A′ and D = e − A are public and uniform), so that
 * each step multiplies them with the Q-table by opening only Q − B.
 */
export interface EncodedRecords {
  readonly n: number;
  readonly maskedNext: Words;
  readonly maskedPair: Words;
  /** This party's shares of the masks: the `recordMasks` item. */
  readonly masks: Words;
  readonly rewards: Words;
}

/**
 * One-hots of the records' s′ and (s, a) pairs, then their masked openings
 * (two rounds). The pair's one-hot comes from a dealer one-hot of a random
 * pair (r_s, r_a) rotated by the opened s + r_s and a + r_a, with no
 * multiplication.
 */
export async function encodeRecords(p: Party, parameters: LearningParameters, records: RecordShares): Promise<EncodedRecords> {
  const { states: delta, actions: sigma } = parameters;
  const cells = delta * sigma;
  const n = recordCount(records);
  const single = p.material.take({ kind: 'onehot', n, size: delta });
  const double = p.material.take({ kind: 'onehot2', n, rows: delta, cols: sigma });
  const masked = new BigUint64Array(3 * n);
  for (let k = 0; k < n; k++) {
    masked[k] = BigInt((records.nextStates[k] + Number(single[k * (1 + delta)])) % delta);
    masked[n + 2 * k] = BigInt((records.states[k] + Number(double[k * (2 + cells)])) % delta);
    masked[n + 2 * k + 1] = BigInt((records.actions[k] + Number(double[k * (2 + cells) + 1])) % sigma);
  }
  const peer = await p.channel.exchange('SecQ-learning/onehot', masked);
  const masks = p.material.take({ kind: 'recordMasks', n, rows: delta, cols: sigma });
  const toOpen = new BigUint64Array(n * (delta + cells));
  for (let k = 0; k < n; k++) {
    const at = recordMaskOffsets({ rows: delta, cols: sigma }, k);
    const c = (Number(masked[k]) + Number(peer[k])) % delta;
    for (let i = 0; i < delta; i++) toOpen[at.next + i] = single[k * (1 + delta) + 1 + ((c - i + delta) % delta)] - masks[at.next + i];
    const cs = (Number(masked[n + 2 * k]) + Number(peer[n + 2 * k])) % delta;
    const ca = (Number(masked[n + 2 * k + 1]) + Number(peer[n + 2 * k + 1])) % sigma;
    const base = k * (2 + cells) + 2;
    for (let i = 0; i < delta; i++) {
      const row = ((cs - i + delta) % delta) * sigma;
      for (let j = 0; j < sigma; j++) toOpen[at.pair + i * sigma + j] = double[base + row + ((ca - j + sigma) % sigma)] - masks[at.pair + i * sigma + j];
    }
  }
  const opened = await open(p, 'SecQ-learning/mask', toOpen);
  const maskedNext = new BigUint64Array(n * delta);
  const maskedPair = new BigUint64Array(n * cells);
  for (let k = 0; k < n; k++) {
    const at = recordMaskOffsets({ rows: delta, cols: sigma }, k);
    maskedNext.set(opened.subarray(at.next, at.next + delta), k * delta);
    maskedPair.set(opened.subarray(at.pair, at.pair + cells), k * cells);
  }
  return { n, maskedNext, maskedPair, masks, rewards: records.rewards };
}

/**
 * SecUq: one Q-learning step over the batch of records `first … first +
 * count − 1`, all read against the Q-table at the start of the batch (with
 * τ = 1, classic Q-learning):
 *   m_k = max_a′ Q(s′_k, a′), g_k = ⌊γ̂·m_k / 2^f⌉, td_k = r_k + g_k − Q(s_k, a_k),
 *   u_k = ⌊α̂·td_k / 2^f⌉, then Q(s_k, a_k) += u_k for every k,
 * with γ̂, α̂ the fixed-point encodings and ⌊·⌉ the truncation (the floor, or
 * one ulp above it). The same arithmetic as the plain reference
 * (src/control/qlearning/qLearning.ts). Opens Q − B (δσ words), the argmax's
 * masked bits and u − b (one word per record). Returns the new Q shares; the
 * input is not changed.
 */
export async function SecUq(p: Party, parameters: LearningParameters, q: Words, records: EncodedRecords, first: number, count: number): Promise<Words> {
  const { states: delta, actions: sigma, fractionBits: f } = parameters;
  const shape = { rows: delta, cols: sigma };
  const cells = delta * sigma;
  const step = p.material.take({ kind: 'qstep', first, count, rows: delta, cols: sigma });
  const qMinusB = new BigUint64Array(cells);
  for (let c = 0; c < cells; c++) qMinusB[c] = q[c] - step[c];
  const F = await open(p, 'SecUq/table', qMinusB);
  // e∘Q = D∘F + D∘[B] + [A]∘F + [A∘B], D∘F public (added by party 0).
  const nextRows = new BigUint64Array(count * sigma);
  const current = new BigUint64Array(count);
  const lead = p.id === 0;
  for (let k = 0; k < count; k++) {
    const mask = recordMaskOffsets(shape, first + k);
    const at = qstepOffsets(shape, k);
    const D = records.maskedNext.subarray((first + k) * delta, (first + k + 1) * delta);
    const A = records.masks.subarray(mask.next, mask.next + delta);
    const row = nextRows.subarray(k * sigma, (k + 1) * sigma);
    row.set(step.subarray(at.rowMask, at.rowMask + sigma));
    rowTimesTable(D, step, row, delta, sigma);
    rowTimesTable(A, F, row, delta, sigma);
    if (lead) rowTimesTable(D, F, row, delta, sigma);
    const Dp = records.maskedPair.subarray((first + k) * cells, (first + k + 1) * cells);
    const Ap = records.masks.subarray(mask.pair, mask.pair + cells);
    current[k] = step[at.pairMask] + dot(Dp, step, cells) + dot(Ap, F, cells) + (lead ? dot(Dp, F, cells) : 0n);
  }
  const { picked: best } = await argmaxPick(p, 'SecUq/max', nextRows, sigma, nextRows, 1);
  const g = truncate(p, scale(best, encodeFixed(parameters.gamma, f)), f);
  const td = new BigUint64Array(count);
  for (let k = 0; k < count; k++) td[k] = records.rewards[first + k] + g[k] - current[k];
  const u = truncate(p, scale(td, encodeFixed(parameters.alpha, f)), f);
  const uMinusB = new BigUint64Array(count);
  for (let k = 0; k < count; k++) uMinusB[k] = u[k] - step[qstepOffsets(shape, k).b];
  const e = await open(p, 'SecUq/update', uMinusB);
  // ΔQ = Σ_k e_k·u_k = Σ_k D_k·u_k + [A_k]·(u_k − b_k) + [A_k·b_k].
  const out = q.slice();
  for (let k = 0; k < count; k++) {
    const mask = recordMaskOffsets(shape, first + k);
    const at = qstepOffsets(shape, k);
    addScaled(out, records.maskedPair.subarray((first + k) * cells, (first + k + 1) * cells), u[k]!, cells);
    addScaled(out, records.masks.subarray(mask.pair, mask.pair + cells), e[k]!, cells);
    addScaled(out, step.subarray(at.pairTimesB, at.pairTimesB + cells), 1n, cells);
  }
  return out;
}

/*
 * The hot loops of SecUq as small synchronous functions: each statement
 * stores a 64-bit product into a typed array, which V8 compiles to plain
 * machine arithmetic (a BigInt kept in a local would allocate per step).
 */

/** out[j] += Σ_s v[s]·table[s·cols + j]. */
function rowTimesTable(v: Words, table: Words, out: Words, rows: number, cols: number): void {
  for (let s = 0; s < rows; s++) {
    const x = v[s]!;
    for (let j = 0; j < cols; j++) out[j] = out[j]! + x * table[s * cols + j]!;
  }
}

/** Σ_c a[c]·b[c] in the ring. */
function dot(a: Words, b: Words, n: number): bigint {
  const acc = new BigUint64Array(1);
  for (let c = 0; c < n; c++) acc[0] = acc[0]! + a[c]! * b[c]!;
  return acc[0]!;
}

/** out[c] += v[c]·x. */
function addScaled(out: Words, v: Words, x: bigint, n: number): void {
  for (let c = 0; c < n; c++) out[c] = out[c]! + v[c]! * x;
}

export interface TrainingSchedule {
  /** τ, records per batch. */
  readonly batchSize: number;
  /** Rmax, passes over all ρ = ⌈n/τ⌉ batches. */
  readonly rounds: number;
}

/**
 * SecQ-learning (§IV-2): train on records shared as N′/N″ for Rmax rounds of
 * ρ = ⌈n/τ⌉ consecutive batches of τ records each. Returns new Q shares; the
 * server keeps its old shares until the whole run has succeeded, so a failed
 * run leaves no partial update.
 */
export async function SecQLearning(p: Party, model: ModelShare, records: RecordShares, schedule: TrainingSchedule): Promise<Words> {
  const { batchSize, rounds } = schedule;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batch size τ = ${batchSize} must be a whole number ≥ 1`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`rounds Rmax = ${rounds} must be a whole number ≥ 1`);
  const n = recordCount(records);
  const encoded = await encodeRecords(p, model.parameters, records);
  let q = model.q;
  for (let round = 0; round < rounds; round++) {
    for (let first = 0; first < n; first += batchSize) q = await SecUq(p, model.parameters, q, encoded, first, Math.min(batchSize, n - first));
  }
  return q;
}

/** A patient's answer: the greedy action's index and doses, as shares. */
export interface Recommendation {
  readonly action: Words;
  /** n × actionWidth fixed-point dose shares. */
  readonly doses: Words;
}

/**
 * SecRep (§IV-3): the greedy action for each secret state a patient device
 * sent (its state index shared in Z_δ). The servers return shares of the
 * action index and of its doses from the shared action set; the patient
 * adds them.
 */
export async function SecRep(p: Party, model: ModelShare, states: Uint32Array): Promise<Recommendation> {
  const sigma = model.parameters.actions;
  const width = model.actionWidth;
  const n = states.length;
  const rows = await SecAct(p, model, states);
  const values = new BigUint64Array(n * sigma * width);
  for (let k = 0; k < n; k++) values.set(model.actionSet, k * sigma * width);
  const { oneHot: greedy, picked: doses } = await argmaxPick(p, 'SecRep/argmax', rows, sigma, values, width);
  return { action: indexOf(greedy, sigma), doses };
}
