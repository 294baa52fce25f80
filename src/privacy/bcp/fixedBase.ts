/**
 * Fixed-base exponentiation by a precomputed table (Menezes, van Oorschot &
 * Vanstone 1996, Handbook of Applied Cryptography §14.6.3, the fixed-base
 * windowing idea taken to a full table): for one base b and modulus M, store
 * T[i][j] = b^{j·2^{w·i}} mod M for every digit position i < ⌈maxBits/w⌉ and
 * digit j ∈ [1, 2^w). An exponent e = Σ e_i 2^{w·i} then gives
 * b^e = Π_i T[i][e_i] — no squarings, at most ⌈bits(e)/w⌉ − 1 multiplications.
 *
 * BCP encryption raises the two fixed values g and h to a fresh r (Bresson,
 * Catalano & Pointcheval 2003, §3.1; PPOPI, Chen & Ye 2025, §3.3 eq. 3), so
 * both bases are known in advance: at N = 2048 bits a 2046-bit r costs
 * 2046/w multiplications modulo N² instead of ~2300 for a sliding window.
 * The price is memory — ⌈maxBits/w⌉·(2^w − 1) entries of |M| bytes — and the
 * one-off time to fill it (one multiplication per entry); `tableBytes`
 * reports the former. The measured trade-off at N = 2048 bits is in
 * DEFAULT_FIXED_BASE_WINDOW's comment.
 *
 * The table is plain bigints, so a worker thread can be handed it
 * (structured clone) and rebuild the object with `FixedBase.fromTable`
 * instead of recomputing it.
 */
import { bitLength, mod, modPow } from './arith.js';

/**
 * Default window width w. Measured at N = 2048 bits (M = N² of 4096 bits,
 * 2046-bit exponents; Node 20 on 2 shared cores): w = 4: ≈ 7 ms per
 * exponentiation, 3.9 MB, 0.13 s to build; w = 5: ≈ 6.3 ms, 6.5 MB, 0.2 s;
 * w = 6: ≈ 5.7 ms, 11 MB, 0.3 s; w = 8: ≈ 4–5 ms, 33 MB, 1.1 s; no table
 * (sliding window): ≈ 35 ms. w = 5 keeps an Encryptor's two tables (g and
 * one public key h) at 13 MB, so a party holding the keys of tens of users
 * stays within a few hundred MB, at ~10 % more time than w = 6. (At N = 1024
 * bits a w = 5 table is 1.6 MB and an exponentiation ≈ 1–1.5 ms.)
 */
export const DEFAULT_FIXED_BASE_WINDOW = 5;

/** Widest window accepted: 2^12 − 1 entries per digit is already ~2 MB per digit at 4096 bits. */
export const MAX_FIXED_BASE_WINDOW = 12;

export class FixedBase {
  readonly base: bigint;
  readonly modulus: bigint;
  /** Longest exponent the table covers; longer ones fall back to modPow. */
  readonly maxBits: number;
  /** Window width w: bits per digit. */
  readonly window: number;
  /** T[i·(2^w − 1) + j − 1] = base^{j·2^{w·i}} mod modulus. */
  readonly table: readonly bigint[];

  /** Build the table for `base` mod `modulus`, exponents of up to `maxBits` bits, window `window` (default DEFAULT_FIXED_BASE_WINDOW). */
  constructor(base: bigint, modulus: bigint, maxBits: number, window: number = DEFAULT_FIXED_BASE_WINDOW, table?: readonly bigint[]) {
    if (modulus < 2n) throw new RangeError('FixedBase: the modulus must be ≥ 2');
    if (!Number.isInteger(maxBits) || maxBits < 1) throw new RangeError('FixedBase: maxBits must be a whole number ≥ 1');
    if (!Number.isInteger(window) || window < 1 || window > MAX_FIXED_BASE_WINDOW) {
      throw new RangeError(`FixedBase: the window must be a whole number from 1 to ${MAX_FIXED_BASE_WINDOW}`);
    }
    this.base = mod(base, modulus);
    this.modulus = modulus;
    this.maxBits = maxBits;
    this.window = window;
    const perDigit = (1 << window) - 1;
    const digits = Math.ceil(maxBits / window);
    if (table !== undefined) {
      if (table.length !== digits * perDigit || table[0] !== this.base) throw new RangeError('FixedBase: the table does not belong to this base, modulus and window');
      this.table = table;
      return;
    }
    const t = new Array<bigint>(digits * perDigit);
    // Row i holds (b^{2^{w·i}})^j for j = 1 … 2^w − 1; its last entry times its first is b^{2^{w·(i+1)}}, the next row's first.
    let rowBase = this.base;
    for (let i = 0; i < digits; i++) {
      const at = i * perDigit;
      t[at] = rowBase;
      for (let j = 1; j < perDigit; j++) t[at + j] = (t[at + j - 1] * rowBase) % modulus;
      rowBase = (t[at + perDigit - 1] * rowBase) % modulus;
    }
    this.table = t;
  }

  /** Rebuild from a table made earlier (e.g. sent to a worker thread); checked only for its size and first entry. */
  static fromTable(base: bigint, modulus: bigint, maxBits: number, window: number, table: readonly bigint[]): FixedBase {
    return new FixedBase(base, modulus, maxBits, window, table);
  }

  /** Bytes the table's numbers hold (⌈|modulus|/64⌉ 8-byte words each; V8 adds ~16 bytes of header per bigint). */
  get tableBytes(): number {
    return this.table.length * Math.ceil(bitLength(this.modulus) / 64) * 8;
  }

  /** base^exponent mod modulus, exponent ≥ 0. */
  pow(exponent: bigint): bigint {
    if (exponent < 0n) throw new RangeError('FixedBase.pow: the exponent must be ≥ 0');
    const bits = exponent.toString(2);
    if (bits.length > this.maxBits) return modPow(this.base, exponent, this.modulus);
    if (exponent === 0n) return 1n;
    const w = this.window;
    const perDigit = (1 << w) - 1;
    let result: bigint | undefined;
    // Digit i covers bits [w·i, w·i + w) counted from the least significant end of the binary string.
    for (let i = 0, end = bits.length; end > 0; i++, end -= w) {
      const digit = parseInt(bits.slice(Math.max(0, end - w), end), 2);
      if (digit === 0) continue;
      const entry = this.table[i * perDigit + digit - 1];
      result = result === undefined ? entry : (result * entry) % this.modulus;
    }
    return result!;
  }
}
