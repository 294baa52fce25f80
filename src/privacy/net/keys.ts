/**
 * Pre-shared keys of the OIDPR links: one key per pair of parties that talk
 * (ES0–ES1, each edge server with the dealer, each patient with each edge
 * server), and one file per party holding its own identity and the keys of
 * its links:
 *
 * ```json
 * { "format": "glucosim-psk/1", "identity": "es0",
 *   "keys": { "es1": "<64 hex>", "hcp": "<64 hex>" } }
 * ```
 *
 * A key belongs to one pair only, so completing a TLS-PSK handshake with it
 * proves to each side that the other is the one party that shares it. Keys
 * are drawn with node:crypto's randomBytes (32 bytes each).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator } from '../../io/schema.js';

export const PSK_KEY_FORMAT = 'glucosim-psk/1';
/** Bytes of every key (AES-256 strength; TLS derives its traffic keys from it). */
export const PSK_KEY_BYTES = 32;
/**
 * Identities: short names that are safe in a file name and a TLS PSK
 * identity (patients' names such as `adult#001` included).
 */
export const IDENTITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._#-]{0,63}$/;

/** A key file as stored. */
export interface PskKeyFile {
  readonly format: typeof PSK_KEY_FORMAT;
  readonly identity: string;
  /** Peer identity → its link's key, 64 lower-case hex characters. */
  readonly keys: Readonly<Record<string, string>>;
}

/** A party's keys, checked and decoded. */
export interface PskKeys {
  readonly identity: string;
  /** The identities this party shares a key with. */
  readonly peers: readonly string[];
  /** The key of the link with `peer`, or undefined if there is none. */
  keyFor(peer: string): Buffer | undefined;
}

const validateFile = compileValidator<PskKeyFile>({
  type: 'object',
  required: ['format', 'identity', 'keys'],
  additionalProperties: false,
  properties: {
    format: { const: PSK_KEY_FORMAT },
    identity: { type: 'string', minLength: 1 },
    // The keys' hex form is checked below, not by a schema pattern: ajv's
    // message would quote the value, and a mistyped key is still a secret.
    keys: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
  },
});

/** Why `name` cannot be an identity, or undefined. */
export function identityProblem(name: string): string | undefined {
  return IDENTITY_PATTERN.test(name)
    ? undefined
    : `${JSON.stringify(name)} is not an identity: 1–64 characters of letters, digits and . _ # -, starting with a letter or digit`;
}

/** Constant-time comparison of two keys (false if their lengths differ). */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Check a key file's content and decode it; errors are InputErrors naming
 * `file` and the field (`keys.es1: must be 64 hexadecimal characters …`).
 */
export function parsePskKeys(json: unknown, file: string): PskKeys {
  const doc = validateFile(json, file);
  const own = identityProblem(doc.identity);
  if (own) throw new InputError(file, 'identity', own);
  const keys = new Map<string, Buffer>();
  for (const [peer, hex] of Object.entries(doc.keys)) {
    const field = `keys.${peer}`;
    const bad = identityProblem(peer);
    if (bad) throw new InputError(file, field, bad);
    if (peer === doc.identity) throw new InputError(file, field, 'is the file\'s own identity: a party has no link with itself');
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new InputError(file, field, `must be ${PSK_KEY_BYTES * 2} hexadecimal characters (${PSK_KEY_BYTES} bytes); it has ${hex.length} characters${/^[0-9a-fA-F]*$/.test(hex) ? '' : ', not all of them hexadecimal'}`);
    }
    const key = Buffer.from(hex, 'hex');
    // One key per link: a peer that knew another link's key could pose as that link's peer.
    for (const [other, otherKey] of keys) {
      if (sameKey(key, otherKey)) throw new InputError(file, field, `is the same key as keys.${other}: every link needs its own key`);
    }
    keys.set(peer, key);
  }
  return { identity: doc.identity, peers: [...keys.keys()], keyFor: (peer) => keys.get(peer) };
}

/** Read and check a key file (`what` in messages: "PSK key file"). */
export function readPskKeyFile(path: string): PskKeys {
  return parsePskKeys(readJsonFile(path, 'PSK key file'), path);
}

/**
 * Fresh keys for a deployment: a key for every link (by default every pair
 * of `identities`; patients need only `links` to the two edge servers) and
 * the key file of every identity, in the order given.
 */
export function generatePskKeys(identities: readonly string[], links?: readonly (readonly [string, string])[]): Map<string, PskKeyFile> {
  const known = new Set<string>();
  for (const id of identities) {
    const bad = identityProblem(id);
    if (bad) throw new RangeError(bad);
    if (known.has(id)) throw new RangeError(`identity ${JSON.stringify(id)} is listed twice`);
    known.add(id);
  }
  const pairs = links ?? identities.flatMap((a, i) => identities.slice(i + 1).map((b) => [a, b] as const));
  const keys = new Map<string, Record<string, string>>(identities.map((id) => [id, {}]));
  for (const [a, b] of pairs) {
    for (const end of [a, b]) if (!known.has(end)) throw new RangeError(`link ${a}–${b}: ${JSON.stringify(end)} is not among the identities`);
    if (a === b) throw new RangeError(`link ${a}–${b}: a party has no link with itself`);
    if (keys.get(a)![b] !== undefined) throw new RangeError(`link ${a}–${b} is listed twice`);
    const hex = randomBytes(PSK_KEY_BYTES).toString('hex');
    keys.get(a)![b] = hex;
    keys.get(b)![a] = hex;
  }
  const files = new Map<string, PskKeyFile>();
  for (const id of identities) {
    const own = keys.get(id)!;
    if (Object.keys(own).length === 0) throw new RangeError(`identity ${JSON.stringify(id)} has no link`);
    files.set(id, { format: PSK_KEY_FORMAT, identity: id, keys: own });
  }
  return files;
}

/**
 * Write each key file as `<dir>/<identity>.psk.json`, readable by its owner
 * only (0600, in a 0700 directory if it is created); an existing file is
 * never overwritten, unless `replace` (`privacy keygen --force`): then each
 * file is replaced atomically. Returns the paths written.
 */
export function writePskKeyFiles(dir: string, files: ReadonlyMap<string, PskKeyFile>, options: { readonly replace?: boolean } = {}): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const [identity, file] of files) {
    const path = join(dir, `${identity}.psk.json`);
    const text = JSON.stringify(file, null, 2) + '\n';
    if (options.replace) writeFileAtomic(path, text, { mode: 0o600 });
    else writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    written.push(path);
  }
  return written;
}
