/**
 * Boolean circuits on XOR-shared bit planes with few rounds: products of
 * several shared bits in one round (`monomials`), the sign bit of shared
 * ring elements in three (`msb`), and the conversion of shared bits to
 * arithmetic 0/1 fused with a multiplication (`inject`).
 */
import { planeWords, toPlanes } from './bitPlanes.js';
import type { Party } from './party.js';
import { concatWords, type Words, xorWords } from './ring.js';

const ALL = 0xffffffffffffffffn;

/** Closures already found, by monomial list: the same few lists recur at every step. */
const closures = new Map<string, number[]>();

/** Every subset of 2 or more variables of any monomial (bitmasks, ascending): what the dealer must multiply. */
export function subsetClosure(monomials: readonly number[]): number[] {
  const key = monomials.join(',');
  const known = closures.get(key);
  if (known) return known;
  const closure = computeClosure(monomials);
  closures.set(key, closure);
  return closure;
}

function computeClosure(monomials: readonly number[]): number[] {
  const set = new Set<number>();
  for (const m of monomials) {
    // Enumerate the non-empty subsets of m.
    for (let s = m; s > 0; s = (s - 1) & m) if (s & (s - 1)) set.add(s);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Products of XOR-shared bits, one round for all of them. `variables` are
 * equally long planes (each bit an independent instance), `monomials`
 * bitmasks over the variables. With dealer masks a_v and opened
 * d_v = x_v ⊕ a_v, Π_{v∈M} x_v = ⊕_{S⊆M} (Π_{v∈M∖S} d_v)·(Π_{v∈S} a_v), the
 * d's public, the products of masks shared by the dealer (ABY2.0's
 * multi-input AND, Patra et al. 2021, §3).
 */
export async function monomials(p: Party, op: string, variables: readonly Words[], monomialSets: readonly number[]): Promise<Words[]> {
  const k = variables.length;
  const words = variables[0].length;
  const halves = 2 * words;
  const subsets = subsetClosure(monomialSets);
  const m = p.material.take({ kind: 'monomials', words, variables: k, subsets });
  // Bitwise work on 32-bit halves: number arithmetic, no BigInt per word.
  const m32 = new Uint32Array(m.buffer, m.byteOffset, m.length * 2);
  const masked = new BigUint64Array(k * words);
  const masked32 = new Uint32Array(masked.buffer);
  for (let v = 0; v < k; v++) {
    const x = new Uint32Array(variables[v].buffer, variables[v].byteOffset, halves);
    for (let h = 0; h < halves; h++) masked32[v * halves + h] = x[h]! ^ m32[v * halves + h]!;
  }
  const peer = await p.channel.exchange(op, masked);
  const peer32 = new Uint32Array(peer.buffer, peer.byteOffset, k * halves);
  const d = new Uint32Array(k * halves);
  for (let i = 0; i < d.length; i++) d[i] = masked32[i]! ^ peer32[i]!;
  const shareAt = new Map<number, number>(subsets.map((s, i) => [s, halves * (k + i)]));
  for (let v = 0; v < k; v++) shareAt.set(1 << v, halves * v);
  const coefficient = new Uint32Array(halves);
  return monomialSets.map((mono) => {
    const out = new BigUint64Array(words);
    const out32 = new Uint32Array(out.buffer);
    // S = the variables taken from the masks, M∖S from the public d's.
    for (let s = mono; ; s = (s - 1) & mono) {
      coefficient.fill(0xffffffff);
      for (let rest = mono & ~s; rest; rest &= rest - 1) {
        const at = Math.log2(rest & -rest) * halves;
        for (let h = 0; h < halves; h++) coefficient[h] &= d[at + h];
      }
      if (s === 0) {
        if (p.id === 0) for (let h = 0; h < halves; h++) out32[h] ^= coefficient[h];
        break;
      }
      const at = shareAt.get(s)!;
      for (let h = 0; h < halves; h++) out32[h] ^= coefficient[h] & m32[at + h];
    }
    return out;
  });
}

/** Bit masks of variables by index. */
const bit = (...indices: number[]) => indices.reduce((m, i) => m | (1 << i), 0);

/**
 * The most significant bit of each shared value (1 when the value, read as
 * a signed 64-bit integer, is negative), as XOR-shared bit planes; exact for
 * every ring element. The shares x0, x1 are the inputs of a binary adder:
 * MSB(x0 + x1) = p63 ⊕ carry into bit 63, with p = x0 ⊕ x1 (each party's
 * bits are its XOR shares) and generate g = x0·x1. The carry is a
 * carry-lookahead reduction over groups of 4 (Brent & Kung 1982):
 *   G = G3 ⊕ P3·G2 ⊕ P3·P2·G1 ⊕ P3·P2·P1·G0,  P = P3·P2·P1·P0,
 * each level one round of `monomials`; the first level takes g = x0·x1
 * into its products, so 63 bits need ⌈log4 64⌉ = 3 rounds. This is the
 * arithmetic-to-binary route to comparison of CrypTen (Knott et al. 2021,
 * §C.1), with multi-input ANDs for fewer rounds.
 */
export async function msb(p: Party, op: string, x: Words): Promise<Words> {
  const n = x.length;
  const w = planeWords(n);
  const own = toPlanes(x, 64);
  const planeOf = (j: number) => own.subarray(j * w, (j + 1) * w);
  const zero = new BigUint64Array(w);
  // Level 1: bits 0…62 in 16 groups of 4; the top group's 4th bit is a padding bit that propagates (p = 1, g = 0).
  const groups = 16;
  const vars: Words[] = [];
  for (let t = 0; t < 4; t++) {
    const pt: Words[] = [];
    const at: Words[] = [];
    const bt: Words[] = [];
    for (let g = 0; g < groups; g++) {
      const j = 4 * g + t;
      if (j < 63) {
        pt.push(planeOf(j));
        at.push(p.id === 0 ? planeOf(j) : zero);
        bt.push(p.id === 1 ? planeOf(j) : zero);
      } else {
        pt.push(p.id === 0 ? onesOfPlane(n) : zero);
        at.push(zero);
        bt.push(zero);
      }
    }
    vars[t] = concatWords(pt); // p_t
    vars[4 + t] = concatWords(at); // x0 bit t (party 0's input)
    vars[8 + t] = concatWords(bt); // x1 bit t (party 1's input)
  }
  const [g3, p3g2, p32g1, p321g0, p3210] = await monomials(p, `${op}/carry1`, vars, [
    bit(7, 11),
    bit(3, 6, 10),
    bit(3, 2, 5, 9),
    bit(3, 2, 1, 4, 8),
    bit(3, 2, 1, 0),
  ]);
  let G = xorWords(xorWords(g3, p3g2), xorWords(p32g1, p321g0));
  let P = p3210;
  let count = groups;
  let level = 1;
  while (count > 1) {
    const next = Math.ceil(count / 4);
    const slot = (src: Words, g: number, t: number, pad: 'P' | 'G') => {
      const k = 4 * g + t;
      if (k < count) return src.subarray(k * w, (k + 1) * w);
      return pad === 'P' && p.id === 0 ? onesOfPlane(n) : zero; // a missing high group propagates: P = 1, G = 0
    };
    const Gs: Words[] = [];
    const Ps: Words[] = [];
    for (let t = 0; t < 4; t++) {
      Gs.push(concatWords(Array.from({ length: next }, (_, g) => slot(G, g, t, 'G'))));
      Ps.push(concatWords(Array.from({ length: next }, (_, g) => slot(P, g, t, 'P'))));
    }
    const last = next === 1;
    // Variables 0–3: P0…P3, 4–6: G0…G2 (G3 enters linearly).
    const terms = await monomials(p, `${op}/carry${++level}`, [...Ps, Gs[0], Gs[1], Gs[2]], [bit(3, 6), bit(3, 2, 5), bit(3, 2, 1, 4), ...(last ? [] : [bit(3, 2, 1, 0)])]);
    G = xorWords(xorWords(Gs[3], terms[0]), xorWords(terms[1], terms[2]));
    P = last ? P : terms[3];
    count = next;
  }
  return xorWords(planeOf(63), G);
}

/** A plane of n ones. */
function onesOfPlane(n: number): Words {
  const out = new BigUint64Array(planeWords(n)).fill(ALL);
  if (n % 64) out[out.length - 1] = (1n << BigInt(n % 64)) - 1n;
  return out;
}

/** Most inputs one `monomials` call multiplies (the dealer sends 2^k − k − 1 products per instance). */
export const MAX_AND_FAN_IN = 9;

/** The AND of several XOR-shared planes: one round per ⌈log_9⌉ level. */
export async function andAll(p: Party, op: string, planes: readonly Words[]): Promise<Words> {
  let current = [...planes];
  let level = 0;
  while (current.length > 1) {
    const groups = Math.ceil(current.length / MAX_AND_FAN_IN);
    const size = Math.ceil(current.length / groups);
    const vars: Words[] = [];
    for (let t = 0; t < size; t++) vars.push(concatWords(Array.from({ length: groups }, (_, g) => current[g * size + t] ?? (p.id === 0 ? onesOfPlane(64 * current[0].length) : new BigUint64Array(current[0].length)))));
    const [product] = await monomials(p, `${op}/and${++level}`, vars, [(1 << size) - 1]);
    const w = current[0].length;
    current = Array.from({ length: groups }, (_, g) => product.subarray(g * w, (g + 1) * w));
  }
  return current[0];
}

/**
 * XOR-shared bits b (a plane of n) to additive 0/1 shares, and b·x for
 * additively shared x (n × width), in one round: open c = b ⊕ r and
 * z = x − y for dealer r (shared both ways), y and [r·y]; then
 * b = c + (1 − 2c)·r and b·x = c·z + c·y + (1 − 2c)·(r·z + r·y), linear in the
 * shared r, y, r·y. With width 0 it is the plain B2A conversion.
 */
export async function inject(p: Party, op: string, bits: Words, n: number, x: Words, width: number): Promise<{ bits: Words; products: Words }> {
  const pw = planeWords(n);
  const m = p.material.take({ kind: 'inject', n, width });
  const r = m.subarray(pw, pw + n);
  const y = m.subarray(pw + n, pw + n + n * width);
  const ry = m.subarray(pw + n + n * width);
  const masked = new BigUint64Array(pw + n * width);
  for (let i = 0; i < pw; i++) masked[i] = bits[i] ^ m[i];
  for (let i = 0; i < n * width; i++) masked[pw + i] = x[i] - y[i];
  const peer = await p.channel.exchange(op, masked);
  const lead = p.id === 0;
  const outBits = new BigUint64Array(n);
  const products = new BigUint64Array(n * width);
  for (let i = 0; i < n; i++) {
    const c = ((masked[i >> 6] ^ peer[i >> 6]) >> BigInt(i & 63)) & 1n;
    outBits[i] = c ? (lead ? 1n : 0n) - r[i] : r[i];
    for (let j = 0; j < width; j++) {
      const at = i * width + j;
      const z = masked[pw + at] + peer[pw + at];
      const rz = r[i] * z + ry[at];
      products[at] = c ? (lead ? z : 0n) + y[at] - rz : rz;
    }
  }
  return { bits: outBits, products };
}
