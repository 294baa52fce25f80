/**
 * Fixed-point numbers in the ring Z_2^64, as a two-party (secret-shared)
 * computation holds them: a real x is the integer round(x·2^f), f fraction
 * bits; sums and products are taken modulo 2^64 and kept as signed int64
 * (BigInt.asIntN(64, …)); after a product of two fixed-point numbers the
 * extra f fraction bits are dropped by truncation, floor(v / 2^f). This is
 * the arithmetic of the Q-learning update of OIDPR (optimized insulin
 * dosage via privacy-preserving reinforcement learning for diabetics),
 * §III-A / §IV, which its secure protocol computes on shares; the plain
 * reference here computes it in the clear, bit for bit.
 *
 * Tables of such numbers are stored in BigInt64Array.
 */

/** f: fraction bits of the encoding, one unit in the last place (ulp) = 2^−f. */
export const DEFAULT_FRACTION_BITS = 16;

/**
 * The largest magnitude of an encoded value, 2^46 ulps: 17 bits of headroom
 * below 2^63, so a product of an encoded value with an encoded coefficient
 * in [−1, 1] at f ≤ 17 fraction bits stays inside int64 before truncation
 * (at more fraction bits the values the Q-learning update meets — rewards in
 * [−2, 1] and Q-values within ±2/(1−γ) — are still far below).
 */
export const ENCODED_LIMIT = 2n ** 46n;

/** Encodings use 0 … 46 fraction bits (an encoded value has at most 46 bits); a truncation may drop up to 63. */
function checkFractionBits(f: number, max = 46): void {
  if (!(Number.isInteger(f) && f >= 0 && f <= max)) throw new RangeError(`fraction bits must be a whole number from 0 to ${max}, not ${f}`);
}

/** A value taken modulo 2^64, as a signed int64. */
export function wrap64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/**
 * round(x·2^f) as int64. Rounding is Math.round's: to the nearest integer,
 * halves towards +∞ (x·2^f is exact in binary floating point, so this is the
 * only rounding). Throws on a non-finite x or an encoding beyond ±2^46.
 */
export function encodeFixed(x: number, f: number = DEFAULT_FRACTION_BITS): bigint {
  checkFractionBits(f);
  if (!Number.isFinite(x)) throw new RangeError(`cannot encode ${x} as a fixed-point number`);
  const scaled = Math.round(x * 2 ** f);
  const v = BigInt(scaled);
  if (v > ENCODED_LIMIT || v < -ENCODED_LIMIT) throw new RangeError(`${x} is out of the fixed-point range ±2^46 ulps at ${f} fraction bits (±${2 ** (46 - f)})`);
  return v;
}

/** The real number of an encoded value: v / 2^f (exact while |v| ≤ 2^53). */
export function decodeFixed(v: bigint, f: number = DEFAULT_FRACTION_BITS): number {
  checkFractionBits(f);
  return Number(wrap64(v)) / 2 ** f;
}

/**
 * floor(v / 2^f), the arithmetic right shift of the int64 v: negative values
 * go towards −∞ (truncate(−1n, 16) = −1n, floor(−2^−16); division towards
 * zero would give 0).
 */
export function truncate(v: bigint, f: number = DEFAULT_FRACTION_BITS): bigint {
  checkFractionBits(f, 63);
  return wrap64(wrap64(v) >> BigInt(f));
}

/** a + b in the ring. */
export function ringAdd(a: bigint, b: bigint): bigint {
  return wrap64(a + b);
}

/** a − b in the ring. */
export function ringSub(a: bigint, b: bigint): bigint {
  return wrap64(a - b);
}

/** a · b in the ring (before truncation: 2f fraction bits when both are encoded). */
export function ringMul(a: bigint, b: bigint): bigint {
  return wrap64(a * b);
}
