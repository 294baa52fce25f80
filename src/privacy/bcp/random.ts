/**
 * Uniform random integers for the BCP cryptosystem, from node:crypto only.
 *
 * Every random value of the scheme — α for g, the secret s, the encryption
 * randomness r, the Catalano–Fiore mask b — must be uniform in its range:
 * BCP's semantic security (Bresson, Catalano & Pointcheval 2003, §3.1,
 * Theorem 3) and the hiding of m − b in the Catalano–Fiore form (Catalano &
 * Fiore 2015, §3) are proved for uniform draws. Reducing random bytes modulo
 * the bound would favour small values (by up to 2^−k for a k-bit excess,
 * i.e. by a factor ~2 for a bound just above a power of two), so values are
 * drawn by rejection: as many random bits as the bound needs, redrawn while
 * they are not below it (at most 2 draws on average).
 */
import { randomBytes } from 'node:crypto';
import { bitLength } from './arith.js';

/** A uniform integer in [0, bound), bound ≥ 1. */
export function randomBelow(bound: bigint): bigint {
  if (typeof bound !== 'bigint' || bound < 1n) throw new RangeError('randomBelow: the bound must be a bigint ≥ 1');
  if (bound === 1n) return 0n;
  // The fewest bits that can express bound − 1: then 2^bits < 2·bound, so a draw is accepted with probability > 1/2.
  const bits = bitLength(bound - 1n);
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const x = BigInt(`0x${randomBytes(bytes).toString('hex')}`) & mask;
    if (x < bound) return x;
  }
}

/** A uniform integer in [lo, hi], both included (lo ≤ hi). */
export function randomInRange(lo: bigint, hi: bigint): bigint {
  if (typeof lo !== 'bigint' || typeof hi !== 'bigint' || hi < lo) throw new RangeError('randomInRange: needs bigints lo ≤ hi');
  return lo + randomBelow(hi - lo + 1n);
}
