/**
 * Two-party computation on additive shares over Z_2^64: the building blocks
 * of the OIDPR protocols. Every function is run by both parties at once with
 * their own shares; inputs and outputs are shares, and a party learns only
 * values masked by fresh dealer randomness (uniform, so independent of the
 * secrets).
 *
 * Rounds (one exchange each way) per call: open 1, mul 1, oneHot 1,
 * lessThan 4, argmaxPick 5 (for rows of 3 to 10), truncate 0.
 */
import { flagPlane, gatherBits, planeWords } from './bitPlanes.js';
import { andAll, inject, msb } from './boolean.js';
import type { Party } from './party.js';
import { concatWords, type Words, xorWords } from './ring.js';

/** Most words one message carries (4 MiB), well inside a frame: longer openings take several rounds. */
export const MAX_MESSAGE_WORDS = 1 << 19;

/** Reveal shared values to both parties: each sends its share and adds the other's. */
export async function open(p: Party, op: string, x: Words): Promise<Words> {
  const out = new BigUint64Array(x.length);
  for (let at = 0; at < x.length || at === 0; at += MAX_MESSAGE_WORDS) {
    const part = x.subarray(at, at + MAX_MESSAGE_WORDS);
    const peer = await p.channel.exchange(op, part);
    for (let i = 0; i < part.length; i++) out[at + i] = part[i] + peer[i];
  }
  return out;
}

/**
 * Elementwise products x·y of shared values (Beaver 1991): open d = x − a and
 * e = y − b, then x·y = c + d·b + e·a + d·e, the public d·e added by party 0.
 * Exact in the ring (no fixed-point truncation: callers truncate).
 */
export async function mul(p: Party, op: string, x: Words, y: Words): Promise<Words> {
  const n = x.length;
  if (y.length !== n) throw new Error(`${op}: multiplying ${n} by ${y.length} values`);
  const t = p.material.take({ kind: 'triple', n });
  const masked = new BigUint64Array(2 * n);
  for (let i = 0; i < n; i++) {
    masked[i] = x[i] - t[i];
    masked[n + i] = y[i] - t[n + i];
  }
  const de = await open(p, op, masked);
  const z = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    const d = de[i];
    const e = de[n + i];
    z[i] = t[2 * n + i] + d * t[n + i] + e * t[i] + (p.id === 0 ? d * e : 0n);
  }
  return z;
}

/** [x < y] for signed values with |x − y| < 2^63, as additive shares of 0/1 (SecCom): 4 rounds. */
export async function lessThan(p: Party, op: string, x: Words, y: Words): Promise<Words> {
  const d = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) d[i] = x[i] - y[i];
  return (await inject(p, `${op}/b2a`, await msb(p, op, d), x.length, new BigUint64Array(0), 0)).bits;
}

/**
 * Fixed-point truncation x / 2^f by local shifts (Mohassel & Zhang 2017,
 * "SecureML", §4.1, Theorem 1): party 0 shifts x0, party 1 takes
 * −((−x1) >> f). For |x| < 2^ℓx the result is ⌊x/2^f⌋ or ⌊x/2^f⌋ + 1 (the
 * plain reference's bound allows ±1), except with probability at most
 * 2^(ℓx + 1 − 64) per value, when it is off by about 2^(64 − f). SecUq
 * truncates γ̂·m and α̂·td: with |Q| and |td| below 2^6 (rewards in
 * [−2, 1]) and f = 16 these are below 2^(6 + 2f) = 2^38, a failure chance
 * below 2^-25 per truncation; `secure-q train` checks every entry against
 * the bound, where a failure would stand out by ~2^48 ulps.
 */
export function truncate(p: Party, x: Words, fractionBits: number): Words {
  const f = BigInt(fractionBits);
  const out = new BigUint64Array(x.length);
  if (p.id === 0) for (let i = 0; i < x.length; i++) out[i] = x[i] >> f;
  else for (let i = 0; i < x.length; i++) out[i] = -((-x[i] & 0xffffffffffffffffn) >> f);
  return out;
}

/** x·c for a public integer c (local). */
export function scale(x: Words, c: bigint): Words {
  const out = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * c;
  return out;
}

/** A group of secret indices shared in Z_size, for `oneHot`. */
export interface IndexGroup {
  readonly shares: Uint32Array;
  readonly size: number;
}

/**
 * One-hot vectors of secret indices (one round for every group): open
 * c = x + r mod size for a dealer index r whose one-hot e_r is shared, then
 * e_x[i] = [i = x] = [c − i = r] = e_r[(c − i) mod size], a public rotation.
 * c is uniform in Z_size whatever x is. Returns, per group, n·size shares.
 */
export async function oneHot(p: Party, op: string, groups: readonly IndexGroup[]): Promise<Words[]> {
  const material = groups.map((g) => p.material.take({ kind: 'onehot', n: g.shares.length, size: g.size }));
  const masked = concatWords(
    groups.map((g, k) => {
      const out = new BigUint64Array(g.shares.length);
      for (let i = 0; i < g.shares.length; i++) out[i] = BigInt((g.shares[i] + Number(material[k][i * (1 + g.size)])) % g.size);
      return out;
    }),
  );
  const peer = await p.channel.exchange(op, masked);
  let at = 0;
  return groups.map((g, k) => {
    const size = g.size;
    const m = material[k];
    const out = new BigUint64Array(g.shares.length * size);
    for (let i = 0; i < g.shares.length; i++, at++) {
      const c = (Number(masked[at]) + Number(peer[at])) % size;
      const base = i * (1 + size) + 1;
      for (let j = 0; j < size; j++) out[i * size + j] = m[base + ((c - j + size) % size)];
    }
    return out;
  });
}

/**
 * Rows of a shared table (rows × width) picked by shared one-hot vectors
 * (n × rows): out[k] = Σ_s e_k[s]·table[s] (SecAct's selection), one
 * multiplication round.
 */
export async function selectRows(p: Party, op: string, oneHots: Words, table: Words, rows: number, width: number): Promise<Words> {
  const n = oneHots.length / rows;
  const x = new BigUint64Array(n * rows * width);
  const y = new BigUint64Array(n * rows * width);
  for (let k = 0; k < n; k++) {
    for (let s = 0; s < rows; s++) {
      const e = oneHots[k * rows + s];
      const at = (k * rows + s) * width;
      x.fill(e, at, at + width);
      y.set(table.subarray(s * width, (s + 1) * width), at);
    }
  }
  return sumRows(await mul(p, op, x, y), n, rows, width);
}

/** Sum over the middle axis of an (n × rows × width) array. */
export function sumRows(products: Words, n: number, rows: number, width: number): Words {
  const out = new BigUint64Array(n * width);
  for (let k = 0; k < n; k++) {
    for (let s = 0; s < rows; s++) {
      const at = (k * rows + s) * width;
      for (let j = 0; j < width; j++) out[k * width + j] += products[at + j];
    }
  }
  return out;
}

/**
 * The one-hot argmax of each row (n rows × width), ties to the lowest index,
 * as additive 0/1 shares, and the entries of `values` it picks
 * (Σ_i oneHot[k][i]·values[k][i][·], n × valueWidth): all width·(width−1)/2
 * pairwise comparisons at once (one `msb`), then entry i is the maximum
 * when it is ≥ every later entry and > every earlier one, an AND of
 * width − 1 bits (one round for width ≤ 10), then the bits to arithmetic
 * fused with the picking product. 5 rounds for 3 ≤ width ≤ 10, against 4·(4+1)
 * for a tournament of comparisons and selections.
 */
export async function argmaxPick(p: Party, op: string, rows: Words, width: number, values: Words, valueWidth: number): Promise<{ oneHot: Words; picked: Words }> {
  const n = rows.length / width;
  const items = n * width;
  if (values.length !== items * valueWidth) throw new Error(`${op}: ${values.length} values for ${items} entries × ${valueWidth}`);
  let beatsAll: Words;
  if (width === 1) {
    beatsAll = new BigUint64Array(planeWords(items));
    if (p.id === 0) beatsAll = flagPlane(new Int32Array(items).fill(1));
  } else {
    // Pair (i, j), i < j, of row k at index k·pairs + pairIndex(i, j); m = 1 iff row[i] < row[j].
    const pairs = (width * (width - 1)) / 2;
    const pairIndex: number[][] = Array.from({ length: width }, () => new Array<number>(width).fill(-1));
    let at = 0;
    for (let i = 0; i < width; i++) for (let j = i + 1; j < width; j++) pairIndex[i][j] = at++;
    const diffs = new BigUint64Array(n * pairs);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < width; i++) {
        for (let j = i + 1; j < width; j++) diffs[k * pairs + pairIndex[i][j]] = rows[k * width + i] - rows[k * width + j];
      }
    }
    const less = await msb(p, `${op}/compare`, diffs);
    // Plane t, item (k, i): "entry i beats its t-th rival": ¬m(i, j) for j > i (ties to i), m(j, i) for j < i.
    const beats: Words[] = [];
    for (let t = 0; t < width - 1; t++) {
      const from = new Int32Array(items);
      const negate = new Int32Array(items);
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < width; i++) {
          const j = t < i ? t : t + 1;
          from[k * width + i] = k * pairs + (i < j ? pairIndex[i][j] : pairIndex[j][i]);
          negate[k * width + i] = i < j ? 1 : 0;
        }
      }
      let bits = gatherBits(less, from);
      if (p.id === 0) bits = xorWords(bits, flagPlane(negate)); // NOT of an XOR-shared bit: one party flips it
      beats.push(bits);
    }
    beatsAll = await andAll(p, `${op}/all`, beats);
  }
  const { bits, products } = await inject(p, `${op}/pick`, beatsAll, items, values, valueWidth);
  return { oneHot: bits, picked: sumRows(products, n, width, valueWidth) };
}
