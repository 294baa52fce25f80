/**
 * Variable-base, fixed-exponent exponentiation for BCP decryption: the
 * exponent (a user's secret s, or the master key's p′q′) is fixed per key
 * while the base (a ciphertext's A or B) changes every time.
 *
 * Two engines compute x^e mod M:
 * - 'bigint': modPow on native BigInt (arith.ts), the reference. Portable
 *   and simple; not constant-time (its running time depends on the
 *   exponent's bits and on the values).
 * - 'openssl': OpenSSL's BN_mod_exp_mont_consttime reached through
 *   node:crypto's Diffie–Hellman object: with the modulus as the DH "prime"
 *   and the exponent as the private key, computeSecret(x) returns x^e mod M
 *   (left-padded to |M| bytes). Montgomery multiplication in C is ~5–8×
 *   faster than BigInt here (≈ 2 ms instead of ≈ 17 ms for a 2048-bit
 *   modulus and exponent), and OpenSSL flags the DH private key
 *   BN_FLG_CONSTTIME when it computes a shared secret (crypto/dh/dh_key.c),
 *   so its exponentiation is the constant-time one and the exponent does
 *   not leak through timing — a real gain when e is a user's secret, the
 *   master key, or encryption's r.
 *   OpenSSL refuses bases ≤ 1 and ≥ M − 1, an exponent of 0 and a result
 *   of 1 or M − 1 (SP 800-56A's checks on a shared secret), and for a
 *   modulus under 512 bits it silently returns zeros (OpenSSL 3.0.19 under
 *   Node 20.20, measured): those cases, and a zero result, fall back to
 *   BigInt. The engine is self-tested once per process against modPow; if
 *   that fails (another OpenSSL, a FIPS build refusing a composite modulus)
 *   BigInt is used throughout.
 *
 * CRT (for whoever knows p and q — the KGC): Z*_{N²} ≅ Z*_{p²} × Z*_{q²},
 * and Z*_{p²} has order p(p − 1), so for x coprime to N, x^e mod N² follows
 * from x^{e mod p(p−1)} mod p² and x^{e mod q(q−1)} mod q² (half-size moduli
 * and half-size exponents: ~4× less work each, two of them), recombined by
 * Garner's formula (HAC Algorithm 14.71). This is how BCP's master-key
 * holder works modulo p² and q² (Bresson, Catalano & Pointcheval 2003, §3.2).
 */
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { bitLength, byteLength, fromBytes, mod, modInverse, modPow, toBytes } from './arith.js';

export type PowEngine = 'bigint' | 'openssl';

export const POW_ENGINES: readonly PowEngine[] = ['bigint', 'openssl'];

/** x ↦ x^e mod M for one fixed exponent e and modulus M. */
export interface FixedExponentPow {
  readonly engine: PowEngine;
  /** Whether OpenSSL does the work (false for 'bigint', and for 'openssl' where it cannot and BigInt stands in). */
  readonly usesOpenssl: boolean;
  pow(base: bigint): bigint;
}

/** The reference: modPow on BigInt. */
export class BigIntFixedExponent implements FixedExponentPow {
  readonly engine = 'bigint' as const;
  readonly usesOpenssl = false;
  constructor(
    readonly exponent: bigint,
    readonly modulus: bigint,
  ) {
    if (exponent < 0n) throw new RangeError('the exponent must be ≥ 0');
    if (modulus < 1n) throw new RangeError('the modulus must be ≥ 1');
  }

  pow(base: bigint): bigint {
    return modPow(base, this.exponent, this.modulus);
  }
}

/** Smallest modulus OpenSSL's DH computes with (below it the result is all zeros). */
const OPENSSL_MIN_MODULUS_BITS = 512;
/** OPENSSL_DH_MAX_MODULUS_BITS. */
const OPENSSL_MAX_MODULUS_BITS = 10_000;

let selfTest: boolean | undefined;

/** Whether OpenSSL's DH computes modular powers correctly in this process (checked once, ~1 ms). */
export function opensslEngineWorks(): boolean {
  if (selfTest === undefined) {
    try {
      // A fixed odd 640-bit composite modulus, exponent and base: the engine must agree with BigInt.
      const modulus = (1n << 639n) + 0x1b3n * 3n;
      const exponent = (1n << 600n) - 0x2fn;
      const base = (1n << 500n) + 12345n;
      const engine = new OpenSslFixedExponent(exponent, modulus, false);
      selfTest = engine.usesOpenssl && engine.pow(base) === modPow(base, exponent, modulus);
    } catch {
      selfTest = false;
    }
  }
  return selfTest;
}

/** A DH object computing modulo `modulus`, or undefined where OpenSSL cannot (an even modulus, outside 512–10 000 bits, a failed self-test). */
function opensslModulus(modulus: bigint, checked: boolean): DiffieHellman | undefined {
  const bits = bitLength(modulus);
  if (modulus % 2n === 0n || bits < OPENSSL_MIN_MODULUS_BITS || bits > OPENSSL_MAX_MODULUS_BITS) return undefined;
  if (checked && !opensslEngineWorks()) return undefined;
  try {
    return createDiffieHellman(toBytes(modulus, byteLength(modulus)), Buffer.from([2]));
  } catch {
    return undefined;
  }
}

/** x^e mod M by `dh` (whose private key is e), x already reduced; BigInt where OpenSSL refuses or fails. */
function opensslPow(dh: DiffieHellman, x: bigint, exponent: bigint, modulus: bigint): bigint {
  if (x <= 1n || x >= modulus - 1n) return modPow(x, exponent, modulus);
  let out: bigint;
  try {
    out = fromBytes(dh.computeSecret(toBytes(x, byteLength(modulus))));
  } catch {
    // OpenSSL refuses a shared secret of 1 or M − 1 (SP 800-56A's check), which are legitimate powers here.
    return modPow(x, exponent, modulus);
  }
  // 0 is x^e only for x sharing a factor with M; recompute rather than trust a silent failure.
  return out === 0n ? modPow(x, exponent, modulus) : out;
}

/** OpenSSL's constant-time Montgomery exponentiation through a node:crypto DH object (the exponent as its private key), BigInt where OpenSSL cannot. */
export class OpenSslFixedExponent implements FixedExponentPow {
  readonly engine = 'openssl' as const;
  private readonly dh: DiffieHellman | undefined;

  /** `checked`: run the process-wide self-test first (false only inside the self-test). */
  constructor(
    readonly exponent: bigint,
    readonly modulus: bigint,
    checked = true,
  ) {
    if (exponent < 0n) throw new RangeError('the exponent must be ≥ 0');
    if (modulus < 1n) throw new RangeError('the modulus must be ≥ 1');
    // OpenSSL refuses a private key of 0.
    this.dh = exponent > 0n ? opensslModulus(modulus, checked) : undefined;
    try {
      this.dh?.setPrivateKey(toBytes(exponent));
    } catch {
      this.dh = undefined;
    }
  }

  get usesOpenssl(): boolean {
    return this.dh !== undefined;
  }

  pow(base: bigint): bigint {
    const x = mod(base, this.modulus);
    return this.dh === undefined ? modPow(x, this.exponent, this.modulus) : opensslPow(this.dh, x, this.exponent, this.modulus);
  }
}

/**
 * base^e mod M for a fixed base and a varying exponent (g^r and h^r of
 * encryption) by OpenSSL: the exponent is set as the DH private key at each
 * call. Needs no table (fixedBase.ts holds ~6.5 MB per base at N = 2048
 * bits) and keeps r out of timing; at N = 2048 bits about as fast as a w = 5
 * table (measured, see Encryptor).
 */
export class OpenSslFixedBase {
  private readonly dh: DiffieHellman | undefined;
  readonly base: bigint;

  constructor(
    base: bigint,
    readonly modulus: bigint,
  ) {
    if (modulus < 1n) throw new RangeError('the modulus must be ≥ 1');
    this.base = mod(base, modulus);
    this.dh = opensslModulus(modulus, true);
  }

  get usesOpenssl(): boolean {
    return this.dh !== undefined;
  }

  pow(exponent: bigint): bigint {
    if (exponent < 0n) throw new RangeError('the exponent must be ≥ 0');
    if (this.dh === undefined || exponent === 0n) return modPow(this.base, exponent, this.modulus);
    this.dh.setPrivateKey(toBytes(exponent));
    return opensslPow(this.dh, this.base, exponent, this.modulus);
  }
}

/** A fixed-exponent power with the given engine. */
export function fixedExponentPow(exponent: bigint, modulus: bigint, engine: PowEngine): FixedExponentPow {
  return engine === 'openssl' ? new OpenSslFixedExponent(exponent, modulus) : new BigIntFixedExponent(exponent, modulus);
}

/** Arithmetic modulo N² = p²q² split by the CRT, for whoever knows p and q. */
export class CrtModulus {
  readonly p: bigint;
  readonly q: bigint;
  readonly pSquared: bigint;
  readonly qSquared: bigint;
  /** Orders of Z*_{p²} and Z*_{q²}: p(p − 1), q(q − 1). */
  readonly orderP: bigint;
  readonly orderQ: bigint;
  /** (p²)^{-1} mod q², Garner's constant. */
  private readonly pSquaredInverse: bigint;

  constructor(p: bigint, q: bigint) {
    if (p === q || p < 3n || q < 3n) throw new RangeError('CrtModulus: needs two distinct odd primes');
    this.p = p;
    this.q = q;
    this.pSquared = p * p;
    this.qSquared = q * q;
    this.orderP = p * (p - 1n);
    this.orderQ = q * (q - 1n);
    this.pSquaredInverse = modInverse(this.pSquared, this.qSquared);
  }

  get modulus(): bigint {
    return this.pSquared * this.qSquared;
  }

  /** The x ∈ [0, N²) with x ≡ xp (mod p²) and x ≡ xq (mod q²) (Garner: x = xp + p²·((xq − xp)·(p²)^{-1} mod q²)). */
  combine(xp: bigint, xq: bigint): bigint {
    return xp + this.pSquared * mod((xq - xp) * this.pSquaredInverse, this.qSquared);
  }

  /** x^e mod N² for x coprime to N (the exponent is reduced modulo the orders of Z*_{p²} and Z*_{q²}); e may be negative. */
  pow(x: bigint, e: bigint): bigint {
    return this.combine(modPow(x, mod(e, this.orderP), this.pSquared), modPow(x, mod(e, this.orderQ), this.qSquared));
  }

  /** A fixed exponent e (≥ 0 or negative: x^{−e} needs no inverse, its exponent is reduced mod the orders) modulo N², by the CRT. */
  fixedExponent(e: bigint, engine: PowEngine): CrtFixedExponent {
    return new CrtFixedExponent(this, e, engine);
  }
}

/** x ↦ x^e mod N² for a fixed e, by the CRT, each half with the chosen engine; x must be coprime to N. */
export class CrtFixedExponent implements FixedExponentPow {
  readonly engine: PowEngine;
  private readonly modP: FixedExponentPow;
  private readonly modQ: FixedExponentPow;

  constructor(
    readonly crt: CrtModulus,
    exponent: bigint,
    engine: PowEngine,
  ) {
    this.engine = engine;
    this.modP = fixedExponentPow(mod(exponent, crt.orderP), crt.pSquared, engine);
    this.modQ = fixedExponentPow(mod(exponent, crt.orderQ), crt.qSquared, engine);
  }

  get usesOpenssl(): boolean {
    return this.modP.usesOpenssl && this.modQ.usesOpenssl;
  }

  pow(x: bigint): bigint {
    return this.crt.combine(this.modP.pow(x % this.crt.pSquared), this.modQ.pow(x % this.crt.qSquared));
  }
}
