/**
 * The BCP cryptosystem's values (Bresson, Catalano & Pointcheval 2003, §3:
 * "A simple public-key cryptosystem with a double trapdoor decryption
 * mechanism"), as PPOPI uses it (Chen & Ye 2025, §3.3): an additively
 * homomorphic scheme over Z_{N²}, N = pq with p, q safe primes, whose
 * ciphertexts decrypt with a user's secret exponent or, for every user at
 * once, with the factors of N (the master key). All values are BigInt.
 */

/** Public parameters shared by every key of one system (BCP §3.1 "Setup"). */
export interface BcpParameters {
  /** N = pq, the plaintext modulus; messages live in Z_N. */
  readonly n: bigint;
  /** N², the ciphertext modulus. */
  readonly nSquared: bigint;
  /** g ∈ QR_{N²} of order pp′qq′ (so that g^{p′q′} = 1 + kN with k ≠ 0 mod N). */
  readonly g: bigint;
  /** Bit length of N (512, 1024, 2048, …). */
  readonly bits: number;
}

/** The master key: the safe primes p = 2p′ + 1, q = 2q′ + 1 with N = pq (BCP §3.2). */
export interface BcpMasterKey {
  readonly p: bigint;
  readonly q: bigint;
}

/** A user's key pair: secret exponent s ∈ [1, N²/2] and public key h = g^s mod N² (BCP §3.1 "Key generation"). */
export interface BcpKeyPair {
  readonly secret: bigint;
  readonly publicKey: bigint;
}

/** A BCP ciphertext (A, B) = (g^r mod N², h^r (1 + mN) mod N²) (BCP §3.1, PPOPI eq. 3). */
export interface BcpCiphertext {
  readonly a: bigint;
  readonly b: bigint;
}

/**
 * The Catalano–Fiore form of a message m (Catalano & Fiore 2015, §3; PPOPI
 * §3.3 eq. 7): a random mask b ∈ Z_N, the public part m − b mod N, and a BCP
 * encryption of b.
 */
export interface CfCiphertext {
  /** m − b mod N. */
  readonly masked: bigint;
  /** Enc(b). */
  readonly mask: BcpCiphertext;
}
