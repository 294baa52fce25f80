/**
 * A BCP value refused at the API: a ciphertext component, a message, a key
 * or a scalar that is not what the scheme is defined on. One line naming the
 * field (`ciphertext.a`, `message`, `keyPair.secret`) and what is wrong;
 * the value itself is never quoted (it may be a secret, and is hundreds of
 * digits long anyway). Values read from a file are refused as InputError
 * (src/io/errors.ts) instead, naming the file.
 */
export class BcpInputError extends Error {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'BcpInputError';
    this.field = field;
    this.reason = reason;
  }
}

/**
 * Decryption found no plaintext: B·A^{−s} mod N² is not ≡ 1 mod N, which is
 * what a ciphertext made under another public key (or not made by BCP
 * encryption at all) gives under this secret key (Bresson, Catalano &
 * Pointcheval 2003, §3.1: only h^r(1 + mN)·g^{−rs} = 1 + mN has that form).
 */
export class BcpDecryptionError extends BcpInputError {
  constructor(field: string) {
    super(field, 'not a ciphertext under this key (B·A^(−s) mod N² is not 1 mod N)');
    this.name = 'BcpDecryptionError';
  }
}
