/** SHA-256 of files and of texts (node:crypto), read in chunks so a year-long trace never sits in memory whole. */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

export interface FileChecksum {
  readonly bytes: number;
  /** SHA-256, lower-case hex. */
  readonly sha256: string;
}

const CHUNK_BYTES = 1 << 20;

export function fileChecksum(path: string): FileChecksum {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (let n; (n = readSync(fd, buffer, 0, CHUNK_BYTES, null)) > 0; bytes += n) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

export function textChecksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
