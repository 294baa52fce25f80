/**
 * The BCP cryptosystem (Bresson, Catalano & Pointcheval 2003, §3): decryption
 * inverts encryption on every path (reference, fixed-base Encryptor,
 * Decryptor with either engine with and without the CRT, master decryption
 * by the reference and by the CRT), at 512, 1024 and 2048 bits; the
 * additive homomorphism; a ciphertext under one key does not decrypt under
 * another; bad values are refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { modPow } from '../../../src/privacy/bcp/arith.js';
import {
  add,
  addPlain,
  assertCiphertext,
  decrypt,
  Decryptor,
  encrypt,
  Encryptor,
  generateKeyPair,
  gTable,
  masterDecrypt,
  MasterDecryptor,
  negate,
  rerandomise,
  scalarMultiply,
  subtract,
} from '../../../src/privacy/bcp/bcp.js';
import { BcpDecryptionError, BcpInputError } from '../../../src/privacy/bcp/errors.js';
import { randomBelow } from '../../../src/privacy/bcp/random.js';
import type { BcpCiphertext, BcpKeyPair, BcpParameters } from '../../../src/privacy/bcp/types.js';
import { fixture, type FixtureBits } from './helpers.js';

/** The BcpInputError `run` throws (fails the test if it throws none or another error). */
function refusal(run: () => unknown): BcpInputError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(BcpInputError);
    return err as BcpInputError;
  }
  throw new Error('expected a BcpInputError, nothing was thrown');
}

describe.each([
  [512, 6],
  [1024, 4],
  [2048, 2],
] as [FixtureBits, number][])('decryption inverts encryption at %i bits', (bits, randomMessages) => {
  const { parameters, master } = fixture(bits);
  const { n } = parameters;
  const keyPair = generateKeyPair(parameters);
  const messages = [0n, n - 1n, 1n, ...Array.from({ length: randomMessages }, () => randomBelow(n))];

  it('reference encrypt/decrypt and master decryption (the reference, mod N² with p′q′)', () => {
    expect(keyPair.publicKey).toBe(modPow(parameters.g, keyPair.secret, parameters.nSquared));
    for (const m of messages.slice(0, 3)) {
      const c = encrypt(parameters, keyPair.publicKey, m);
      expect(decrypt(parameters, keyPair, c)).toBe(m);
      expect(masterDecrypt(parameters, master, keyPair.publicKey, c)).toBe(m);
    }
  });

  it('Encryptor (fixed-base tables and OpenSSL) with every Decryptor and the CRT master decryptor, both engines', () => {
    const encryptor = new Encryptor(parameters, keyPair.publicKey);
    const decryptors = [
      new Decryptor(parameters, keyPair, { engine: 'bigint' }),
      new Decryptor(parameters, keyPair, { engine: 'openssl' }),
      new Decryptor(parameters, keyPair, { engine: 'bigint', master }),
      new Decryptor(parameters, keyPair, { engine: 'openssl', master }),
    ];
    expect(decryptors.map((d) => [d.usesCrt, d.usesOpenssl])).toEqual([
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]);
    const masters = [new MasterDecryptor(parameters, master, { engine: 'bigint' }), new MasterDecryptor(parameters, master, { engine: 'openssl' })];
    const viaOpenssl = new Encryptor(parameters, keyPair.publicKey, { engine: 'openssl' });
    expect([encryptor.engine, viaOpenssl.engine, viaOpenssl.tableBytes]).toEqual(['fixed-base', 'openssl', 0]);
    // The slow BigInt decryptor without the CRT (full 2·bits-bit exponent) sees fewer messages at 2048 bits.
    for (const [i, m] of messages.entries()) {
      const c = (i % 2 === 0 ? encryptor : viaOpenssl).encrypt(m);
      for (const [j, d] of decryptors.entries()) if (j !== 0 || bits < 2048 || i < 2) expect(d.decrypt(c)).toBe(m);
      for (const md of masters) expect(md.decrypt(c, keyPair.publicKey)).toBe(m);
    }
  });

  it('encryption is randomised: two encryptions of one message differ', () => {
    const encryptor = new Encryptor(parameters, keyPair.publicKey, { gBase: gTable(parameters) });
    const [c1, c2] = [encryptor.encrypt(5n), encryptor.encrypt(5n)];
    expect(c1.a === c2.a || c1.b === c2.b).toBe(false);
  });
});

describe('the additive homomorphism (512 bits)', () => {
  const { parameters, master } = fixture(512);
  const { n } = parameters;
  const keyPair = generateKeyPair(parameters);
  const encryptor = new Encryptor(parameters, keyPair.publicKey);
  const decryptor = new Decryptor(parameters, keyPair, { master });
  const masterDecryptor = new MasterDecryptor(parameters, master);
  /** Decrypts by the secret key and checks that master decryption agrees. */
  const dec = (c: BcpCiphertext) => {
    const m = decryptor.decrypt(c);
    expect(masterDecryptor.decrypt(c, keyPair.publicKey)).toBe(m);
    expect(decrypt(parameters, keyPair, c)).toBe(m);
    return m;
  };

  it('add, addPlain (wrapping mod N)', () => {
    for (let i = 0; i < 5; i++) {
      const [m1, m2, k] = [randomBelow(n), randomBelow(n), randomBelow(n)];
      expect(dec(add(parameters, encryptor.encrypt(m1), encryptor.encrypt(m2)))).toBe((m1 + m2) % n);
      const c = encryptor.encrypt(m1);
      const shifted = addPlain(parameters, c, k);
      expect(shifted.a).toBe(c.a);
      expect(dec(shifted)).toBe((m1 + k) % n);
    }
    expect(dec(add(parameters, encryptor.encrypt(n - 1n), encryptor.encrypt(2n)))).toBe(1n);
  });

  it('negate and subtract (a negative r: master decryption still agrees)', () => {
    for (let i = 0; i < 5; i++) {
      const [m1, m2] = [randomBelow(n), randomBelow(n)];
      expect(dec(negate(parameters, encryptor.encrypt(m1)))).toBe((n - m1) % n);
      expect(dec(subtract(parameters, encryptor.encrypt(m1), encryptor.encrypt(m2)))).toBe((((m1 - m2) % n) + n) % n);
    }
    expect(dec(negate(parameters, encryptor.encrypt(0n)))).toBe(0n);
  });

  it('scalarMultiply, including by 0 and 1', () => {
    for (let i = 0; i < 5; i++) {
      const [m, k] = [randomBelow(n), randomBelow(n)];
      expect(dec(scalarMultiply(parameters, encryptor.encrypt(m), k))).toBe((m * k) % n);
    }
    expect(dec(scalarMultiply(parameters, encryptor.encrypt(7n), 0n))).toBe(0n);
    expect(dec(scalarMultiply(parameters, encryptor.encrypt(7n), 1n))).toBe(7n);
  });

  it('rerandomise: both components change, the plaintext stays (Encryptor and reference)', () => {
    const m = randomBelow(n);
    const c = encryptor.encrypt(m);
    for (const fresh of [encryptor.rerandomise(c), rerandomise(parameters, keyPair.publicKey, c)]) {
      expect(fresh.a).not.toBe(c.a);
      expect(fresh.b).not.toBe(c.b);
      expect(dec(fresh)).toBe(m);
    }
  });
});

describe('keys do not mix', () => {
  const { parameters, master } = fixture(512);
  const alice = generateKeyPair(parameters);
  const bob = generateKeyPair(parameters);

  it("a ciphertext under one key does not decrypt under another (every path), but the master key decrypts both", () => {
    const c = encrypt(parameters, alice.publicKey, 42n);
    const attempts = [
      () => decrypt(parameters, bob, c),
      () => new Decryptor(parameters, bob, { engine: 'bigint' }).decrypt(c),
      () => new Decryptor(parameters, bob, { engine: 'openssl', master }).decrypt(c),
    ];
    for (const attempt of attempts) {
      const err = refusal(attempt);
      expect(err).toBeInstanceOf(BcpDecryptionError);
      expect(err.message).toBe('ciphertext: not a ciphertext under this key (B·A^(−s) mod N² is not 1 mod N)');
    }
    expect(decrypt(parameters, alice, c)).toBe(42n);
    expect(new MasterDecryptor(parameters, master).decrypt(encrypt(parameters, bob.publicKey, 43n), bob.publicKey)).toBe(43n);
  });

  it('a ciphertext of another system (other N) is refused or fails to decrypt', () => {
    const other = fixture(1024).parameters;
    const otherKey = generateKeyPair(other);
    const c = encrypt(other, otherKey.publicKey, 1n);
    expect(() => decrypt(parameters, alice, c)).toThrow(BcpInputError);
  });

  it('a Decryptor or MasterDecryptor with a master key of other parameters is refused', () => {
    const wrong = fixture(1024).master;
    expect(refusal(() => new Decryptor(parameters, alice, { master: wrong })).field).toBe('master');
    expect(refusal(() => new MasterDecryptor(parameters, wrong)).field).toBe('master');
  });
});

describe('refusals name the field', () => {
  const { parameters, master } = fixture(512);
  const { n, nSquared } = parameters;
  const keyPair: BcpKeyPair = generateKeyPair(parameters);
  const good = encrypt(parameters, keyPair.publicKey, 3n);
  const p = master.p;
  const bad: [string, bigint, RegExp][] = [
    ['0', 0n, /must be in \[1, N²\) \(got 0\)/],
    ['negative', -good.a, /must be in \[1, N²\) \(got a negative number\)/],
    ['N²', nSquared, /got a number ≥ N²/],
    ['N² + A', nSquared + good.a, /got a number ≥ N²/],
    ['p (not coprime with N)', p, /must be coprime to N/],
    ['N (not coprime with N)', n, /must be coprime to N/],
    ['a multiple of q', master.q * 12345n, /must be coprime to N/],
  ];

  it.each(bad)('a ciphertext component %s is refused by every operation', (_, value, reason) => {
    const withA: BcpCiphertext = { a: value, b: good.b };
    const withB: BcpCiphertext = { a: good.a, b: value };
    const ops: [string, () => unknown][] = [
      ['ciphertext.a', () => decrypt(parameters, keyPair, withA)],
      ['ciphertext.b', () => decrypt(parameters, keyPair, withB)],
      ['ciphertext.a', () => new Decryptor(parameters, keyPair, { master }).decrypt(withA)],
      ['ciphertext.b', () => new MasterDecryptor(parameters, master).decrypt(withB, keyPair.publicKey)],
      ['c1.a', () => add(parameters, withA, good)],
      ['c2.b', () => add(parameters, good, withB)],
      ['ciphertext.b', () => addPlain(parameters, withB, 1n)],
      ['ciphertext.a', () => negate(parameters, withA)],
      ['c2.a', () => subtract(parameters, good, withA)],
      ['ciphertext.b', () => scalarMultiply(parameters, withB, 2n)],
      ['ciphertext.a', () => rerandomise(parameters, keyPair.publicKey, withA)],
    ];
    for (const [field, op] of ops) {
      const err = refusal(op);
      expect(err.field).toBe(field);
      expect(err.message).toMatch(reason);
      expect(err.message.split('\n')).toHaveLength(1);
    }
  });

  it('a component that is not a bigint, and a ciphertext that is not an object', () => {
    expect(refusal(() => decrypt(parameters, keyPair, { a: 5 as unknown as bigint, b: good.b })).message).toBe('ciphertext.a: must be a bigint (got number)');
    expect(refusal(() => decrypt(parameters, keyPair, null as unknown as BcpCiphertext)).message).toBe('ciphertext: must be a ciphertext {a, b}');
  });

  it('messages and scalars outside [0, N) are refused', () => {
    const encryptor = new Encryptor(parameters, keyPair.publicKey);
    for (const [m, reason] of [
      [n, /message: must be in \[0, N\) \(got a number ≥ N\)/],
      [n + 5n, /got a number ≥ N/],
      [-1n, /message: must be in \[0, N\) \(got a negative number\)/],
    ] as const) {
      expect(refusal(() => encrypt(parameters, keyPair.publicKey, m)).message).toMatch(reason);
      expect(refusal(() => encryptor.encrypt(m)).message).toMatch(reason);
    }
    expect(refusal(() => addPlain(parameters, good, n)).field).toBe('k');
    expect(refusal(() => scalarMultiply(parameters, good, -2n)).field).toBe('k');
  });

  it('keys out of range: secret 0 or above N²/2, public key 0 (the secret is never quoted)', () => {
    const big = nSquared / 2n + 1n;
    const err = refusal(() => decrypt(parameters, { secret: big, publicKey: keyPair.publicKey }, good));
    expect(err.field).toBe('keyPair.secret');
    expect(err.message).not.toContain(big.toString());
    expect(err.message).not.toContain(big.toString(16));
    expect(refusal(() => new Decryptor(parameters, { secret: 0n, publicKey: keyPair.publicKey })).field).toBe('keyPair.secret');
    expect(refusal(() => encrypt(parameters, 0n, 1n)).field).toBe('publicKey');
    expect(refusal(() => new Encryptor(parameters, p)).field).toBe('publicKey');
  });

  it('a frozen valid ciphertext is checked once; a mutable one every time', () => {
    const mutable = { a: good.a, b: good.b };
    expect(assertCiphertext(parameters, mutable)).toBe(mutable);
    mutable.a = 0n;
    expect(refusal(() => assertCiphertext(parameters, mutable)).field).toBe('ciphertext.a');
    expect(Object.isFrozen(good)).toBe(true);
  });
});

describe('master decryption needs the right parameters', () => {
  it('a public key that is not in the group of g is refused, not decrypted to garbage, by the reference', () => {
    const { parameters, master }: { parameters: BcpParameters; master: { p: bigint; q: bigint } } = fixture(512);
    const keyPair = generateKeyPair(parameters);
    const c = encrypt(parameters, keyPair.publicKey, 9n);
    // N² − 1 ≡ −1: a unit, but (−1)^{p′q′} = −1 (p′q′ is odd), not 1 mod N.
    expect(refusal(() => masterDecrypt(parameters, master, parameters.nSquared - 1n, c)).field).toBe('publicKey');
    expect(refusal(() => new MasterDecryptor(parameters, master).decrypt(c, parameters.nSquared - 1n)).field).toBe('publicKey');
  });
});

describe('decryptInRange: the KGC hot path without the unit check (512 bits)', () => {
  const { parameters, master } = fixture(512);
  const keyPair = generateKeyPair(parameters);
  const decryptor = new Decryptor(parameters, keyPair, { master });

  it('decrypts as decrypt does', () => {
    for (let i = 0; i < 5; i++) {
      const m = randomBelow(parameters.n);
      const c = encrypt(parameters, keyPair.publicKey, m);
      expect(decryptor.decryptInRange(c)).toBe(m);
      expect(decryptor.decryptInRange({ a: c.a, b: c.b })).toBe(decryptor.decrypt(c));
    }
  });

  it('refuses a component sharing a factor with N, and one outside [1, N²)', () => {
    const c = encrypt(parameters, keyPair.publicKey, 5n);
    for (const bad of [{ a: master.p, b: c.b }, { a: c.a, b: master.q * 7n }, { a: c.a * master.p, b: c.b }]) {
      expect(() => decryptor.decryptInRange({ a: bad.a % parameters.nSquared, b: bad.b % parameters.nSquared })).toThrow(BcpDecryptionError);
    }
    expect(() => decryptor.decryptInRange({ a: parameters.nSquared, b: c.b })).toThrow(BcpInputError);
    expect(() => decryptor.decryptInRange({ a: c.a, b: 0n })).toThrow(BcpInputError);
  });
});
