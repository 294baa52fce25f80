/**
 * The Catalano–Fiore form (Catalano & Fiore 2015, §3; PPOPI, Chen & Ye 2025,
 * §3.3 eqs. 7–8): encode/decode, addition, realignment to a chosen public
 * part (eq. 7) and of two users' ciphertexts to one common value (eq. 8),
 * rerandomisation.
 */
import { describe, expect, it } from 'vitest';
import { Decryptor, Encryptor, generateKeyPair, gTable, MasterDecryptor } from '../../../src/privacy/bcp/bcp.js';
import { cfAdd, cfAddPlain, cfDecrypt, cfEncrypt, cfRerandomise, cfScalarMultiply, realign } from '../../../src/privacy/bcp/cf.js';
import { BcpInputError } from '../../../src/privacy/bcp/errors.js';
import { randomBelow } from '../../../src/privacy/bcp/random.js';
import type { CfCiphertext } from '../../../src/privacy/bcp/types.js';
import { fixture } from './helpers.js';

describe('Catalano–Fiore ciphertexts (512 bits)', () => {
  const { parameters, master } = fixture(512);
  const { n } = parameters;
  const g = gTable(parameters);
  const alice = generateKeyPair(parameters);
  const bob = generateKeyPair(parameters);
  const toAlice = new Encryptor(parameters, alice.publicKey, { gBase: g });
  const toBob = new Encryptor(parameters, bob.publicKey, { gBase: g });
  const asAlice = new Decryptor(parameters, alice, { master });
  const asBob = new Decryptor(parameters, bob, { master });

  it('encode and decode: m = masked + Dec(mask) mod N, for 0, N − 1 and random m', () => {
    for (const m of [0n, n - 1n, randomBelow(n), randomBelow(n)]) {
      const c = cfEncrypt(toAlice, m);
      expect(c.masked >= 0n && c.masked < n).toBe(true);
      expect((c.masked + asAlice.decrypt(c.mask)) % n).toBe(m);
      expect(cfDecrypt(asAlice, c)).toBe(m);
      expect(cfDecrypt(new MasterDecryptor(parameters, master).forPublicKey(alice.publicKey), c)).toBe(m);
    }
    // The public part is masked: two encodings of one m have different public parts.
    expect(cfEncrypt(toAlice, 7n).masked).not.toBe(cfEncrypt(toAlice, 7n).masked);
  });

  it('cfAdd, cfAddPlain and cfScalarMultiply (mod N)', () => {
    for (let i = 0; i < 4; i++) {
      const [m1, m2, k] = [randomBelow(n), randomBelow(n), randomBelow(n)];
      const [c1, c2] = [cfEncrypt(toAlice, m1), cfEncrypt(toAlice, m2)];
      const sum = cfAdd(parameters, c1, c2);
      expect(sum.masked).toBe((c1.masked + c2.masked) % n);
      expect(cfDecrypt(asAlice, sum)).toBe((m1 + m2) % n);
      expect(cfDecrypt(asAlice, cfAddPlain(parameters, c1, k))).toBe((m1 + k) % n);
      expect(cfDecrypt(asAlice, cfScalarMultiply(parameters, c1, k))).toBe((m1 * k) % n);
    }
  });

  it('realign to a given public part (PPOPI eq. 7): the public part is the one chosen, the plaintext unchanged', () => {
    for (const v of [0n, 1n, n - 1n, randomBelow(n)]) {
      const m = randomBelow(n);
      const c = cfEncrypt(toAlice, m);
      const moved = realign(parameters, c, v);
      expect(moved.masked).toBe(v);
      expect(cfDecrypt(asAlice, moved)).toBe(m);
      // Only the split moved: the mask now encrypts m − v.
      expect(asAlice.decrypt(moved.mask)).toBe((((m - v) % n) + n) % n);
    }
  });

  it("two users' ciphertexts realigned to one common value (PPOPI eq. 8): equal public parts, each still decrypts under its own key", () => {
    const [ma, mb] = [randomBelow(n), randomBelow(n)];
    const [ca, cb] = [cfEncrypt(toAlice, ma), cfEncrypt(toBob, mb)];
    const common = randomBelow(n);
    const [ra, rb] = [realign(parameters, ca, common), realign(parameters, cb, common)];
    expect(ra.masked).toBe(common);
    expect(rb.masked).toBe(common);
    expect(cfDecrypt(asAlice, ra)).toBe(ma);
    expect(cfDecrypt(asBob, rb)).toBe(mb);
    // The masks stay under their owners' keys.
    expect(() => cfDecrypt(asBob, ra)).toThrow(/not a ciphertext under this key/);
  });

  it('cfRerandomise: a new public part and a new mask ciphertext, the same plaintext', () => {
    const m = randomBelow(n);
    const c = cfEncrypt(toAlice, m);
    const fresh = cfRerandomise(toAlice, c);
    expect(fresh.masked).not.toBe(c.masked);
    expect(fresh.mask.a).not.toBe(c.mask.a);
    expect(fresh.mask.b).not.toBe(c.mask.b);
    expect(cfDecrypt(asAlice, fresh)).toBe(m);
  });

  it('refuses a public part outside [0, N), a bad mask, a bad realignment target, naming the field', () => {
    const c = cfEncrypt(toAlice, 1n);
    const cases: [string, () => unknown][] = [
      ['ciphertext.masked', () => cfDecrypt(asAlice, { masked: n, mask: c.mask })],
      ['ciphertext.masked', () => cfDecrypt(asAlice, { masked: -1n, mask: c.mask })],
      ['ciphertext.mask.a', () => cfDecrypt(asAlice, { masked: 0n, mask: { a: 0n, b: c.mask.b } })],
      ['c2.mask.b', () => cfAdd(parameters, c, { masked: 0n, mask: { a: c.mask.a, b: parameters.nSquared } })],
      ['newMasked', () => realign(parameters, c, n)],
      ['message', () => cfEncrypt(toAlice, -3n)],
      ['ciphertext', () => realign(parameters, null as unknown as CfCiphertext, 0n)],
    ];
    for (const [field, run] of cases) {
      let caught: unknown;
      try {
        run();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(BcpInputError);
      expect((caught as BcpInputError).field).toBe(field);
    }
  });
});
