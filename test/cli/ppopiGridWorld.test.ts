/**
 * `glucosim ppopi gridworld` end to end on the built CLI: the same mazes
 * learned in the clear and over encrypted records (PPOPI) take the same
 * decisions, hence the same iterations and best paths; Table 2 and
 * Figure 3 written; a key directory of another size refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectInputFailure, listDir, makeTempDir, removeTempDirs, ROOT as PROJECT, runCli } from './helpers.js';

afterAll(removeTempDirs);

const FIXTURE_KEYS_512 = join(PROJECT, 'test', 'fixtures', 'bcp', '512');

describe('glucosim ppopi gridworld', () => {
  const root = makeTempDir('ppopi-gridworld');
  const shipped = JSON.parse(readFileSync(join(PROJECT, 'experiments', 'ppopi-gridworld.json'), 'utf8'));
  const experiment = join(root, 'gridworld-512.json');
  writeFileSync(experiment, JSON.stringify({ ...shipped, name: 'gridworld-512', keyBits: 512 }));

  it('learns 3 of the shipped mazes encrypted and in the clear with identical decisions', () => {
    const out = join(root, 'out');
    const r = runCli(['ppopi', 'gridworld', experiment, '--mazes', '3', '--keys', FIXTURE_KEYS_512, '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(listDir(out)).toEqual(['figure3.svg', 'rounds.csv', 'table2.json', 'table2.md']);
    const table = JSON.parse(readFileSync(join(out, 'table2.json'), 'utf8'));
    expect(table.decisionsIdentical).toBe(true);
    const [encrypted, plain] = ['encrypted', 'plain'].map((mode) => table.summaries.find((s: { mode: string }) => s.mode === mode));
    expect(encrypted.converged).toBe(3);
    expect(encrypted.meanIterations).toBe(plain.meanIterations);
    expect(encrypted.meanBestPathSteps).toBe(plain.meanBestPathSteps);
    expect(encrypted.meanBestPathSteps).toBe(encrypted.meanShortestSteps);
    expect(r.stdout).toContain('decisions identical in plain and encrypted: yes');
    expect(readFileSync(join(out, 'figure3.svg'), 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*encrypted[\s\S]*<\/svg>\n?$/);
  }, 120_000);

  it('refuses keys of another size than the experiment names, writing nothing', () => {
    const out = join(root, 'refused');
    expectInputFailure(runCli(['ppopi', 'gridworld', join(PROJECT, 'experiments', 'ppopi-gridworld.json'), '--mazes', '1', '--keys', FIXTURE_KEYS_512, '--out', out]), '--keys: ', /512 bits, the experiment's keyBits is 1024/);
    expect(listDir(root)).not.toContain('refused');
  });
});
