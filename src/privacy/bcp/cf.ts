/**
 * The Catalano–Fiore form of BCP ciphertexts (Catalano & Fiore 2015,
 * "Using linearly-homomorphic encryption to evaluate degree-2 functions on
 * encrypted data", CCS 2015, §3; PPOPI, Chen & Ye 2025, §3.3 eqs. 7–8):
 * m is held as (m − b mod N, Enc(b)) for a uniform mask b ∈ Z_N. The public
 * part m − b is uniform whatever m is, so it hides m as well as the
 * ciphertext does, and linear operations on it are plain arithmetic mod N.
 */
import { mod } from './arith.js';
import { BcpInputError } from './errors.js';
import { randomBelow } from './random.js';
import { add, addPlain, assertCiphertext, assertMessage, scalarMultiply, type BcpDecrypter, type BcpEncrypter } from './bcp.js';
import type { BcpParameters, CfCiphertext } from './types.js';

/** Checks a Catalano–Fiore ciphertext: masked ∈ [0, N), mask a BCP ciphertext. */
export function assertCfCiphertext(parameters: BcpParameters, c: unknown, field = 'ciphertext'): CfCiphertext {
  if (c === null || typeof c !== 'object') throw new BcpInputError(field, 'must be a Catalano–Fiore ciphertext {masked, mask}');
  const { masked, mask } = c as Record<string, unknown>;
  assertMessage(parameters, masked, `${field}.masked`);
  assertCiphertext(parameters, mask, `${field}.mask`);
  return c as CfCiphertext;
}

function cf(masked: bigint, mask: CfCiphertext['mask']): CfCiphertext {
  return Object.freeze({ masked, mask });
}

/** (m − b mod N, Enc(b)) with b uniform in Z_N (Catalano & Fiore 2015, §3 "Enc"; PPOPI eq. 7's form). */
export function cfEncrypt(encrypter: BcpEncrypter, m: bigint): CfCiphertext {
  const { parameters } = encrypter;
  assertMessage(parameters, m);
  const b = randomBelow(parameters.n);
  return cf(mod(m - b, parameters.n), encrypter.encrypt(b));
}

/** m = (m − b) + Dec(Enc(b)) mod N (Catalano & Fiore 2015, §3 "Dec"). */
export function cfDecrypt(decrypter: BcpDecrypter, c: CfCiphertext): bigint {
  const { parameters } = decrypter;
  assertCfCiphertext(parameters, c);
  return (c.masked + decrypter.decrypt(c.mask)) % parameters.n;
}

/** (m1 − b1) + (m2 − b2) mod N with mask Enc(b1)·Enc(b2) = Enc(b1 + b2): a CF ciphertext of m1 + m2 (Catalano & Fiore 2015, §3 "Add"). */
export function cfAdd(parameters: BcpParameters, c1: CfCiphertext, c2: CfCiphertext): CfCiphertext {
  assertCfCiphertext(parameters, c1, 'c1');
  assertCfCiphertext(parameters, c2, 'c2');
  return cf((c1.masked + c2.masked) % parameters.n, add(parameters, c1.mask, c2.mask));
}

/** m + k for a public k ∈ [0, N): only the public part changes. */
export function cfAddPlain(parameters: BcpParameters, c: CfCiphertext, k: bigint): CfCiphertext {
  assertCfCiphertext(parameters, c);
  assertMessage(parameters, k, 'k');
  return cf((c.masked + k) % parameters.n, c.mask);
}

/** k·m for a public k ∈ [0, N): k(m − b) mod N and Enc(b)^k = Enc(kb). */
export function cfScalarMultiply(parameters: BcpParameters, c: CfCiphertext, k: bigint): CfCiphertext {
  assertCfCiphertext(parameters, c);
  assertMessage(parameters, k, 'k');
  return cf((c.masked * k) % parameters.n, scalarMultiply(parameters, c.mask, k));
}

/**
 * Move the split of m between the public part and the mask (PPOPI eq. 7):
 * (v, Enc(b) ⊕ (m − b − v)) for a chosen public part v ∈ [0, N). The mask
 * becomes Enc(b + (m − b) − v) = Enc(m − v), so v + (m − v) = m: the
 * plaintext is unchanged. Realigning two ciphertexts — of two users, under
 * two keys — to one common v (PPOPI eq. 8) leaves them differing only in
 * their encrypted masks. The mask's randomness is unchanged (addPlain adds
 * the trivial encryption of a constant): rerandomise if that matters.
 */
export function realign(parameters: BcpParameters, c: CfCiphertext, newMasked: bigint): CfCiphertext {
  assertCfCiphertext(parameters, c);
  assertMessage(parameters, newMasked, 'newMasked');
  return cf(newMasked, addPlain(parameters, c.mask, mod(c.masked - newMasked, parameters.n)));
}

/** The same plaintext with a fresh uniform public part and a rerandomised mask: unlinkable to c. */
export function cfRerandomise(encrypter: BcpEncrypter, c: CfCiphertext): CfCiphertext {
  const { parameters } = encrypter;
  const moved = realign(parameters, c, randomBelow(parameters.n));
  return cf(moved.masked, encrypter.rerandomise(moved.mask));
}
