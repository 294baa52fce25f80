/**
 * The "secret channel" over which PPOPI's key generation centre hands a
 * participant its task secrets (Chen & Ye 2025, §5.2 and §5.6): a hybrid
 * encryption to the recipient's BCP public key. A fresh key k ∈ Z_N is
 * BCP-encrypted to the recipient; AES-256-GCM under SHA-256(k) carries the
 * payload (a KEM/DEM pair, Cramer & Shoup 2003). Only the holder of the
 * recipient's secret key opens it; anyone else's key fails BCP decryption or
 * the GCM tag. It travels inside the TLS link as well, so a relaying party
 * never sees the payload.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decrypt, encrypt } from '../bcp/bcp.js';
import { BcpInputError } from '../bcp/errors.js';
import { randomBelow } from '../bcp/random.js';
import type { BcpCiphertext, BcpKeyPair, BcpParameters } from '../bcp/types.js';

export interface SealedBox {
  readonly kem: BcpCiphertext;
  /** 12-byte GCM nonce, hex. */
  readonly iv: string;
  /** AES-256-GCM ciphertext, hex. */
  readonly data: string;
  /** 16-byte GCM tag, hex. */
  readonly tag: string;
}

const KDF_LABEL = 'glucosim-ppopi-sealed-box/1';

function dataKey(k: bigint): Buffer {
  return createHash('sha256').update(KDF_LABEL).update(k.toString(16)).digest();
}

/** Seals `payload` to the holder of `recipientPublicKey`. */
export function seal(params: BcpParameters, recipientPublicKey: bigint, payload: Buffer): SealedBox {
  const k = randomBelow(params.n);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey(k), iv);
  const data = Buffer.concat([cipher.update(payload), cipher.final()]);
  return { kem: encrypt(params, recipientPublicKey, k), iv: iv.toString('hex'), data: data.toString('hex'), tag: cipher.getAuthTag().toString('hex') };
}

/** Opens a box with the recipient's key pair; throws when the box is not for this key or was altered. */
export function open(params: BcpParameters, keyPair: BcpKeyPair, box: SealedBox): Buffer {
  const k = decrypt(params, keyPair, box.kem);
  try {
    // The tag's full 16 bytes: without authTagLength, GCM accepts a tag cut to as few as 4 bytes (a 2^-32 forgery).
    const decipher = createDecipheriv('aes-256-gcm', dataKey(k), Buffer.from(box.iv, 'hex'), { authTagLength: 16 });
    decipher.setAuthTag(Buffer.from(box.tag, 'hex'));
    return Buffer.concat([decipher.update(Buffer.from(box.data, 'hex')), decipher.final()]);
  } catch {
    throw new BcpInputError('sealedBox', 'the box was altered or is not for this key');
  }
}
