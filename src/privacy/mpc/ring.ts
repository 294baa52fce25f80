/**
 * The ring Z_2^64 in which every secret is shared, and the fixed-point
 * encoding of real numbers in it.
 *
 * A ring element is an unsigned 64-bit word (a `BigUint64Array` entry, which
 * wraps on assignment, so `out[i] = x[i] + y[i]` is addition mod 2^64; V8
 * compiles such loops to plain 64-bit arithmetic, ~3 ns per element). A
 * signed value v is the element v mod 2^64 (two's complement). A real x is
 * encoded as round(x·2^f) with f fraction bits (default 16, so one unit in
 * the last place, 1 ulp, is 2^-16 ≈ 1.5·10^-5): products of two encodings
 * carry 2f fraction bits and are truncated back (see `truncate` in
 * arithmetic.ts). Z_2^64 rather than a prime field because addition and
 * multiplication are then the machine's own, with no modular reduction.
 */
import { randomFillSync } from 'node:crypto';

export type Words = BigUint64Array;

export const RING_BITS = 64;

/** Default fixed-point fraction bits f (1 ulp = 2^-16). */
export const DEFAULT_FRACTION_BITS = 16;

/**
 * Largest magnitude an encoding may have, 2^46 ulps: 17 bits of headroom
 * below 2^63, so a product of an encoding with a coefficient in [−1, 1] at
 * f ≤ 17 stays inside int64 before truncation, and every encoding is exact
 * in a double (2^46 < 2^53).
 */
export const MAX_ENCODED = 2n ** 46n;

function checkFractionBits(f: number): void {
  if (!(Number.isInteger(f) && f >= 0 && f <= 46)) throw new RangeError(`fraction bits must be a whole number from 0 to 46, not ${f}`);
}

/** `n` uniformly random ring elements from node:crypto. */
export function randomWords(n: number): Words {
  const w = new BigUint64Array(n);
  if (n > 0) randomFillSync(w);
  return w;
}

/**
 * round(x·2^f) as a signed integer (Math.round: halves towards +∞; x·2^f is
 * exact in binary floating point, so this is the only rounding). Throws on
 * a non-finite x or an encoding beyond ±2^46. The one encoding of every
 * fixed-point value, shared by the protocols and the plain reference.
 */
export function encodeFixed(x: number, fractionBits = DEFAULT_FRACTION_BITS): bigint {
  checkFractionBits(fractionBits);
  if (!Number.isFinite(x)) throw new RangeError(`cannot encode ${x} as a fixed-point number`);
  const v = BigInt(Math.round(x * 2 ** fractionBits));
  if (v > MAX_ENCODED || v < -MAX_ENCODED) throw new RangeError(`${x} is out of the fixed-point range ±2^46 ulps at ${fractionBits} fraction bits (±${2 ** (46 - fractionBits)})`);
  return v;
}

/** The real number a fixed-point integer (a ring element read as signed) stands for: v / 2^f. */
export function decodeFixed(v: bigint, fractionBits = DEFAULT_FRACTION_BITS): number {
  checkFractionBits(fractionBits);
  return Number(BigInt.asIntN(64, v)) / 2 ** fractionBits;
}

/** A ring element read as a signed 64-bit integer. */
export function signed(word: bigint): bigint {
  return BigInt.asIntN(64, word);
}

/** Signed integers as ring elements. */
export function toWords(values: readonly bigint[] | BigInt64Array): Words {
  const w = new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) w[i] = values[i];
  return w;
}

export function addWords(x: Words, y: Words): Words {
  const out = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i];
  return out;
}

export function subWords(x: Words, y: Words): Words {
  const out = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - y[i];
  return out;
}

export function xorWords(x: Words, y: Words): Words {
  const out = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] ^ y[i];
  return out;
}

/** Concatenation of word arrays (one message per round carries several operands). */
export function concatWords(parts: readonly Words[]): Words {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new BigUint64Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
