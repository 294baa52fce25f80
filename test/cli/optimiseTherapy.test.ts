/**
 * `glucosim optimise-therapy` end to end (the built CLI): it writes the CSV
 * atomically once every patient is done, reproduces the shipped rows, refuses
 * an existing output without --force and bad arguments with exit 2 and one
 * line, and a stop leaves nothing behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIMISED_THERAPY_COLUMNS } from '../../src/cohort/optimisedTherapy.js';
import { CLI, expectInputFailure, makeTempDir, removeTempDirs, ROOT, runCli } from './helpers.js';

afterAll(removeTempDirs);

const SHIPPED = readFileSync(join(ROOT, 'patients', 'uva-padova-s2008', 'optimised-therapy.csv'), 'utf8').split('\n');
const shippedLine = (name: string) => SHIPPED.find((l) => l.startsWith(`${name},`));

describe('glucosim optimise-therapy', () => {
  const dir = makeTempDir('optimise');
  const out = join(dir, 'optimised.csv');
  const first = runCli(['optimise-therapy', '--cohort', 'adult#001,child#010', '--out', out, '--workers', '2'], 120_000);

  it('writes the rows of the shipped file for the patients asked, with progress and a summary on stderr', () => {
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(`${OPTIMISED_THERAPY_COLUMNS.join(',')}\n${shippedLine('adult#001')}\n${shippedLine('child#010')}\n`);
    expect(first.stderr).toMatch(/^optimise-therapy: \d+\/2 patients, \d+\/\d+ patient-days/m);
    expect(first.stderr).toMatch(/^optimise-therapy: 2 patients in [\d.]+ s\n {2}adults \(1\): BR factor 0\.725 \(0\.725–0\.725\), CR factor 0\.775/m);
    // Nothing but the file: no temporary left beside it.
    expect(readdirSync(dir)).toEqual(['optimised.csv']);
  });

  it('refuses an existing output without --force, leaving it as it was; replaces it with --force', () => {
    const before = readFileSync(out, 'utf8');
    expectInputFailure(runCli(['optimise-therapy', '--cohort', 'adult#001', '--out', out, '--quiet']), '--out: ', /already exists; choose another path or give --force to replace it$/);
    expect(readFileSync(out, 'utf8')).toBe(before);
    const coarse = runCli(['optimise-therapy', '--cohort', 'child#010', '--out', out, '--refinements', '0', '--force', '--quiet'], 120_000);
    expect(coarse.status, coarse.stderr).toBe(0);
    expect(coarse.stderr).toBe('');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    // The coarse grid's factors are multiples of 0.1.
    expect(lines[1]).toMatch(/^child#010,\d\.\d000,[\d.]+,\d\.\d000,/);
    expect(readdirSync(dir)).toEqual(['optimised.csv']);
  });

  it('refuses bad arguments with exit 2 and one line, writing nothing', () => {
    const bad = join(dir, 'bad.csv');
    const listed = join(ROOT, 'scenarios', 'single-meal-1day.json');
    const cases: [string[], string, RegExp][] = [
      [['--workers', '0'], '--workers: ', /must be a whole number ≥ 1, got 0/],
      [['--refinements', '7'], '--refinements: ', /must be a whole number from 0 to 6, got 7/],
      [['--refinements', 'many'], '--refinements: ', /must be a whole number from 0 to 6, got NaN/],
      [['--cohort', 'adult#099'], '--cohort: ', /unknown patient or group 'adult#099'/],
      [['--scenario', listed], `${listed}: meals: `, /the standard day is made from a meal protocol/],
      [['--scenario', join(dir, 'none.json')], `${join(dir, 'none.json')}`, /./],
      [['--workers', '1', '--workers', '2'], '--workers: ', /given 2 times; give it once/],
    ];
    for (const [args, prefix, reason] of cases) {
      const cohort = args.includes('--cohort') ? [] : ['--cohort', 'adult#001'];
      expectInputFailure(runCli(['optimise-therapy', ...cohort, '--out', bad, ...args]), prefix, reason);
    }
    expectInputFailure(runCli(['optimise-therapy', '--out', '']), '--out: ', /must not be empty/);
    // A part of the cohort is never written over the cohort's own file, which lists every patient.
    const shipped = readFileSync(join(ROOT, 'patients', 'uva-padova-s2008', 'optimised-therapy.csv'), 'utf8');
    expectInputFailure(runCli(['optimise-therapy', '--cohort', 'adults', '--force']), '--out: ', /is needed with a part of the cohort \(--cohort adults\): the default, .*optimised-therapy\.csv, holds every patient/);
    expect(readFileSync(join(ROOT, 'patients', 'uva-padova-s2008', 'optimised-therapy.csv'), 'utf8')).toBe(shipped);
    expectInputFailure(runCli(['optimise-therapy', '--out', dir]), '--out: ', /is a directory; give a file name/);
    // An unknown option is yargs's: exit 2, its message and the hint.
    const unknown = runCli(['optimise-therapy', '--grid', 'fine', '--out', bad]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^glucosim: Unknown argument: grid/);
    expect(existsSync(bad)).toBe(false);
  });

  it('a SIGTERM during the search exits 143 and writes nothing', async () => {
    const stopped = join(dir, 'stopped.csv');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'optimise-therapy', '--cohort', 'adult#001,adult#002', '--out', stopped], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/patient-days/.test(stderr) && child.exitCode === null && !child.killed) child.kill('SIGTERM');
      });
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toMatch(/glucosim: interrupted by SIGTERM: the optimisation was stopped and its temporary output removed; nothing was written\n$/);
    expect(existsSync(stopped)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

