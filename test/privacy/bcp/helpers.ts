/**
 * Shared by the BCP tests: the pre-generated parameters and master keys of
 * test/fixtures/bcp/ (512, 1024 and 2048 bits; made by `glucosim ppopi
 * keygen`, for tests only) and a naive reference exponentiation.
 */
import { join } from 'node:path';
import { readMasterFile } from '../../../src/privacy/bcp/keyFile.js';
import type { BcpMasterKey, BcpParameters } from '../../../src/privacy/bcp/types.js';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'bcp');

export type FixtureBits = 512 | 1024 | 2048;

const loaded = new Map<number, { parameters: BcpParameters; master: BcpMasterKey }>();

/** The fixture system of `bits` bits (its master file fully checked once: safe primes, g's order). */
export function fixture(bits: FixtureBits): { parameters: BcpParameters; master: BcpMasterKey } {
  let found = loaded.get(bits);
  if (found === undefined) {
    found = readMasterFile(join(FIXTURES, String(bits), 'master.json'));
    loaded.set(bits, found);
  }
  return found;
}

/** Right-to-left square-and-multiply: the textbook reference the fast paths are compared with. */
export function naivePow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n % modulus;
  let b = ((base % modulus) + modulus) % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
