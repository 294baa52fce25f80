/**
 * BCP key files: versioned JSON, numbers as lower-case hexadecimal strings.
 *
 * ```json
 * { "format": "glucosim-bcp/1", "kind": "parameters", "bits": 2048, "n": "…", "g": "…" }
 * { "format": "glucosim-bcp/1", "kind": "master", "bits": 2048, "n": "…", "g": "…", "p": "…", "q": "…" }
 * { "format": "glucosim-bcp/1", "kind": "keypair", "bits": 2048, "n": "…", "secret": "…", "publicKey": "…" }
 * { "format": "glucosim-bcp/1", "kind": "public-key", "bits": 2048, "n": "…", "publicKey": "…" }
 * ```
 *
 * "parameters" is public (N, g: BCP §3.1 "Setup"); "master" is the KGC's
 * secret (the factors of N, which decrypt every user's ciphertexts, BCP
 * §3.2); "keypair" is one user's secret s and public key h = g^s mod N²
 * (§3.1), with the N of its system so that a key pair is never used with
 * other parameters; "public-key" is what a user hands out. Secret files are
 * written readable by their owner only (0600), and no key file is ever
 * overwritten. Errors are InputErrors naming the file and the field; a
 * secret value is never quoted.
 *
 * Checks when read: ranges always (N odd and of `bits` bits, g and h units
 * of Z_{N²}, s ∈ [1, N²/2]); for a master file also N = pq, p and q safe
 * primes, g of order pp′qq′ (~0.1 s at 2048 bits); for a key pair also
 * h = g^s (one exponentiation, ~70 ms at 2048 bits) unless
 * `checkPublicKey: false`.
 */
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator, type JsonSchema } from '../../io/schema.js';
import { bitLength, modPow } from './arith.js';
import { BcpInputError } from './errors.js';
import { assertPublicKey, bcpParameters, checkMasterKey, MIN_BCP_BITS } from './bcp.js';
import type { BcpKeyPair, BcpMasterKey, BcpParameters } from './types.js';

export const BCP_KEY_FORMAT = 'glucosim-bcp/1';

export type BcpKeyFileKind = 'parameters' | 'master' | 'keypair' | 'public-key';

const KINDS: readonly BcpKeyFileKind[] = ['parameters', 'master', 'keypair', 'public-key'];

/** Largest N a file may hold (bits): far above any use, it bounds the work a hostile file can cause. */
export const MAX_BCP_BITS = 16384;

const envelope = compileValidator<{ format: string; kind: BcpKeyFileKind }>({
  type: 'object',
  required: ['format', 'kind'],
  properties: {
    format: { const: BCP_KEY_FORMAT },
    kind: { enum: KINDS },
  },
});

/**
 * Per kind: the fields and no others. Numbers' schemas are empty: their form
 * is checked in code, because ajv's messages quote the value, and some of
 * them are secrets.
 */
const FIELDS: Record<BcpKeyFileKind, readonly string[]> = {
  parameters: ['n', 'g'],
  master: ['n', 'g', 'p', 'q'],
  keypair: ['n', 'secret', 'publicKey'],
  'public-key': ['n', 'publicKey'],
};

const SECRET_FIELDS = new Set(['p', 'q', 'secret']);

const validators = Object.fromEntries(
  KINDS.map((kind) => {
    const schema: JsonSchema = {
      type: 'object',
      required: ['format', 'kind', 'bits', ...FIELDS[kind]],
      additionalProperties: false,
      properties: {
        format: { const: BCP_KEY_FORMAT },
        kind: { const: kind },
        bits: { type: 'integer', minimum: MIN_BCP_BITS, maximum: MAX_BCP_BITS, multipleOf: 2 },
        ...Object.fromEntries(FIELDS[kind].map((f) => [f, {}])),
      },
    };
    return [kind, compileValidator<Record<string, unknown>>(schema)];
  }),
) as Record<BcpKeyFileKind, (json: unknown, file: string) => Record<string, unknown>>;

/** A number of the file: hexadecimal digits, at most what MAX_BCP_BITS² needs. */
function hexField(doc: Record<string, unknown>, field: string, file: string): bigint {
  const text = doc[field];
  if (typeof text !== 'string' || !/^[0-9a-fA-F]+$/.test(text)) {
    // Neither the value nor its type's details are quoted: it may be a secret.
    throw new InputError(file, field, `must be a string of hexadecimal digits${SECRET_FIELDS.has(field) ? '' : ` (got ${typeof text === 'string' ? 'other characters' : typeof text})`}`);
  }
  if (text.length > (2 * MAX_BCP_BITS) / 4) throw new InputError(file, field, `is longer than ${2 * MAX_BCP_BITS} bits`);
  return BigInt(`0x${text}`);
}

/** A BcpInputError of a check, as an InputError naming the file (its field names are the file's). */
function asInputError<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof BcpInputError) throw new InputError(file, err.field, err.reason);
    throw err;
  }
}

function checked(json: unknown, file: string, kinds: readonly BcpKeyFileKind[]): Record<string, unknown> {
  const { kind } = envelope(json, file);
  if (!kinds.includes(kind)) throw new InputError(file, 'kind', `must be ${kinds.map((k) => JSON.stringify(k)).join(' or ')} (got ${JSON.stringify(kind)}): this is a ${kind} file`);
  return validators[kind](json, file);
}

/** N of the file, checked against `bits`. */
function modulus(doc: Record<string, unknown>, file: string): bigint {
  const n = hexField(doc, 'n', file);
  const bits = doc.bits as number;
  if (bitLength(n) !== bits) throw new InputError(file, 'n', `has ${bitLength(n)} bits, not the ${bits} of field bits`);
  return n;
}

function parametersOf(doc: Record<string, unknown>, file: string): BcpParameters {
  const n = modulus(doc, file);
  const g = hexField(doc, 'g', file);
  return asInputError(file, () => bcpParameters(n, g));
}

/** The parameters of a "parameters" or "master" file (only the public part of the latter is read). */
export function parseParametersFile(json: unknown, file: string): BcpParameters {
  return parametersOf(checked(json, file, ['parameters', 'master']), file);
}

export interface MasterFileOptions {
  /** Check that p, q are safe primes and g has order pp′qq′ (default true; N = pq is always checked). */
  readonly verify?: boolean;
}

/** Parameters and master key of a "master" file. */
export function parseMasterFile(json: unknown, file: string, options: MasterFileOptions = {}): { parameters: BcpParameters; master: BcpMasterKey } {
  const doc = checked(json, file, ['master']);
  const master: BcpMasterKey = Object.freeze({ p: hexField(doc, 'p', file), q: hexField(doc, 'q', file) });
  // N = pq before g's checks, which are relative to N.
  if (master.p * master.q !== modulus(doc, file)) throw new InputError(file, 'n', 'is not p·q');
  const parameters = parametersOf(doc, file);
  if (options.verify ?? true) asInputError(file, () => checkMasterKey(parameters, master));
  return { parameters, master };
}

/** The N (and bits) of a key file must be the parameters': a key of another system is refused. */
function sameSystem(doc: Record<string, unknown>, file: string, parameters: BcpParameters): void {
  const n = modulus(doc, file);
  if (n !== parameters.n) throw new InputError(file, 'n', 'differs from the parameters\' N: this key belongs to another system');
}

export interface KeyPairFileOptions {
  /** Check h = g^s mod N² (default true; one exponentiation with a 2·bits-bit exponent, ~70 ms at 2048 bits). */
  readonly checkPublicKey?: boolean;
}

/** A user's key pair of a "keypair" file, for the given parameters. */
export function parseKeyPairFile(json: unknown, file: string, parameters: BcpParameters, options: KeyPairFileOptions = {}): BcpKeyPair {
  const doc = checked(json, file, ['keypair']);
  sameSystem(doc, file, parameters);
  const secret = hexField(doc, 'secret', file);
  if (secret < 1n || secret > parameters.nSquared / 2n) throw new InputError(file, 'secret', 'must be in [1, N²/2]');
  const publicKey = hexField(doc, 'publicKey', file);
  asInputError(file, () => assertPublicKey(parameters, publicKey));
  if ((options.checkPublicKey ?? true) && modPow(parameters.g, secret, parameters.nSquared) !== publicKey) {
    throw new InputError(file, 'publicKey', 'is not g^secret mod N²: the secret and the public key do not belong together');
  }
  return Object.freeze({ secret, publicKey });
}

/** A user's public key h of a "public-key" or "keypair" file (only h is read from the latter), for the given parameters. */
export function parsePublicKeyFile(json: unknown, file: string, parameters: BcpParameters): bigint {
  const doc = checked(json, file, ['public-key', 'keypair']);
  sameSystem(doc, file, parameters);
  const publicKey = hexField(doc, 'publicKey', file);
  return asInputError(file, () => assertPublicKey(parameters, publicKey));
}

const KEY_FILE = 'BCP key file';

export function readParametersFile(path: string): BcpParameters {
  return parseParametersFile(readJsonFile(path, KEY_FILE), path);
}

export function readMasterFile(path: string, options: MasterFileOptions = {}): { parameters: BcpParameters; master: BcpMasterKey } {
  return parseMasterFile(readJsonFile(path, KEY_FILE), path, options);
}

export function readKeyPairFile(path: string, parameters: BcpParameters, options: KeyPairFileOptions = {}): BcpKeyPair {
  return parseKeyPairFile(readJsonFile(path, KEY_FILE), path, parameters, options);
}

export function readPublicKeyFile(path: string, parameters: BcpParameters): bigint {
  return parsePublicKeyFile(readJsonFile(path, KEY_FILE), path, parameters);
}

const hex = (x: bigint) => x.toString(16);

function head(kind: BcpKeyFileKind, parameters: BcpParameters) {
  return { format: BCP_KEY_FORMAT, kind, bits: parameters.bits, n: hex(parameters.n) };
}

export function parametersJson(parameters: BcpParameters): Record<string, unknown> {
  return { ...head('parameters', parameters), g: hex(parameters.g) };
}

export function masterJson(parameters: BcpParameters, master: BcpMasterKey): Record<string, unknown> {
  return { ...head('master', parameters), g: hex(parameters.g), p: hex(master.p), q: hex(master.q) };
}

export function keyPairJson(parameters: BcpParameters, keyPair: BcpKeyPair): Record<string, unknown> {
  return { ...head('keypair', parameters), secret: hex(keyPair.secret), publicKey: hex(keyPair.publicKey) };
}

export function publicKeyJson(parameters: BcpParameters, publicKey: bigint): Record<string, unknown> {
  return { ...head('public-key', parameters), publicKey: hex(publicKey) };
}

/** Write a key file atomically; refused if it exists (keys are never overwritten). `secret`: mode 0600. */
function write(path: string, json: Record<string, unknown>, secret: boolean): void {
  if (existsSync(path)) throw new InputError(path, '', 'exists; key files are never overwritten');
  writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`, secret ? { mode: 0o600 } : {});
}

export function writeParametersFile(path: string, parameters: BcpParameters): void {
  write(path, parametersJson(parameters), false);
}

/** The KGC's secret: readable by its owner only. */
export function writeMasterFile(path: string, parameters: BcpParameters, master: BcpMasterKey): void {
  write(path, masterJson(parameters, master), true);
}

/** A user's secret key pair: readable by its owner only. */
export function writeKeyPairFile(path: string, parameters: BcpParameters, keyPair: BcpKeyPair): void {
  write(path, keyPairJson(parameters, keyPair), true);
}

export function writePublicKeyFile(path: string, parameters: BcpParameters, publicKey: bigint): void {
  write(path, publicKeyJson(parameters, publicKey), false);
}
