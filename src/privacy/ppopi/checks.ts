/**
 * Checks of values a PPOPI party receives from another (bad input gets a
 * PpopiRefusal naming the party and the field, never the value): group
 * elements of Z*_{N²}, Catalano–Fiore ciphertexts, proofs.
 */
import { gcd } from '../bcp/arith.js';
import type { BcpParameters } from '../bcp/types.js';
import { PpopiRefusal, type UploadedValue } from './messages.js';

/**
 * x must be an integer in [1, N²). Whether it is also a unit (coprime to N)
 * is not checked here: a gcd with N costs as much as ~100 multiplications at
 * 2048 bits, on every value, and a component sharing a factor with N (which
 * only a holder of that factor could make) fails the KGC's decryption
 * (B·A^{−s} is then 0 modulo p² or q², not 1 mod N) and is refused there.
 */
export function checkGroupElement(party: string, field: string, x: unknown, params: BcpParameters): asserts x is bigint {
  if (typeof x !== 'bigint') throw new PpopiRefusal(party, field, 'is not an integer');
  if (x < 1n || x >= params.nSquared) throw new PpopiRefusal(party, field, 'is outside Z_{N²} (must be in [1, N²))');
}

/** An uploaded value: (m − b ∈ [0, N), (A, B) ∈ Z*_{N²}²) and a 32-byte hex proof. */
export function checkUploadedValue(party: string, field: string, value: UploadedValue, params: BcpParameters): void {
  const masked = value?.ciphertext?.masked;
  if (typeof masked !== 'bigint' || masked < 0n || masked >= params.n) throw new PpopiRefusal(party, `${field}.masked`, 'must be an integer in [0, N)');
  checkGroupElement(party, `${field}.mask.a`, value.ciphertext.mask?.a, params);
  checkGroupElement(party, `${field}.mask.b`, value.ciphertext.mask?.b, params);
  if (typeof value.proof !== 'string' || !/^[0-9a-f]{64}$/.test(value.proof)) throw new PpopiRefusal(party, `${field}.proof`, 'must be 64 hex digits');
}

/**
 * A negotiation parameter or an authorisation must also be a unit: one that
 * shares a factor with N (N itself, say, which is public) would make g^r or
 * the conversion factor non-invertible and the task unusable. One gcd per
 * user and task, unlike the per-value checks above.
 */
export function checkUnit(party: string, field: string, x: unknown, params: BcpParameters): asserts x is bigint {
  checkGroupElement(party, field, x, params);
  if (gcd(x, params.n) !== 1n) throw new PpopiRefusal(party, field, 'shares a factor with N (not a unit of Z_{N²})');
}
