/**
 * Fixed-point numbers in the ring Z_2^64, as a two-party (secret-shared)
 * computation holds them: a real x is the integer round(x·2^f), f fraction
 * bits; sums and products are taken modulo 2^64 and kept as signed int64
 * (BigInt.asIntN(64, …)); after a product of two fixed-point numbers the
 * extra f fraction bits are dropped by truncation, floor(v / 2^f). This is
 * the arithmetic of the Q-learning update of OIDPR (optimized insulin
 * dosage via privacy-preserving reinforcement learning for diabetics),
 * §III-A / §IV, which its secure protocol computes on shares; the plain
 * reference here computes it in the clear, exactly (the protocol's
 * truncations may each land one ulp above the floor: qLearning.ts bounds
 * what that does to the table).
 *
 * Tables of such numbers are stored in BigInt64Array.
 */

/** The encoding is the protocols' own (src/privacy/mpc/ring.ts), so plain and secure runs encode alike. */
import { DEFAULT_FRACTION_BITS } from '../../privacy/mpc/ring.js';

export { DEFAULT_FRACTION_BITS, decodeFixed, encodeFixed, MAX_ENCODED as ENCODED_LIMIT } from '../../privacy/mpc/ring.js';

/** Truncations may drop 0 … 63 fraction bits. */
function checkFractionBits(f: number, max = 63): void {
  if (!(Number.isInteger(f) && f >= 0 && f <= max)) throw new RangeError(`fraction bits must be a whole number from 0 to ${max}, not ${f}`);
}

/** A value taken modulo 2^64, as a signed int64. */
export function wrap64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
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
