/**
 * `glucosim ppopi keygen` end to end on the built CLI (dist/, `npm run
 * build`): a new directory with parameters.json and master.json (0600) whose
 * keys pass the full check; progress on stderr; refusals in one line.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMasterFile, readParametersFile } from '../../src/privacy/bcp/keyFile.js';
import { expectInputFailure, listDir, makeTempDir, removeTempDirs, runCli } from './helpers.js';

afterAll(removeTempDirs);

describe('glucosim ppopi keygen', () => {
  const root = makeTempDir('ppopi-keygen');

  it('--bits 512 writes parameters.json and master.json (0600) into a new directory, with progress on stderr', () => {
    const out = join(root, 'kgc');
    const r = runCli(['ppopi', 'keygen', '--bits', '512', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(listDir(out)).toEqual(['master.json', 'parameters.json']);
    expect(statSync(join(out, 'master.json')).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    const { parameters, master } = readMasterFile(join(out, 'master.json'));
    expect(parameters.bits).toBe(512);
    expect(master.p * master.q).toBe(parameters.n);
    expect(readParametersFile(join(out, 'parameters.json'))).toEqual(parameters);
    expect(r.stdout).toMatch(/^BCP parameters with N of 512 bits, generated in \d+\.\d s:\n/);
    expect(r.stdout).toContain(join(out, 'parameters.json'));
    expect(r.stdout).toContain('2048 bits is the default');
    expect(r.stderr).toMatch(/ppopi keygen: searching for two 256-bit safe primes/);
    expect(r.stderr).toMatch(/ppopi keygen: g of order pp′qq′ found/);
    // Nothing else is left beside it (no temporary directory).
    expect(listDir(root)).toEqual(['kgc']);
  });

  it('refuses an existing directory, a size not offered and a repeated option, in one line, writing nothing', () => {
    const existing = join(root, 'existing');
    mkdirSync(existing);
    expectInputFailure(runCli(['ppopi', 'keygen', '--bits', '512', '--out', existing]), '--out: ', /already exists/);
    expect(listDir(existing)).toEqual([]);
    const fresh = join(root, 'never');
    expectInputFailure(runCli(['ppopi', 'keygen', '--bits', '100', '--out', fresh]), '--bits: ', /must be one of 512, 1024, 2048, 3072, 4096 \(got 100\)/);
    expectInputFailure(runCli(['ppopi', 'keygen', '--bits', '512', '--bits', '1024', '--out', fresh]), '--bits: ', /given 2 times/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('without a subcommand, asks for one', () => {
    const r = runCli(['ppopi']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/give a subcommand: .*keygen/);
  });
});
