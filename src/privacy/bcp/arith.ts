/**
 * Modular arithmetic on native BigInt for the BCP cryptosystem: reduction,
 * sliding-window exponentiation, inverses, and bigint ↔ byte conversions.
 *
 * Exponentiation modulo N² dominates every BCP operation (Bresson, Catalano
 * & Pointcheval 2003, §3.1: encryption is two exponentiations, decryption
 * one). A BigInt multiplication-and-reduction at 4096 bits costs ≈ 21 µs
 * here, so the number of multiplications is what to save: square-and-
 * multiply needs ~1.5 per exponent bit, a sliding window of w bits ~1 + 1/(w+1)
 * (Menezes, van Oorschot & Vanstone 1996, Handbook of Applied Cryptography,
 * Algorithm 14.85). These functions are the reference; the fixed-base tables
 * (fixedBase.ts) and the CRT and OpenSSL engines (engines.ts) are checked
 * against them in the tests.
 *
 * None of this is constant-time: BigInt operations take time that depends on
 * their values, and the window's branches depend on the exponent's bits.
 */

/** Bit length of a non-negative bigint (0 for 0). */
export function bitLength(x: bigint): number {
  if (x < 0n) throw new RangeError('bitLength: negative value');
  if (x === 0n) return 0;
  const hex = x.toString(16);
  // 4 bits per hexadecimal digit but the first, which holds 1 to 4.
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/** Bytes needed for a non-negative bigint (at least 1). */
export function byteLength(x: bigint): number {
  return Math.max(1, Math.ceil(bitLength(x) / 8));
}

/** x mod m in [0, m), for m ≥ 1 (JavaScript's % keeps the dividend's sign). */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/** Greatest common divisor (Euclid), of the absolute values. */
export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** x^{-1} mod m by the extended Euclidean algorithm; RangeError if gcd(x, m) ≠ 1. */
export function modInverse(x: bigint, m: bigint): bigint {
  if (m < 1n) throw new RangeError('modInverse: the modulus must be ≥ 1');
  let [r0, r1] = [mod(x, m), m];
  let [s0, s1] = [1n, 0n];
  // Invariant: r_i ≡ s_i·x (mod m).
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('modInverse: the value is not invertible modulo m');
  return mod(s0, m);
}

/**
 * Window width for a sliding-window exponentiation with an exponent of
 * `bits` bits: the width that minimises 2^{w−1} precomputed odd powers +
 * bits/(w+1) multiplications (the thresholds of OpenSSL's
 * BN_window_bits_for_exponent_size, bn_lcl.h).
 */
export function slidingWindowWidth(bits: number): number {
  if (bits > 671) return 6;
  if (bits > 239) return 5;
  if (bits > 79) return 4;
  if (bits > 23) return 3;
  if (bits > 7) return 2;
  return 1;
}

/**
 * base^exponent mod modulus by left-to-right sliding windows (HAC Algorithm
 * 14.85): the odd powers base^1, base^3, …, base^{2^w − 1} are precomputed,
 * and each window of the exponent (at most w bits, starting and ending with
 * a 1) costs one multiplication besides its squarings. exponent ≥ 0, modulus ≥ 1.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus < 1n) throw new RangeError('modPow: the modulus must be ≥ 1');
  if (exponent < 0n) throw new RangeError('modPow: the exponent must be ≥ 0');
  if (modulus === 1n) return 0n;
  const b = mod(base, modulus);
  if (exponent === 0n) return 1n;
  if (b === 0n || b === 1n) return b;
  const bits = exponent.toString(2);
  const w = slidingWindowWidth(bits.length);
  const odd: bigint[] = [b];
  if (w > 1) {
    const square = (b * b) % modulus;
    for (let i = 1; i < 1 << (w - 1); i++) odd.push((odd[i - 1] * square) % modulus);
  }
  let result = 1n;
  let started = false;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      if (started) result = (result * result) % modulus;
      i++;
      continue;
    }
    // The longest window of at most w bits from i that ends with a 1.
    let j = Math.min(i + w, bits.length);
    while (bits[j - 1] === '0') j--;
    const value = parseInt(bits.slice(i, j), 2);
    if (started) {
      for (let k = i; k < j; k++) result = (result * result) % modulus;
      result = (result * odd[(value - 1) >> 1]) % modulus;
    } else {
      result = odd[(value - 1) >> 1];
      started = true;
    }
    i = j;
  }
  return result;
}

/** A non-negative bigint as big-endian bytes, left-padded with zeros to `length` bytes (RangeError if it does not fit). */
export function toBytes(x: bigint, length = byteLength(x)): Buffer {
  if (x < 0n) throw new RangeError('toBytes: negative value');
  const hex = x.toString(16);
  if (hex.length > length * 2) throw new RangeError(`toBytes: the value needs more than ${length} bytes`);
  return Buffer.from(hex.padStart(length * 2, '0'), 'hex');
}

/** Big-endian bytes as a non-negative bigint. */
export function fromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
}
