import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Golden runs: the shipped scenarios at their own seeds must reproduce the
// stored strict baselines, so any change of physics, devices or control shows
// up here with the list of metrics that moved (see test/fixtures/README.md).
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'glucosim-golden-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function glucosim(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
}

describe('golden runs', () => {
  for (const name of ['randomised-10day', 'single-meal-1day']) {
    it(`${name} matches its baseline`, () => {
      const out = join(work, name);
      const run = glucosim('run', join('scenarios', `${name}.json`), '--out', out, '--quiet');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const check = glucosim('check', out, '--baseline', join('test', 'fixtures', 'golden', `${name}.baseline.json`));
      // On failure the message is check's own list of regressions: patient, metric, baseline → current.
      expect(check.stderr, check.stderr).toBe('');
      expect(check.status).toBe(0);
      expect(check.stdout).toMatch(/values within tolerance/);
    });
  }
});
