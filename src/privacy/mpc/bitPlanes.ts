/**
 * Bit planes: n bits packed 64 to a word (bit t of word w is item 64w + t).
 * A comparison circuit works on one plane per bit position of its operands,
 * so one AND of two planes is 64 gates and nothing is sent for bits that do
 * not exist.
 */
import type { Words } from './ring.js';

// toPlanes reads 64-bit words as little-endian 32-bit halves.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('glucosim\'s secret sharing needs a little-endian machine');

/** Words of one plane of n bits. */
export function planeWords(n: number): number {
  return Math.ceil(n / 64);
}

/**
 * Planes of bits `0 … bits−1` of each value: plane j (words j·W … j·W+W−1,
 * W = planeWords(n)) holds bit j of every value.
 */
export function toPlanes(values: Words, bits: number): Words {
  const n = values.length;
  const w = planeWords(n);
  const out = new BigUint64Array(bits * w);
  // Work on 32-bit halves (little-endian views of the same memory): number
  // arithmetic, no BigInt per bit. Word w of a plane is u32 halves 2w, 2w+1,
  // so item i is bit (i & 31) of half (i >> 5).
  const v32 = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const o32 = new Uint32Array(out.buffer);
  const halvesPerPlane = 2 * w;
  for (let i = 0; i < n; i++) {
    const lo = v32[2 * i];
    const hi = v32[2 * i + 1];
    const half = i >> 5;
    const bit = 1 << (i & 31);
    const lowBits = bits < 32 ? bits : 32;
    for (let j = 0; j < lowBits; j++) if ((lo >>> j) & 1) o32[j * halvesPerPlane + half] |= bit;
    for (let j = 32; j < bits; j++) if ((hi >>> (j - 32)) & 1) o32[j * halvesPerPlane + half] |= bit;
  }
  return out;
}

/** A plane with bit k set where flags[k] ≠ 0 (XORed into one party's share, it negates those bits). */
export function flagPlane(flags: ArrayLike<number>): Words {
  const out = new BigUint64Array(planeWords(flags.length));
  const out32 = new Uint32Array(out.buffer);
  for (let k = 0; k < flags.length; k++) if (flags[k]) out32[k >> 5] |= 1 << (k & 31);
  return out;
}

/** Gather bits: out bit k = bit `from[k]` of `plane` (XOR shares permute bitwise, so this is local). */
export function gatherBits(planeIn: Words, from: ArrayLike<number>): Words {
  const out = new BigUint64Array(planeWords(from.length));
  const out32 = new Uint32Array(out.buffer);
  const in32 = new Uint32Array(planeIn.buffer, planeIn.byteOffset, planeIn.length * 2);
  for (let k = 0; k < from.length; k++) {
    const i = from[k]!;
    if ((in32[i >> 5]! >>> (i & 31)) & 1) out32[k >> 5] |= 1 << (k & 31);
  }
  return out;
}
