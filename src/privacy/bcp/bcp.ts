/**
 * The BCP cryptosystem (Bresson, Catalano & Pointcheval 2003, "A Simple
 * Public-Key Cryptosystem with a Double Trapdoor Decryption Mechanism and
 * Its Applications", ASIACRYPT 2003, §3) as PPOPI uses it (Chen & Ye 2025,
 * Appl. Sci. 15(5) 2624, §3.3 eqs. 3–8):
 *
 * - setup: N = pq with p = 2p′+1, q = 2q′+1 safe primes, g ∈ QR_{N²} of
 *   order pp′qq′ (§3.1);
 * - a user's key: s ∈ [1, N²/2], h = g^s mod N² (§3.1);
 * - Enc(m) = (A, B) = (g^r, h^r·(1 + mN)) mod N², r ∈ [1, N/4] (§3.1;
 *   PPOPI §3.3 eq. 3 and its range for r);
 * - Dec_s: B·A^{−s} = 1 + mN mod N², m = L(·) with L(u) = (u − 1)/N (§3.1);
 * - master decryption with p, q for any user's ciphertext (§3.2);
 * - the additive homomorphism (§3.1; PPOPI eqs. 4–6).
 *
 * The free functions (encrypt, decrypt, masterDecrypt) are the reference,
 * on plain modPow; the classes are the fast paths: Encryptor (fixed-base
 * tables for g and h, or OpenSSL), Decryptor (a fixed-exponent engine,
 * optionally with the CRT when the factors are known) and MasterDecryptor
 * (the CRT). All
 * take and return plain bigint data (types.ts), so a worker thread can be
 * handed the same objects and rebuild the classes.
 */
import { checkPrimeSync, generatePrime } from 'node:crypto';
import { promisify } from 'node:util';
import { bitLength, gcd, mod, modInverse, modPow } from './arith.js';
import { CrtModulus, fixedExponentPow, OpenSslFixedBase, type FixedExponentPow, type PowEngine } from './engines.js';
import { BcpDecryptionError, BcpInputError } from './errors.js';
import { DEFAULT_FIXED_BASE_WINDOW, FixedBase } from './fixedBase.js';
import { randomInRange } from './random.js';
import type { BcpCiphertext, BcpKeyPair, BcpMasterKey, BcpParameters } from './types.js';

/** node:crypto generatePrime, promisified (its overloads defeat promisify's typing). */
const generatePrimeAsync = promisify(generatePrime) as unknown as (bits: number, options: { safe: boolean; bigint: true }) => Promise<bigint>;

/** The smallest N accepted (tests use 128–256 bits; the CLI offers 512 to 4096). */
export const MIN_BCP_BITS = 64;

// ---------------------------------------------------------------------------
// Input checks

/**
 * Values known to be valid for a given N: every object this module returns
 * (frozen), and frozen objects that passed a check once. The coprimality
 * check costs a gcd (~0.2 ms at 2048 bits, ten times a homomorphic
 * addition), so it is made once per object, not at every operation.
 */
const validFor = new WeakMap<object, bigint>();

function issue<T extends object>(parameters: BcpParameters, value: T): Readonly<T> {
  Object.freeze(value);
  validFor.set(value, parameters.n);
  return value;
}

/** Refuses x unless it is a bigint in [1, N²) coprime to N (a unit of Z_{N²}). */
function assertUnit(parameters: BcpParameters, x: unknown, field: string): asserts x is bigint {
  if (typeof x !== 'bigint') throw new BcpInputError(field, `must be a bigint (got ${x === null ? 'null' : typeof x})`);
  if (x < 1n) throw new BcpInputError(field, `must be in [1, N²) (got ${x === 0n ? '0' : 'a negative number'})`);
  if (x >= parameters.nSquared) throw new BcpInputError(field, 'must be in [1, N²) (got a number ≥ N²)');
  // BCP ciphertexts live in Z*_{N²} (Bresson, Catalano & Pointcheval 2003, §3.1); a common factor with N would reveal p or q.
  if (gcd(x % parameters.n, parameters.n) !== 1n) throw new BcpInputError(field, 'must be coprime to N');
}

/** Checks a ciphertext (both components in [1, N²), coprime to N); returns it. */
export function assertCiphertext(parameters: BcpParameters, c: unknown, field = 'ciphertext'): BcpCiphertext {
  if (c === null || typeof c !== 'object') throw new BcpInputError(field, 'must be a ciphertext {a, b}');
  if (validFor.get(c) === parameters.n) return c as BcpCiphertext;
  const { a, b } = c as Record<string, unknown>;
  assertUnit(parameters, a, `${field}.a`);
  assertUnit(parameters, b, `${field}.b`);
  if (Object.isFrozen(c)) validFor.set(c, parameters.n);
  return c as BcpCiphertext;
}

/** Checks a plaintext: a bigint in [0, N) (BCP's message space Z_N, §3.1). */
export function assertMessage(parameters: BcpParameters, m: unknown, field = 'message'): bigint {
  if (typeof m !== 'bigint') throw new BcpInputError(field, `must be a bigint (got ${m === null ? 'null' : typeof m})`);
  if (m < 0n) throw new BcpInputError(field, 'must be in [0, N) (got a negative number)');
  if (m >= parameters.n) throw new BcpInputError(field, 'must be in [0, N) (got a number ≥ N)');
  return m;
}

/** Checks a public key h: a unit of Z_{N²}. */
export function assertPublicKey(parameters: BcpParameters, h: unknown, field = 'publicKey'): bigint {
  assertUnit(parameters, h, field);
  return h;
}

/** Checks a secret exponent: a bigint s ∈ [1, ⌊N²/2⌋] (BCP §3.1). Its value is never quoted. */
export function assertSecret(parameters: BcpParameters, secret: unknown, field = 'secret'): bigint {
  if (typeof secret !== 'bigint') throw new BcpInputError(field, `must be a bigint (got ${secret === null ? 'null' : typeof secret})`);
  if (secret < 1n || secret > parameters.nSquared / 2n) throw new BcpInputError(field, 'must be in [1, N²/2]');
  return secret;
}

/** Checks a key pair's ranges: s ∈ [1, ⌊N²/2⌋], h a unit (h = g^s is checked by checkKeyPairMatches, one exponentiation). */
export function assertKeyPair(parameters: BcpParameters, keyPair: unknown, field = 'keyPair'): BcpKeyPair {
  if (keyPair === null || typeof keyPair !== 'object') throw new BcpInputError(field, 'must be a key pair {secret, publicKey}');
  if (validFor.get(keyPair) === parameters.n) return keyPair as BcpKeyPair;
  const { secret, publicKey } = keyPair as Record<string, unknown>;
  assertSecret(parameters, secret, `${field}.secret`);
  assertPublicKey(parameters, publicKey, `${field}.publicKey`);
  if (Object.isFrozen(keyPair)) validFor.set(keyPair, parameters.n);
  return keyPair as BcpKeyPair;
}

/** Refuses a key pair whose public key is not g^s mod N² (one exponentiation with a 2·bits exponent: ~70 ms at 2048 bits). */
export function checkKeyPairMatches(parameters: BcpParameters, keyPair: BcpKeyPair, field = 'keyPair'): void {
  assertKeyPair(parameters, keyPair, field);
  if (modPow(parameters.g, keyPair.secret, parameters.nSquared) !== keyPair.publicKey) {
    throw new BcpInputError(`${field}.publicKey`, 'is not g^secret mod N²: the secret and the public key do not belong together');
  }
}

// ---------------------------------------------------------------------------
// Parameters and keys

/** Parameters from N and g (N² and the bit length derived); checks only ranges: N odd, 1 < g < N², g coprime to N. */
export function bcpParameters(n: bigint, g: bigint): BcpParameters {
  if (typeof n !== 'bigint' || n < 15n || n % 2n === 0n) throw new BcpInputError('n', 'must be an odd bigint ≥ 15 (a product of two odd primes)');
  const nSquared = n * n;
  const parameters: BcpParameters = { n, nSquared, g, bits: bitLength(n) };
  assertUnit(parameters, g, 'g');
  if (g === 1n) throw new BcpInputError('g', 'must not be 1');
  return Object.freeze(parameters);
}

/** p′q′ = (p − 1)(q − 1)/4, the exponent of master decryption (BCP §3.2). */
function lambda(master: BcpMasterKey): bigint {
  return ((master.p - 1n) / 2n) * ((master.q - 1n) / 2n);
}

/**
 * Whether g has order pp′qq′ in Z*_{N²}, the largest order in QR_{N²}
 * (BCP §3.1: QR_{N²} ≅ C_{pp′} × C_{qq′} is cyclic, as p, p′, q, q′ are
 * distinct primes): g^{pp′qq′} = 1 and g^{pp′qq′/x} ≠ 1 for each prime x
 * of the order. The first shows g ∈ QR_{N²} (the order divides pp′qq′),
 * the others that no prime is missing from its order. Then g^{p′q′} has
 * order pq, i.e. it is 1 + kN with k invertible mod N, which master
 * decryption divides by (§3.2). Computed by the CRT.
 */
export function hasFullOrder(g: bigint, master: BcpMasterKey): boolean {
  const { p, q } = master;
  const pp = (p - 1n) / 2n;
  const qp = (q - 1n) / 2n;
  const crt = new CrtModulus(p, q);
  if (gcd(g, p * q) !== 1n) return false;
  const order = p * pp * q * qp;
  if (crt.pow(g, order) !== 1n) return false;
  return [p, pp, q, qp].every((x) => crt.pow(g, order / x) !== 1n);
}

export interface GenerateParametersOptions {
  /** A line of progress ("searching for two 1024-bit safe primes …"), for a slow key generation. */
  readonly onProgress?: (message: string) => void;
}

/**
 * Fresh parameters and master key (BCP §3.1 "Setup"): two distinct safe
 * primes of bits/2 bits from OpenSSL (node:crypto generatePrime with
 * safe: true, searched on two libuv threads at once) whose product has
 * exactly `bits` bits, and g = α² mod N² for a uniform α ∈ Z*_{N²}, redrawn
 * until it has order pp′qq′ (a random square does with probability
 * ≈ (1 − 1/p)(1 − 1/p′)(1 − 1/q)(1 − 1/q′), almost 1).
 */
export async function generateParameters(bits: number, options: GenerateParametersOptions = {}): Promise<{ parameters: BcpParameters; master: BcpMasterKey }> {
  if (!Number.isInteger(bits) || bits < MIN_BCP_BITS || bits % 2 !== 0) throw new RangeError(`BCP: bits must be an even whole number ≥ ${MIN_BCP_BITS}`);
  const progress = options.onProgress ?? (() => {});
  const half = bits / 2;
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const safePrime = async (name: string) => {
    const prime = await generatePrimeAsync(half, { safe: true, bigint: true });
    progress(`${name}: a ${half}-bit safe prime found after ${seconds()}`);
    return prime;
  };
  progress(`searching for two ${half}-bit safe primes p = 2p′ + 1, q = 2q′ + 1 (N of ${bits} bits)`);
  let [p, q] = await Promise.all([safePrime('p'), safePrime('q')]);
  // OpenSSL sets the two top bits of a prime it generates, so N has `bits` bits; checked anyway, as is p ≠ q.
  while (p === q || bitLength(p * q) !== bits || bitLength(p) !== half || bitLength(q) !== half) {
    progress('q does not fit (equal to p, or N of the wrong length): drawing it again');
    q = await safePrime('q');
  }
  const n = p * q;
  const nSquared = n * n;
  const master: BcpMasterKey = Object.freeze({ p, q });
  for (let tries = 1; ; tries++) {
    const alpha = randomInRange(1n, nSquared - 1n);
    if (gcd(alpha, n) !== 1n) continue;
    const g = (alpha * alpha) % nSquared;
    if (hasFullOrder(g, master)) {
      progress(`g of order pp′qq′ found after ${tries} draw${tries === 1 ? '' : 's'} (${seconds()})`);
      return { parameters: bcpParameters(n, g), master };
    }
  }
}

/**
 * Checks that a master key belongs to the parameters: N = pq, p and q safe
 * primes of bits/2 bits, g of order pp′qq′. BcpInputError naming 'p', 'q',
 * 'n' or 'g' otherwise; the values are never quoted.
 */
export function checkMasterKey(parameters: BcpParameters, master: BcpMasterKey): void {
  const { p, q } = master;
  const half = parameters.bits / 2;
  for (const [name, x] of [['p', p], ['q', q]] as const) {
    if (typeof x !== 'bigint') throw new BcpInputError(name, 'must be a bigint');
    if (bitLength(x) !== half) throw new BcpInputError(name, `must have ${half} bits (half of N's ${parameters.bits})`);
  }
  if (p === q) throw new BcpInputError('q', 'must differ from p');
  if (p * q !== parameters.n) throw new BcpInputError('n', 'is not p·q');
  for (const [name, x] of [['p', p], ['q', q]] as const) {
    if (!checkPrimeSync(x) || !checkPrimeSync((x - 1n) / 2n)) throw new BcpInputError(name, `is not a safe prime (${name} and (${name} − 1)/2 must both be prime)`);
  }
  if (!hasFullOrder(parameters.g, master)) throw new BcpInputError('g', 'does not have order pp′qq′ (it must be a square of maximal order in Z*_{N²})');
}

/** A user's key pair (BCP §3.1 "Key generation"): s uniform in [1, ⌊N²/2⌋], h = g^s mod N². */
export function generateKeyPair(parameters: BcpParameters): BcpKeyPair {
  const secret = randomInRange(1n, parameters.nSquared / 2n);
  return issue(parameters, { secret, publicKey: modPow(parameters.g, secret, parameters.nSquared) });
}

// ---------------------------------------------------------------------------
// Encryption and decryption: the reference paths

/** r uniform in [1, ⌊N/4⌋] (PPOPI §3.3, as in BCP §3.1's r ∈ [1, N/4]). */
function randomness(parameters: BcpParameters): bigint {
  return randomInRange(1n, parameters.n / 4n);
}

/** (A, B) = (g^r, h^r·(1 + mN)) mod N² (BCP §3.1; PPOPI eq. 3), given g^r and h^r. */
function assemble(parameters: BcpParameters, gr: bigint, hr: bigint, m: bigint): BcpCiphertext {
  // 1 + mN < N² as m < N: the plaintext term needs no reduction before the product.
  return issue(parameters, { a: gr, b: (hr * (1n + m * parameters.n)) % parameters.nSquared });
}

/** Enc_h(m) with fresh randomness, by plain modPow (the reference; Encryptor is faster). */
export function encrypt(parameters: BcpParameters, publicKey: bigint, m: bigint): BcpCiphertext {
  assertPublicKey(parameters, publicKey);
  assertMessage(parameters, m);
  const r = randomness(parameters);
  return assemble(parameters, modPow(parameters.g, r, parameters.nSquared), modPow(publicKey, r, parameters.nSquared), m);
}

/** m from u = 1 + mN mod N² (L(u) = (u − 1)/N, BCP §3.1); refuses u ≢ 1 mod N. */
function plaintextOf(parameters: BcpParameters, u: bigint, field: string): bigint {
  if (u % parameters.n !== 1n) throw new BcpDecryptionError(field);
  return (u - 1n) / parameters.n;
}

/**
 * Dec_s(A, B) = L(B·(A^s)^{-1} mod N²) (BCP §3.1): B·A^{−s} = h^r(1 + mN)·g^{−rs}
 * = 1 + mN. Under another key s′ the quotient is g^{r(s−s′)}(1 + mN), which
 * is ≡ 1 mod N only with negligible probability: refused as
 * BcpDecryptionError. Plain modPow with the full 2·bits-bit secret (the
 * reference; Decryptor is faster).
 */
export function decrypt(parameters: BcpParameters, keyPair: BcpKeyPair, c: BcpCiphertext): bigint {
  assertKeyPair(parameters, keyPair);
  assertCiphertext(parameters, c);
  const as = modPow(c.a, keyPair.secret, parameters.nSquared);
  return plaintextOf(parameters, (c.b * modInverse(as, parameters.nSquared)) % parameters.nSquared, 'ciphertext');
}

/** L(u) = (u − 1)/N for u ≡ 1 mod N; refuses other u naming `field`. */
function lFunction(u: bigint, n: bigint, field: string, what: string): bigint {
  if (u % n !== 1n) throw new BcpInputError(field, `is not ${what} of these parameters (its power by p′q′ is not 1 mod N)`);
  return (u - 1n) / n;
}

/**
 * Master decryption of a ciphertext under any public key h, with the
 * factors of N (BCP §3.2), the reference on plain modPow mod N². With
 * λ = p′q′: g^λ = 1 + kN mod N² (g^λ has order pq, so k is invertible mod N),
 * and since (1 + kN)^x = 1 + xkN mod N²:
 *   h^λ = g^{sλ} = 1 + k·s·N        → a := s mod N = L(h^λ)·k^{-1} mod N,
 *   A^λ = g^{rλ} = 1 + k·r·N        → r mod N = L(A^λ)·k^{-1} mod N,
 *   B^λ = g^{srλ}(1 + mN)^λ = (1 + k·s·r·N)(1 + λ·m·N) = 1 + (k·a·r + λ·m)N
 *                                   → m = (L(B^λ) − k·a·r)·λ^{-1} mod N
 * (λ is coprime to N: p′, q′ < p, q are primes other than p and q).
 */
export function masterDecrypt(parameters: BcpParameters, master: BcpMasterKey, publicKey: bigint, c: BcpCiphertext): bigint {
  assertPublicKey(parameters, publicKey);
  assertCiphertext(parameters, c);
  const { n, nSquared, g } = parameters;
  if (master.p * master.q !== n) throw new BcpInputError('master', 'does not belong to these parameters (N ≠ p·q)');
  const lam = lambda(master);
  const k = lFunction(modPow(g, lam, nSquared), n, 'g', 'a generator');
  if (gcd(k, n) !== 1n) throw new BcpInputError('g', 'does not have order pp′qq′ (g^(p′q′) = 1 + kN with k not invertible mod N)');
  const kInverse = modInverse(k, n);
  const a = mod(lFunction(modPow(publicKey, lam, nSquared), n, 'publicKey', 'a public key') * kInverse, n);
  const r = mod(lFunction(modPow(c.a, lam, nSquared), n, 'ciphertext.a', 'a ciphertext component') * kInverse, n);
  const lb = lFunction(modPow(c.b, lam, nSquared), n, 'ciphertext.b', 'a ciphertext component');
  return mod((lb - k * a * r) * modInverse(lam, n), n);
}

// ---------------------------------------------------------------------------
// The additive homomorphism (BCP §3.1; PPOPI §3.3 eqs. 4–6)

/** Enc(m1)·Enc(m2) = (g^{r1+r2}, h^{r1+r2}(1 + (m1 + m2)N)): a ciphertext of m1 + m2 mod N (PPOPI eq. 4). */
export function add(parameters: BcpParameters, c1: BcpCiphertext, c2: BcpCiphertext): BcpCiphertext {
  assertCiphertext(parameters, c1, 'c1');
  assertCiphertext(parameters, c2, 'c2');
  const { nSquared } = parameters;
  return issue(parameters, { a: (c1.a * c2.a) % nSquared, b: (c1.b * c2.b) % nSquared });
}

/**
 * c ⊕ k for a public k: (A, B·(1 + kN)) — (1, 1 + kN) is the encryption of
 * k with r = 0, so adding it costs one multiplication and no randomness
 * (the result's randomness is c's: rerandomise it before it leaves if that matters).
 */
export function addPlain(parameters: BcpParameters, c: BcpCiphertext, k: bigint): BcpCiphertext {
  assertCiphertext(parameters, c);
  assertMessage(parameters, k, 'k');
  return issue(parameters, { a: c.a, b: (c.b * (1n + k * parameters.n)) % parameters.nSquared });
}

/** A ciphertext of −m mod N: (A^{-1}, B^{-1}), both inverted with one extended Euclid (t = (AB)^{-1}: A^{-1} = Bt, B^{-1} = At). */
export function negate(parameters: BcpParameters, c: BcpCiphertext): BcpCiphertext {
  assertCiphertext(parameters, c);
  const { nSquared } = parameters;
  const t = modInverse((c.a * c.b) % nSquared, nSquared);
  return issue(parameters, { a: (c.b * t) % nSquared, b: (c.a * t) % nSquared });
}

/** A ciphertext of m1 − m2 mod N. */
export function subtract(parameters: BcpParameters, c1: BcpCiphertext, c2: BcpCiphertext): BcpCiphertext {
  assertCiphertext(parameters, c1, 'c1');
  return add(parameters, c1, negate(parameters, assertCiphertext(parameters, c2, 'c2')));
}

/** Enc(m)^k = (A^k, B^k): a ciphertext of k·m mod N (PPOPI eq. 5), k ∈ [0, N). */
export function scalarMultiply(parameters: BcpParameters, c: BcpCiphertext, k: bigint): BcpCiphertext {
  assertCiphertext(parameters, c);
  assertMessage(parameters, k, 'k');
  const { nSquared } = parameters;
  return issue(parameters, { a: modPow(c.a, k, nSquared), b: modPow(c.b, k, nSquared) });
}

/** c ⊕ Enc_h(0) with fresh r: the same plaintext, unlinkable to c (reference path). */
export function rerandomise(parameters: BcpParameters, publicKey: bigint, c: BcpCiphertext): BcpCiphertext {
  assertCiphertext(parameters, c);
  return add(parameters, c, encrypt(parameters, publicKey, 0n));
}

// ---------------------------------------------------------------------------
// The fast paths

/** What the Catalano–Fiore functions (cf.ts) need to encrypt. */
export interface BcpEncrypter {
  readonly parameters: BcpParameters;
  encrypt(m: bigint): BcpCiphertext;
  rerandomise(c: BcpCiphertext): BcpCiphertext;
}

/** What the Catalano–Fiore functions need to decrypt. */
export interface BcpDecrypter {
  readonly parameters: BcpParameters;
  decrypt(c: BcpCiphertext): bigint;
}

/**
 * How an Encryptor raises g and h to r:
 * - 'fixed-base' (default): precomputed tables (fixedBase.ts), BigInt; at
 *   N = 2048 bits two tables of ~6.5 MB each (w = 5) built in ~0.3 s each;
 * - 'openssl': OpenSSL's exponentiation with r set as a DH private key
 *   (engines.ts OpenSslFixedBase): no tables, and r — which would reveal m
 *   — stays out of timing; measured about as fast as the w = 5 tables
 *   (per encryption at N = 2048 bits ≈ 12–16 ms either way, at 1024 bits
 *   ≈ 2–3 ms; Node 20 on 2 shared cores). Falls back to the tables where
 *   OpenSSL cannot (N² under 512 bits, a failed self-test).
 */
export type EncryptorEngine = 'fixed-base' | 'openssl';

export interface EncryptorOptions {
  /** Default 'fixed-base'. */
  readonly engine?: EncryptorEngine;
  /** Window width of the fixed-base tables (default DEFAULT_FIXED_BASE_WINDOW). */
  readonly window?: number;
  /** A table for g made earlier (by `gTable`, or by another Encryptor of the same parameters): shared, not rebuilt. */
  readonly gBase?: FixedBase;
}

/** A fixed-base table for the parameters' g, for exponents r < N (to share between Encryptors of one system). */
export function gTable(parameters: BcpParameters, window = DEFAULT_FIXED_BASE_WINDOW): FixedBase {
  return new FixedBase(parameters.g, parameters.nSquared, parameters.bits, window);
}

/**
 * Encryption under one public key h, with g and h fixed: Enc costs two
 * fixed-base exponentiations with r < N/4 — by tables (~bits/w
 * multiplications each instead of ~1.2·bits for a sliding window) or by
 * OpenSSL (see EncryptorEngine).
 */
export class Encryptor implements BcpEncrypter {
  readonly parameters: BcpParameters;
  readonly publicKey: bigint;
  /** The engine in use (a requested 'openssl' that cannot run is 'fixed-base'). */
  readonly engine: EncryptorEngine;
  /** The tables (undefined with the 'openssl' engine). */
  readonly gBase: FixedBase | undefined;
  readonly hBase: FixedBase | undefined;
  private readonly gPow: { pow(exponent: bigint): bigint };
  private readonly hPow: { pow(exponent: bigint): bigint };

  constructor(parameters: BcpParameters, publicKey: bigint, options: EncryptorOptions = {}) {
    assertPublicKey(parameters, publicKey);
    this.parameters = parameters;
    this.publicKey = publicKey;
    if (options.engine === 'openssl') {
      const g = new OpenSslFixedBase(parameters.g, parameters.nSquared);
      const h = new OpenSslFixedBase(publicKey, parameters.nSquared);
      if (g.usesOpenssl && h.usesOpenssl) {
        this.engine = 'openssl';
        this.gPow = g;
        this.hPow = h;
        return;
      }
    }
    const window = options.window ?? DEFAULT_FIXED_BASE_WINDOW;
    const given = options.gBase;
    if (given !== undefined && (given.base !== parameters.g || given.modulus !== parameters.nSquared || given.maxBits < parameters.bits)) {
      throw new BcpInputError('gBase', 'is not a table of these parameters\' g modulo N² for exponents below N');
    }
    this.engine = 'fixed-base';
    this.gBase = given ?? gTable(parameters, window);
    this.hBase = new FixedBase(publicKey, parameters.nSquared, parameters.bits, window);
    this.gPow = this.gBase;
    this.hPow = this.hBase;
  }

  /** Memory of the two tables, bytes (0 with the 'openssl' engine). */
  get tableBytes(): number {
    return (this.gBase?.tableBytes ?? 0) + (this.hBase?.tableBytes ?? 0);
  }

  /** g^e mod N² by this encryptor's engine, e < N (for a value such as PPOPI's np_i = g^{r_i}). */
  powerOfG(exponent: bigint): bigint {
    return this.gPow.pow(exponent);
  }

  /** Enc_h(m), m ∈ [0, N). */
  encrypt(m: bigint): BcpCiphertext {
    assertMessage(this.parameters, m);
    const r = randomness(this.parameters);
    return assemble(this.parameters, this.gPow.pow(r), this.hPow.pow(r), m);
  }

  /** A fresh encryption of 0. */
  encryptZero(): BcpCiphertext {
    const r = randomness(this.parameters);
    return issue(this.parameters, { a: this.gPow.pow(r), b: this.hPow.pow(r) });
  }

  /** c ⊕ Enc(0): same plaintext, fresh randomness. */
  rerandomise(c: BcpCiphertext): BcpCiphertext {
    assertCiphertext(this.parameters, c);
    return add(this.parameters, c, this.encryptZero());
  }
}

export interface DecryptorOptions {
  /** The factors of N (the KGC): decrypt by the CRT, modulo p² and q² with half-size exponents. */
  readonly master?: BcpMasterKey;
  /** 'openssl' (default: constant-time, faster) or 'bigint' (the reference); see engines.ts. */
  readonly engine?: PowEngine;
}

/**
 * Decryption with one secret key s, the exponent fixed: with the factors of
 * N, A^{−s} mod N² by the CRT (the exponent −s reduced modulo p(p − 1) and
 * q(q − 1), the orders of Z*_{p²} and Z*_{q²}: no inverse needed); without
 * them, A^s mod N² and one inverse. The engine computes the fixed-exponent
 * powers (engines.ts).
 */
export class Decryptor implements BcpDecrypter {
  readonly parameters: BcpParameters;
  readonly publicKey: bigint;
  readonly engine: PowEngine;
  private readonly negativeSecretPow: FixedExponentPow | undefined;
  private readonly secretPow: FixedExponentPow | undefined;

  constructor(parameters: BcpParameters, keyPair: BcpKeyPair, options: DecryptorOptions = {}) {
    assertKeyPair(parameters, keyPair);
    const { secret } = keyPair;
    this.parameters = parameters;
    this.publicKey = keyPair.publicKey;
    this.engine = options.engine ?? 'openssl';
    if (options.master !== undefined) {
      const { p, q } = options.master;
      if (p * q !== parameters.n) throw new BcpInputError('master', 'does not belong to these parameters (N ≠ p·q)');
      this.negativeSecretPow = new CrtModulus(p, q).fixedExponent(-secret, this.engine);
    } else {
      this.secretPow = fixedExponentPow(secret, parameters.nSquared, this.engine);
    }
  }

  /** Whether OpenSSL does the work (false for 'bigint', or where OpenSSL cannot: a modulus under 512 bits, a failed self-test). */
  get usesOpenssl(): boolean {
    return (this.negativeSecretPow ?? this.secretPow!).usesOpenssl;
  }

  /** Whether the factors of N are used (the CRT path). */
  get usesCrt(): boolean {
    return this.negativeSecretPow !== undefined;
  }

  /** Dec_s(c) = L(B·A^{−s} mod N²) (BCP §3.1); BcpDecryptionError for a ciphertext under another key. */
  decrypt(c: BcpCiphertext): bigint {
    assertCiphertext(this.parameters, c);
    const { nSquared } = this.parameters;
    const aToMinusS = this.negativeSecretPow !== undefined ? this.negativeSecretPow.pow(c.a) : modInverse(this.secretPow!.pow(c.a), nSquared);
    return plaintextOf(this.parameters, (c.b * aToMinusS) % nSquared, 'ciphertext');
  }

  /**
   * Decryption by the CRT of a ciphertext whose components the caller has
   * checked to lie in [1, N²) but not to be units (the KGC's hot path): a
   * component sharing a factor with N makes B·A^{−s} ≡ 0 modulo p² or q²
   * (the reduced exponent is ≥ 2 but with negligible probability), never
   * 1 mod N, so it is refused as a ciphertext under another key would be —
   * without decrypt's two gcds (~0.4 ms at 2048 bits, a tenth of the
   * decryption). Needs the factors of N.
   */
  decryptInRange(c: BcpCiphertext): bigint {
    if (this.negativeSecretPow === undefined) return this.decrypt(c);
    const { nSquared } = this.parameters;
    if (!(c.a >= 1n && c.a < nSquared && c.b >= 1n && c.b < nSquared)) throw new BcpInputError('ciphertext', 'must be in [1, N²)');
    return plaintextOf(this.parameters, (c.b * this.negativeSecretPow.pow(c.a)) % nSquared, 'ciphertext');
  }
}

/** How many users' s mod N a MasterDecryptor keeps (one exponentiation saved per decryption for each). */
const SECRET_CACHE_SIZE = 1024;

/**
 * Master decryption (BCP §3.2) by the CRT, for the holder of p and q (the
 * KGC): the relations of masterDecrypt taken modulo p² and q² separately,
 * with the half-size exponents p′ and q′ instead of λ = p′q′. Modulo p²:
 * g^{p′} = 1 + k_p·p (g has order pp′ there, so g^{p′} has order p and
 * k_p ≢ 0 mod p), (1 + mN)^{p′} = 1 + p′·m·q·p mod p², hence with
 * L_p(u) = (u − 1)/p:
 *   s mod p = L_p(h^{p′})/k_p,  r mod p = L_p(A^{p′})/k_p,
 *   m mod p = (L_p(B^{p′}) − k_p·s·r)·(p′q)^{-1} mod p,
 * the same modulo q, and m mod N by the CRT. Exponents are fixed (p′, q′),
 * so the engines of engines.ts apply; s mod p and s mod q are cached per public key.
 */
export class MasterDecryptor {
  readonly parameters: BcpParameters;
  readonly engine: PowEngine;
  private readonly halves: readonly MasterHalf[];
  /** p^{-1} mod q, to combine m mod p and m mod q. */
  private readonly pInverseModQ: bigint;
  private readonly secrets = new Map<bigint, readonly bigint[]>();

  constructor(parameters: BcpParameters, master: BcpMasterKey, options: { engine?: PowEngine } = {}) {
    const { p, q } = master;
    if (p * q !== parameters.n) throw new BcpInputError('master', 'does not belong to these parameters (N ≠ p·q)');
    this.parameters = parameters;
    this.engine = options.engine ?? 'openssl';
    this.halves = [new MasterHalf(p, q, parameters.g, this.engine), new MasterHalf(q, p, parameters.g, this.engine)];
    this.pInverseModQ = modInverse(p, q);
  }

  /** s mod p and s mod q of a user's public key h (BCP §3.2: the master key recovers s mod N from h alone). */
  private secretHalves(publicKey: bigint): readonly bigint[] {
    let found = this.secrets.get(publicKey);
    if (found === undefined) {
      found = this.halves.map((half) => half.secretModPrime(publicKey));
      if (this.secrets.size >= SECRET_CACHE_SIZE) this.secrets.delete(this.secrets.keys().next().value!);
      this.secrets.set(publicKey, found);
    }
    return found;
  }

  /** The plaintext of a ciphertext made under the public key `publicKey`, whoever's it is. */
  decrypt(c: BcpCiphertext, publicKey: bigint): bigint {
    assertPublicKey(this.parameters, publicKey);
    assertCiphertext(this.parameters, c);
    const secrets = this.secretHalves(publicKey);
    const [mp, mq] = this.halves.map((half, i) => half.message(c, secrets[i]));
    const [{ prime: p }, { prime: q }] = this.halves;
    // Garner: m = mp + p·((mq − mp)·p^{-1} mod q).
    return mp + p * mod((mq - mp) * this.pInverseModQ, q);
  }

  /** A BcpDecrypter for one user's ciphertexts. */
  forPublicKey(publicKey: bigint): BcpDecrypter {
    assertPublicKey(this.parameters, publicKey);
    return { parameters: this.parameters, decrypt: (c) => this.decrypt(c, publicKey) };
  }
}

/** Master decryption modulo one prime's square (see MasterDecryptor). */
class MasterHalf {
  readonly prime: bigint;
  private readonly square: bigint;
  private readonly pow: FixedExponentPow;
  private readonly kInverse: bigint;
  private readonly k: bigint;
  /** (p′·q)^{-1} mod p: undoes (1 + mN)^{p′} = 1 + p′·m·q·p. */
  private readonly messageFactor: bigint;

  constructor(prime: bigint, other: bigint, g: bigint, engine: PowEngine) {
    this.prime = prime;
    this.square = prime * prime;
    const half = (prime - 1n) / 2n;
    this.pow = fixedExponentPow(half, this.square, engine);
    this.k = this.l(this.pow.pow(g), 'g', 'a generator');
    if (this.k === 0n) throw new BcpInputError('g', 'does not have order pp′qq′');
    this.kInverse = modInverse(this.k, prime);
    this.messageFactor = modInverse(half * other, prime);
  }

  /** L_p(u) = (u − 1)/p for u ≡ 1 mod p, reduced mod p. */
  private l(u: bigint, field: string, what: string): bigint {
    if (u % this.prime !== 1n) throw new BcpInputError(field, `is not ${what} of these parameters (its power by p′ is not 1 mod p)`);
    return (u - 1n) / this.prime;
  }

  secretModPrime(publicKey: bigint): bigint {
    return (this.l(this.pow.pow(publicKey % this.square), 'publicKey', 'a public key') * this.kInverse) % this.prime;
  }

  message(c: BcpCiphertext, secret: bigint): bigint {
    const r = (this.l(this.pow.pow(c.a % this.square), 'ciphertext.a', 'a ciphertext component') * this.kInverse) % this.prime;
    const lb = this.l(this.pow.pow(c.b % this.square), 'ciphertext.b', 'a ciphertext component');
    return mod((lb - this.k * secret * r) * this.messageFactor, this.prime);
  }
}

