/**
 * Key files: one per party, a key per link drawn from node:crypto, written
 * owner-only; reading them refuses every flaw by file and field, without
 * quoting key material.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/io/errors.js';
import { generatePskKeys, parsePskKeys, PSK_KEY_FORMAT, readPskKeyFile, sameKey, writePskKeyFiles } from '../../../src/privacy/net/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-psk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEX = 'ab'.repeat(32);

function inputError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('PSK key files', () => {
  it('generates one file per identity, both ends of a link holding the same fresh 32-byte key', () => {
    const files = generatePskKeys(['es0', 'es1', 'hcp']);
    expect([...files.keys()]).toEqual(['es0', 'es1', 'hcp']);
    const es0 = files.get('es0')!;
    expect(es0.format).toBe(PSK_KEY_FORMAT);
    expect(Object.keys(es0.keys)).toEqual(['es1', 'hcp']);
    expect(es0.keys.es1).toMatch(/^[0-9a-f]{64}$/);
    expect(files.get('es1')!.keys.es0).toBe(es0.keys.es1);
    expect(files.get('hcp')!.keys.es0).toBe(es0.keys.hcp);
    expect(es0.keys.es1).not.toBe(es0.keys.hcp);
    // Fresh each time.
    expect(generatePskKeys(['es0', 'es1']).get('es0')!.keys.es1).not.toBe(generatePskKeys(['es0', 'es1']).get('es0')!.keys.es1);
  });

  it('patients get only the links they are given', () => {
    const files = generatePskKeys(['es0', 'es1', 'hcp', 'adult#001'], [['es0', 'es1'], ['es0', 'hcp'], ['es1', 'hcp'], ['adult#001', 'es0'], ['adult#001', 'es1']]);
    expect(Object.keys(files.get('adult#001')!.keys)).toEqual(['es0', 'es1']);
    expect(Object.keys(files.get('hcp')!.keys)).toEqual(['es0', 'es1']);
    expect(() => generatePskKeys(['a', 'b', 'c'], [['a', 'b']])).toThrow('identity "c" has no link');
    expect(() => generatePskKeys(['a', 'b'], [['a', 'x']])).toThrow('"x" is not among the identities');
    expect(() => generatePskKeys(['a', 'b'], [['a', 'b'], ['b', 'a']])).toThrow('listed twice');
    expect(() => generatePskKeys(['a', 'a'])).toThrow('listed twice');
    expect(() => generatePskKeys(['a/b', 'c'])).toThrow('is not an identity');
  });

  it('writes owner-only files, never over an existing one, and reads them back', () => {
    const paths = writePskKeyFiles(join(dir, 'keys'), generatePskKeys(['es0', 'es1']));
    expect(paths).toEqual([join(dir, 'keys', 'es0.psk.json'), join(dir, 'keys', 'es1.psk.json')]);
    expect(statSync(paths[0]!).mode & 0o777).toBe(0o600);
    const es0 = readPskKeyFile(paths[0]!);
    const es1 = readPskKeyFile(paths[1]!);
    expect(es0.identity).toBe('es0');
    expect(es0.peers).toEqual(['es1']);
    expect(sameKey(es0.keyFor('es1')!, es1.keyFor('es0')!)).toBe(true);
    expect(es0.keyFor('hcp')).toBeUndefined();
    expect(() => writePskKeyFiles(join(dir, 'keys'), generatePskKeys(['es0', 'es1']))).toThrow(/EEXIST/);
    // The file on disk is unchanged.
    expect(readPskKeyFile(paths[0]!).keyFor('es1')).toEqual(es0.keyFor('es1'));
  });

  it('sameKey compares in constant time and is false for different lengths', () => {
    expect(sameKey(Buffer.alloc(32, 1), Buffer.alloc(32, 1))).toBe(true);
    expect(sameKey(Buffer.alloc(32, 1), Buffer.alloc(32, 2))).toBe(false);
    expect(sameKey(Buffer.alloc(32, 1), Buffer.alloc(31, 1))).toBe(false);
  });

  describe('a bad file is refused naming the file and the field', () => {
    const f = 'es0.psk.json';
    const doc = (over: Record<string, unknown>) => ({ format: PSK_KEY_FORMAT, identity: 'es0', keys: { es1: HEX }, ...over });

    it('schema errors', () => {
      expect(inputError(() => parsePskKeys(doc({ format: 'x' }), f))).toBe('es0.psk.json: format: must be "glucosim-psk/1" (got "x")');
      expect(inputError(() => parsePskKeys({ format: PSK_KEY_FORMAT, keys: {} }, f))).toMatch(/^es0\.psk\.json: (identity: required field is missing|keys: )/);
      expect(inputError(() => parsePskKeys(doc({ extra: 1 }), f))).toBe('es0.psk.json: extra: unknown property (allowed: format, identity, keys)');
      expect(inputError(() => parsePskKeys(doc({ keys: {} }), f))).toMatch(/^es0\.psk\.json: keys: /);
      expect(inputError(() => parsePskKeys(doc({ keys: { es1: 7 } }), f))).toBe('es0.psk.json: keys.es1: must be string (got 7)');
    });

    it('identities', () => {
      expect(inputError(() => parsePskKeys(doc({ identity: 'bad name' }), f))).toMatch(/^es0\.psk\.json: identity: "bad name" is not an identity/);
      expect(inputError(() => parsePskKeys(doc({ keys: { 'x/y': HEX } }), f))).toMatch(/^es0\.psk\.json: keys\.x\/y: "x\/y" is not an identity/);
      expect(inputError(() => parsePskKeys(doc({ keys: { es0: HEX } }), f))).toBe("es0.psk.json: keys.es0: is the file's own identity: a party has no link with itself");
    });

    it('a key that is not 64 hex characters, without quoting it', () => {
      const short = HEX.slice(0, 63);
      const message = inputError(() => parsePskKeys(doc({ keys: { es1: short } }), f));
      expect(message).toBe('es0.psk.json: keys.es1: must be 64 hexadecimal characters (32 bytes); it has 63 characters');
      expect(message).not.toContain(short);
      expect(inputError(() => parsePskKeys(doc({ keys: { es1: 'zz' + HEX.slice(2) } }), f))).toMatch(/it has 64 characters, not all of them hexadecimal$/);
    });

    it('the same key on two links', () => {
      expect(inputError(() => parsePskKeys(doc({ keys: { es1: HEX, hcp: HEX.toUpperCase() } }), f))).toBe('es0.psk.json: keys.hcp: is the same key as keys.es1: every link needs its own key');
    });

    it('missing file and bad JSON', () => {
      expect(inputError(() => readPskKeyFile(join(dir, 'nope.json')))).toBe(`${join(dir, 'nope.json')}: file not found`);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"format": ');
      expect(inputError(() => readPskKeyFile(broken))).toMatch(/broken\.json: invalid JSON at line 1/);
      expect(readFileSync(broken, 'utf8')).toBe('{"format": ');
    });
  });
});
