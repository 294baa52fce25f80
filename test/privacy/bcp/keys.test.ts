/**
 * Key generation (BCP §3.1) at a small size — safe primes, N of the asked
 * length, g of order pp′qq′ — and the key files: round trips, mode 0600 for
 * secrets, no overwrite, and refusals naming the file and the field without
 * quoting a secret. Also the fixtures are what they say.
 */
import { checkPrimeSync, generatePrimeSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/io/errors.js';
import { bitLength, modPow } from '../../../src/privacy/bcp/arith.js';
import { bcpParameters, checkMasterKey, decrypt, encrypt, generateKeyPair, generateParameters, hasFullOrder } from '../../../src/privacy/bcp/bcp.js';
import {
  BCP_KEY_FORMAT,
  keyPairJson,
  masterJson,
  parametersJson,
  parseKeyPairFile,
  parseMasterFile,
  parseParametersFile,
  parsePublicKeyFile,
  publicKeyJson,
  readKeyPairFile,
  readMasterFile,
  readParametersFile,
  readPublicKeyFile,
  writeKeyPairFile,
  writeMasterFile,
  writeParametersFile,
  writePublicKeyFile,
} from '../../../src/privacy/bcp/keyFile.js';
import { fixture, FIXTURES } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-bcp-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The InputError `run` throws; fails the test otherwise. */
function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('generateParameters', () => {
  it('256 bits: distinct safe primes of 128 bits, N of 256 bits, g a square of order pp′qq′', async () => {
    const progress: string[] = [];
    const { parameters, master } = await generateParameters(256, { onProgress: (line) => progress.push(line) });
    const { p, q } = master;
    const [pp, qp] = [(p - 1n) / 2n, (q - 1n) / 2n];
    expect(p).not.toBe(q);
    for (const x of [p, pp, q, qp]) expect(checkPrimeSync(x)).toBe(true);
    expect([bitLength(p), bitLength(q), bitLength(parameters.n), parameters.bits]).toEqual([128, 128, 256, 256]);
    expect(parameters.n).toBe(p * q);
    expect(parameters.nSquared).toBe(parameters.n ** 2n);
    const order = p * pp * q * qp;
    const { g, nSquared } = parameters;
    expect(modPow(g, order, nSquared)).toBe(1n);
    for (const x of [p, pp, q, qp]) expect(modPow(g, order / x, nSquared)).not.toBe(1n);
    expect(hasFullOrder(g, master)).toBe(true);
    expect(() => checkMasterKey(parameters, master)).not.toThrow();
    expect(progress.length).toBeGreaterThanOrEqual(3);
    // The keys work.
    const keyPair = generateKeyPair(parameters);
    expect(decrypt(parameters, keyPair, encrypt(parameters, keyPair.publicKey, 12345n))).toBe(12345n);
  });

  it('hasFullOrder refuses elements of smaller order or outside QR_{N²}', () => {
    const { parameters, master } = fixture(512);
    const { g, nSquared } = parameters;
    expect(hasFullOrder(g, master)).toBe(true);
    expect(hasFullOrder(modPow(g, master.p, nSquared), master)).toBe(false);
    expect(hasFullOrder(modPow(g, (master.q - 1n) / 2n, nSquared), master)).toBe(false);
    expect(hasFullOrder((g * (nSquared - 1n)) % nSquared, master)).toBe(false);
    expect(hasFullOrder(1n, master)).toBe(false);
  });

  it('refuses odd, tiny or fractional sizes', async () => {
    for (const bits of [255, 32, 100.5]) await expect(generateParameters(bits)).rejects.toThrow(RangeError);
  });
});

describe('the fixtures', () => {
  it.each([512, 1024, 2048] as const)('%i bits: a parameters file equal to its master file\'s public part, checked in full', (bits) => {
    const { parameters } = fixture(bits);
    expect(parameters.bits).toBe(bits);
    expect(readParametersFile(join(FIXTURES, String(bits), 'parameters.json'))).toEqual(parameters);
  });
});

describe('key files', () => {
  const { parameters, master } = fixture(512);
  const keyPair = generateKeyPair(parameters);

  it('round trip of every kind; secrets are written 0600; no file is overwritten', () => {
    const at = (name: string) => join(dir, `rt-${name}`);
    writeParametersFile(at('parameters.json'), parameters);
    writeMasterFile(at('master.json'), parameters, master);
    writeKeyPairFile(at('keypair.json'), parameters, keyPair);
    writePublicKeyFile(at('public.json'), parameters, keyPair.publicKey);
    expect(readParametersFile(at('parameters.json'))).toEqual(parameters);
    expect(readParametersFile(at('master.json'))).toEqual(parameters);
    expect(readMasterFile(at('master.json'))).toEqual({ parameters, master });
    expect(readKeyPairFile(at('keypair.json'), parameters)).toEqual(keyPair);
    expect(readPublicKeyFile(at('public.json'), parameters)).toBe(keyPair.publicKey);
    expect(readPublicKeyFile(at('keypair.json'), parameters)).toBe(keyPair.publicKey);
    expect(statSync(at('master.json')).mode & 0o777).toBe(0o600);
    expect(statSync(at('keypair.json')).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(at('parameters.json'), 'utf8'));
    expect(doc).toEqual({ format: BCP_KEY_FORMAT, kind: 'parameters', bits: 512, n: parameters.n.toString(16), g: parameters.g.toString(16) });
    const err = inputError(() => writeMasterFile(at('master.json'), parameters, master));
    expect(err.message).toMatch(/exists; key files are never overwritten/);
  });

  const file = 'keys.json';
  const secretHexes = [master.p.toString(16), master.q.toString(16), keyPair.secret.toString(16)];
  /** The error of parsing a changed master file: names the field, quotes no secret. */
  const masterError = (change: (doc: Record<string, unknown>) => void) => {
    const doc = masterJson(parameters, master);
    change(doc);
    const err = inputError(() => parseMasterFile(doc, file));
    for (const secret of secretHexes) expect(err.message).not.toContain(secret);
    expect(err.message.startsWith(`${file}: `)).toBe(true);
    return err;
  };

  it('master files: wrong format or kind, missing field, n ≠ pq, g out of range, non-hex, unknown field', () => {
    expect(masterError((d) => (d.format = 'glucosim-bcp/2')).field).toBe('format');
    const kind = inputError(() => parseMasterFile(parametersJson(parameters), file));
    expect([kind.field, kind.reason]).toEqual(['kind', 'must be "master" (got "parameters"): this is a parameters file']);
    expect(masterError((d) => delete d.g)).toMatchObject({ field: 'g', reason: 'required field is missing' });
    expect(masterError((d) => delete d.q)).toMatchObject({ field: 'q', reason: 'required field is missing' });
    expect(masterError((d) => (d.n = (parameters.n + 2n).toString(16)))).toMatchObject({ field: 'n', reason: 'is not p·q' });
    expect(masterError((d) => (d.g = parameters.nSquared.toString(16)))).toMatchObject({ field: 'g', reason: 'must be in [1, N²) (got a number ≥ N²)' });
    expect(masterError((d) => (d.g = '0')).field).toBe('g');
    expect(masterError((d) => (d.g = master.p.toString(16))).reason).toBe('must be coprime to N');
    expect(masterError((d) => (d.p = `${master.p.toString(16)}xyz`))).toMatchObject({ field: 'p', reason: 'must be a string of hexadecimal digits' });
    expect(masterError((d) => (d.q = Number(master.q % 1000n)))).toMatchObject({ field: 'q', reason: 'must be a string of hexadecimal digits' });
    expect(masterError((d) => (d.bits = 1024))).toMatchObject({ field: 'n', reason: 'has 512 bits, not the 1024 of field bits' });
    expect(masterError((d) => (d.extra = 1)).field).toBe('extra');
    expect(masterError((d) => (d.g = modPow(parameters.g, master.p, parameters.nSquared).toString(16))).reason).toBe(
      'does not have order pp′qq′ (it must be a square of maximal order in Z*_{N²})',
    );
  });

  it('master files: p and q that are primes but not safe primes are refused', () => {
    // Two 128-bit primes that are not safe (p − 1 = 2·p′ with p′ composite, as almost every prime has).
    let p: bigint;
    let q: bigint;
    do {
      p = generatePrimeSync(128, { bigint: true });
      q = generatePrimeSync(128, { bigint: true });
    } while (checkPrimeSync((p - 1n) / 2n) || bitLength(p * q) !== 256);
    const fake = bcpParameters(p * q, 4n);
    const err = inputError(() => parseMasterFile(masterJson(fake, { p, q }), file));
    expect(err.field).toBe('p');
    expect(err.reason).toBe('is not a safe prime (p and (p − 1)/2 must both be prime)');
    expect(err.message).not.toContain(p.toString(16));
  });

  it('key pair files: another system, secret out of range, a public key not g^s; the secret is never quoted', () => {
    const other = fixture(1024);
    const otherPair = generateKeyPair(other.parameters);
    const foreign = inputError(() => parseKeyPairFile(keyPairJson(other.parameters, otherPair), file, parameters));
    expect([foreign.field, foreign.reason]).toEqual(['n', "differs from the parameters' N: this key belongs to another system"]);
    const withSecret = (secret: string) => ({ ...keyPairJson(parameters, keyPair), secret });
    const tooBig = (parameters.nSquared / 2n + 1n).toString(16);
    const range = inputError(() => parseKeyPairFile(withSecret(tooBig), file, parameters));
    expect([range.field, range.reason]).toEqual(['secret', 'must be in [1, N²/2]']);
    expect(range.message).not.toContain(tooBig);
    const notHex = inputError(() => parseKeyPairFile(withSecret('s3cr3t'), file, parameters));
    expect(notHex.message).toBe(`${file}: secret: must be a string of hexadecimal digits`);
    const mismatch = inputError(() => parseKeyPairFile({ ...keyPairJson(parameters, keyPair), publicKey: generateKeyPair(parameters).publicKey.toString(16) }, file, parameters));
    expect(mismatch.field).toBe('publicKey');
    expect(mismatch.message).not.toContain(keyPair.secret.toString(16));
    // Unchecked on request (the range checks stay).
    expect(() => parseKeyPairFile({ ...keyPairJson(parameters, keyPair), publicKey: '2' }, file, parameters, { checkPublicKey: false })).not.toThrow();
    expect(inputError(() => parseKeyPairFile({ ...keyPairJson(parameters, keyPair), publicKey: '0' }, file, parameters, { checkPublicKey: false })).field).toBe('publicKey');
  });

  it('public-key and parameters files: kind and range checks', () => {
    expect(inputError(() => parsePublicKeyFile(parametersJson(parameters), file, parameters)).field).toBe('kind');
    expect(inputError(() => parsePublicKeyFile({ ...publicKeyJson(parameters, keyPair.publicKey), publicKey: master.q.toString(16) }, file, parameters)).reason).toBe('must be coprime to N');
    expect(inputError(() => parseParametersFile(keyPairJson(parameters, keyPair), file)).field).toBe('kind');
    expect(inputError(() => parseParametersFile({ ...parametersJson(parameters), bits: 513 }, file)).field).toBe('bits');
    expect(inputError(() => parseParametersFile({ ...parametersJson(parameters), n: (parameters.n * 2n).toString(16), bits: 514 }, file)).field).toBe('n');
    expect(inputError(() => parseParametersFile({ kind: 'parameters' }, file)).field).toBe('format');
  });

  it('reading a file that is not JSON names the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "format": ');
    expect(inputError(() => readParametersFile(path)).message).toMatch(/^.*broken\.json: invalid JSON/);
  });
});
