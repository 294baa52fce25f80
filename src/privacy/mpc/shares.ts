/**
 * Additive secret sharing over Z_2^64 (and over Z_n for small indices):
 * a secret x becomes x0 uniform and x1 = x − x0, so each share alone is
 * uniformly distributed whatever x is. Share randomness comes from
 * node:crypto only.
 */
import { randomInt } from 'node:crypto';
import { addWords, randomWords, subWords, type Words } from './ring.js';

/** Two additive shares of ring elements. */
export function shareWords(secret: Words): [Words, Words] {
  const s0 = randomWords(secret.length);
  return [s0, subWords(secret, s0)];
}

export function reconstructWords(s0: Words, s1: Words): Words {
  return addWords(s0, s1);
}

/**
 * Two additive shares mod `modulus` of indices in [0, modulus): a state or
 * action index is shared in Z_δ or Z_σ, so that opening index + mask mod δ
 * reveals nothing (see `oneHot` in arithmetic.ts). Uniform without modulo
 * bias (crypto.randomInt rejects biased draws).
 */
export function shareIndices(indices: readonly number[], modulus: number): [Uint32Array, Uint32Array] {
  if (!(Number.isInteger(modulus) && modulus >= 1 && modulus <= 2 ** 32)) throw new RangeError(`index modulus ${modulus} out of range`);
  const s0 = new Uint32Array(indices.length);
  const s1 = new Uint32Array(indices.length);
  indices.forEach((x, i) => {
    if (!(Number.isInteger(x) && x >= 0 && x < modulus)) throw new RangeError(`index ${x} is not in [0, ${modulus})`);
    const r = modulus === 1 ? 0 : randomInt(modulus);
    s0[i] = r;
    s1[i] = (x - r + modulus) % modulus;
  });
  return [s0, s1];
}
