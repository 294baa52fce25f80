/**
 * Ring elements (Z_2^64 words) as frame payloads: little-endian u64, 8 bytes
 * a word, whatever the host's byte order. On a little-endian host (every
 * platform Node ships for but s390x/ppc64be) a typed array's bytes already
 * are that, so both directions are one copy.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The payload bytes of `words` (a copy: the caller may reuse its array). */
export function wordsToBytes(words: BigUint64Array): Buffer {
  const out = Buffer.allocUnsafe(words.length * 8);
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  } else {
    for (let i = 0; i < words.length; i++) out.writeBigUInt64LE(words[i]!, i * 8);
  }
  return out;
}

/** The words of a payload; its length must be a multiple of 8 (checked by the caller, who knows what to name). */
export function bytesToWords(bytes: Uint8Array): BigUint64Array {
  if (bytes.length % 8 !== 0) throw new RangeError(`a payload of ${bytes.length} bytes is not a whole number of 8-byte words`);
  const words = new BigUint64Array(bytes.length / 8);
  if (LITTLE_ENDIAN_HOST) {
    // Copied into the new array's own (aligned) buffer: a frame's payload may start at any offset.
    new Uint8Array(words.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < words.length; i++) words[i] = view.getBigUint64(i * 8, true);
  }
  return words;
}
