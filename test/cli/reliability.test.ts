/**
 * Issue #11 (reliability) on the built CLI: every command that writes
 * refuses an existing output unless --force, and --force replaces it
 * atomically; a seed is any text, negative numbers included, however it is
 * written; an experiment prints its seeds, drops (and names) the exclusions
 * its cohort leaves out, and names the arm of an error in an arm.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, directorySnapshot, expectInputFailure, listDir, makeTempDir, ORACLE_DIR, randomisedJson, removeTempDirs, ROOT, runCli, writeScenario } from './helpers.js';

afterAll(removeTempDirs);

const SCENARIO = join(ROOT, 'scenarios', 'single-meal-1day.json');
const AIM94_FILE = join(ROOT, 'test', 'fixtures', 'aim94', 'data-01');
const REPLAY_INPUTS = join(ORACLE_DIR, 'meal50_bolus_adult001.csv');
/** The shipped pen-therapy (MDI) scenario: `import run` turns such a run's traces into records. */
const PEN_SCENARIO = join(ROOT, 'scenarios', 't2dm-smbg-14day.json');


/** `text` matched literally in a RegExp. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function expectRefused(result: CliResult, path: string): void {
  expectInputFailure(result, `--out: ${path} already exists; `, /^choose another path or give --force to replace it$/);
}

/** A small experiment file: one arm on `scenario` (default: the 1-day single-meal one), 1 seed. */
function experimentFile(dir: string, name: string, fields: Record<string, unknown>, scenario = SCENARIO): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ name, scenario, cohort: 'adult#001', seeds: 1, arms: [{ name: 'fixed', controller: { name: 'standard-therapy' } }], ...fields }),
  );
  return file;
}

describe('every command that writes refuses an existing output unless --force', () => {
  const base = makeTempDir('refuse');
  let records = '';
  let penRun = '';
  beforeAll(() => {
    // Valid records for secure-q train, whose records are read before its output is checked.
    const imported = join(base, 'records');
    expect(runCli(['import', 'aim94', AIM94_FILE, '--out', imported]).status).toBe(0);
    records = join(imported, 'records.csv');
    // A run directory (1 day, 1 patient, pen therapy) for import run.
    const scenario = writeScenario(base, 'pen-1day.json', { ...(JSON.parse(readFileSync(PEN_SCENARIO, 'utf8')) as Record<string, unknown>), days: 1 });
    penRun = join(base, 'pen-run');
    const run = runCli(['run', scenario, '--cohort', 't2dm#031', '--out', penRun, '--quiet', '--no-report']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
  const experiment = experimentFile(base, 'small', {});

  // [command, output kind, arguments given the output path]
  const cases: [string, 'directory' | 'file', (out: string) => string[]][] = [
    ['run', 'directory', (out) => ['run', SCENARIO, '--cohort', 'adult#001', '--out', out]],
    ['experiment', 'directory', (out) => ['experiment', experiment, '--out', out]],
    ['import aim94', 'directory', (out) => ['import', 'aim94', AIM94_FILE, '--out', out]],
    ['import run', 'directory', (out) => ['import', 'run', penRun, '--out', out]],
    ['mdp learn', 'directory', (out) => ['mdp', 'learn', records, '--out', out]],
    ['secure-q train', 'directory', (out) => ['secure-q', 'train', records, '--out', out]],
    ['ppopi keygen', 'directory', (out) => ['ppopi', 'keygen', '--bits', '512', '--out', out]],
    ['ppopi setup', 'directory', (out) => ['ppopi', 'setup', '--keys', join(base, 'no-keys'), '--users', 'u1', '--out', out]],
    ['ppopi gridworld', 'directory', (out) => ['ppopi', 'gridworld', 'experiments/ppopi-gridworld.json', '--out', out]],
    ['ppopi t2dm', 'directory', (out) => ['ppopi', 't2dm', 'experiments/ppopi-t2dm.json', '--out', out]],
    ['cohort generate', 'file', (out) => ['cohort', 'generate', '--type', 't2dm', '--n', '1', '--out', out]],
    ['replay --out', 'file', (out) => ['replay', '--patient', 'adult#001', '--inputs', REPLAY_INPUTS, '--out', out]],
    ['q-learning train', 'file', (out) => ['q-learning', 'train', records, '--out', out]],
  ];
  for (const [command, kind, args] of cases) {
    it(`${command}: an existing ${kind} is refused in one line naming it and --force, exit 2, nothing written`, () => {
      const dir = join(base, command.replace(/\W+/g, '-'));
      mkdirSync(dir);
      const out = join(dir, 'out');
      if (kind === 'directory') {
        mkdirSync(out);
        writeFileSync(join(out, 'keep.txt'), 'precious\n');
      } else {
        writeFileSync(out, 'precious\n');
      }
      const before = directorySnapshot(dir);
      expectRefused(runCli(args(out)), out);
      expect(directorySnapshot(dir)).toEqual(before);
    });
  }

  it('privacy keygen: an existing secret-key file is refused, naming it; no key file is written', () => {
    const keys = join(base, 'keys');
    mkdirSync(keys);
    writeFileSync(join(keys, 'hcp.psk.json'), 'precious\n');
    expectRefused(runCli(['privacy', 'keygen', '--out', keys]), join(keys, 'hcp.psk.json'));
    expect(directorySnapshot(keys)).toEqual({ 'hcp.psk.json': 'precious\n' });
  });

  it('--force replaces neither a file given for a directory nor a directory holding the current one', () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'precious\n');
    expectInputFailure(runCli(['run', SCENARIO, '--cohort', 'adult#001', '--out', file, '--force']), `--out: ${file} is a file, not a directory`, /^; --force replaces a directory only$/);
    expect(readFileSync(file, 'utf8')).toBe('precious\n');
    // The CLI runs in the project root: `--out . --force` would remove the project.
    expectInputFailure(runCli(['run', SCENARIO, '--cohort', 'adult#001', '--out', '.', '--force']), `--out: ${ROOT} holds the current directory`, /^; --force does not replace it$/);
  });

  it('--force never replaces a directory holding the input: mdp learn <dir>/records.csv --out <dir> --force', () => {
    // An mdp learn output (it has learn-summary.json, so --force would replace it) that holds the records learned from.
    const dir = join(base, 'learn-in-place');
    mkdirSync(dir);
    copyFileSync(records, join(dir, 'records.csv'));
    writeFileSync(join(dir, 'learn-summary.json'), '{}\n');
    const input = join(dir, 'records.csv');
    const before = directorySnapshot(base);
    expectInputFailure(runCli(['mdp', 'learn', input, '--out', dir, '--force']), `--out: ${dir} holds the input ${input}`, /^; --force does not replace it$/);
    expect(directorySnapshot(base)).toEqual(before);
  });

  it('--force never replaces an input file: replay --inputs X --out X --force', () => {
    const dir = join(base, 'replay-in-place');
    mkdirSync(dir);
    const inputs = join(dir, 'inputs.csv');
    copyFileSync(REPLAY_INPUTS, inputs);
    const before = directorySnapshot(dir);
    expectInputFailure(runCli(['replay', '--patient', 'adult#001', '--inputs', inputs, '--out', inputs, '--force']), `--out: ${inputs} is the input ${inputs}`, /^; --force does not replace it$/);
    expect(directorySnapshot(dir)).toEqual(before);
    expect(readFileSync(inputs, 'utf8')).toBe(readFileSync(REPLAY_INPUTS, 'utf8'));
  });

  it('an output directory under a file is refused up front, naming the file; one exit 2, nothing written', () => {
    const dir = join(base, 'under-a-file');
    mkdirSync(dir);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'precious\n');
    const before = directorySnapshot(dir);
    for (const out of [join(file, 'sub'), join(file, 'sub', 'out')]) {
      expectInputFailure(runCli(['run', SCENARIO, '--cohort', 'adult#001', '--quiet', '--out', out]), `--out: ${out}: `, new RegExp(`^${escapeRegExp(file)} is a file, not a folder$`));
      expect(directorySnapshot(dir)).toEqual(before);
    }
  });

  it('a file-system refusal (an output file under a file: ENOTDIR, even as root) is one line, exit 2, nothing written', () => {
    // A metrics file (not a directory output, which is checked up front) under a file: mkdir's own ENOTDIR.
    const dir = join(base, 'file-under-a-file');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-file'), 'precious\n');
    writeFileSync(join(dir, 'cgm.csv'), 'id,time,gl\na,2024-01-01 00:00:00,120\na,2024-01-01 00:05:00,125\n');
    const before = directorySnapshot(dir);
    const sub = join(dir, 'a-file', 'sub');
    expectInputFailure(runCli(['metrics', join(dir, 'cgm.csv'), '--out', join(sub, 'metrics.json')]), 'ENOTDIR: ', new RegExp(`^not a directory, mkdir '${escapeRegExp(sub)}'$`));
    expect(directorySnapshot(dir)).toEqual(before);
  });
});

describe('--force replaces an existing output', () => {
  const base = makeTempDir('force');

  it('run: the old directory is replaced by the new run, nothing left beside it', () => {
    const out = join(base, 'run', 'out');
    mkdirSync(out, { recursive: true });
    // An earlier run's output (it has traces/): --force replaces only those.
    mkdirSync(join(out, 'traces'));
    writeFileSync(join(out, 'keep.txt'), 'old\n');
    const fresh = join(base, 'fresh');
    expect(runCli(['run', SCENARIO, '--cohort', 'adult#001', '--quiet', '--no-report', '--out', fresh]).status).toBe(0);
    const r = runCli(['run', SCENARIO, '--cohort', 'adult#001', '--quiet', '--no-report', '--out', out, '--force']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
    expect(listDir(join(base, 'run'))).toEqual(['out']);
    expect(listDir(out)).toEqual(['summary.json', 'traces']);
    expect(readFileSync(join(out, 'traces', 'adult#001.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'traces', 'adult#001.csv'), 'utf8'));
  });

  it('experiment: the old directory is replaced', () => {
    const out = join(base, 'experiment');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'old\n');
    const file = experimentFile(base, 'small', {});
    // A directory that is no experiment's output (no summary.json) is not replaced, even with --force.
    expectInputFailure(runCli(['experiment', file, '--quiet', '--out', out, '--force']), `--out: ${out} is not an output of this command (it has no table1.csv)`, /; --force replaces only those, or an empty directory$/);
    expect(listDir(out)).toEqual(['keep.txt']);
    writeFileSync(join(out, 'table1.csv'), 'arm\n');
    const r = runCli(['experiment', file, '--quiet', '--out', out, '--force']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(listDir(out)).not.toContain('keep.txt');
    expect(listDir(out)).toContain('summary.json');
    // Neither the replaced directory (.experiment.old-…) nor the temporary one (.experiment.tmp-…) is left beside it.
    expect(listDir(base).filter((name) => /\.(old|tmp)-/.test(name))).toEqual([]);
  });

  it('cohort generate: the old file is replaced by what a fresh run writes', () => {
    const out = join(base, 'cohort.json');
    writeFileSync(out, 'old\n');
    expect(runCli(['cohort', 'generate', '--type', 't2dm', '--n', '2', '--out', out, '--force']).status).toBe(0);
    expect(runCli(['cohort', 'generate', '--type', 't2dm', '--n', '2', '--out', join(base, 'cohort-fresh.json')]).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(base, 'cohort-fresh.json'), 'utf8'));
  });

  it('privacy keygen: old key files are replaced by new keys, readable by their owner only', () => {
    const keys = join(base, 'keys');
    mkdirSync(keys);
    writeFileSync(join(keys, 'hcp.psk.json'), 'old\n');
    const r = runCli(['privacy', 'keygen', '--out', keys, '--force']);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(keys, 'hcp.psk.json'), 'utf8')).identity).toBe('hcp');
    expect(statSync(join(keys, 'hcp.psk.json')).mode & 0o777).toBe(0o600);
    expect(listDir(keys)).toEqual(['dealer.psk.json', 'es0.psk.json', 'es1.psk.json', 'hcp.psk.json', 'patient.psk.json']);
  });
});

describe('seeds: any text, negative numbers as --seed -1 and --seed=-1', () => {
  const base = makeTempDir('seeds');
  // Random meals and sensor noise, so that the seed shows in the traces.
  const randomised = writeScenario(base, 'randomised-1day.json', { ...randomisedJson(), days: 1 });
  const run = (name: string, ...seed: string[]) => {
    const out = join(base, name);
    const r = runCli(['run', randomised, '--cohort', 'adult#001', '--quiet', '--no-report', '--out', out, ...seed]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return { seed: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).seed, trace: readFileSync(join(out, 'traces', 'adult#001.csv'), 'utf8') };
  };

  it('run: the same seed, however written, gives byte-identical traces; other seeds differ', () => {
    const spaced = run('minus-one', '--seed', '-1');
    const attached = run('minus-one-attached', '--seed=-1');
    expect([spaced.seed, attached.seed]).toEqual([-1, -1]);
    expect(attached.trace).toBe(spaced.trace);
    // yargs would read -1e400 as the short options -1 -e -4 …: it is a text seed.
    const huge = run('huge', '--seed', '-1e400');
    expect(huge.seed).toBe('-1e400');
    expect(run('huge-attached', '--seed=-1e400').trace).toBe(huge.trace);
    const text = run('abc', '--seed', 'abc');
    expect(text.seed).toBe('abc');
    expect(run('abc-again', '--seed', 'abc').trace).toBe(text.trace);
    expect(new Set([spaced.trace, huge.trace, text.trace, run('default').trace]).size).toBe(4);
  });

  it('experiment: prints the seeds it uses, numbers counted on from a negative first seed, a text seed first as given', () => {
    const file = experimentFile(base, 'seeded', {}, randomised);
    const numeric = runCli(['experiment', file, '--out', join(base, 'e-1'), '--seed', '-1', '--seeds', '3']);
    expect(numeric.status).toBe(0);
    expect(numeric.stderr.split('\n')[0]).toBe('experiment seeded.json: seeds -1, 0, 1');
    expect(JSON.parse(readFileSync(join(base, 'e-1', 'summary.json'), 'utf8')).seeds).toEqual([-1, 0, 1]);
    const text = runCli(['experiment', file, '--out', join(base, 'e-abc'), '--seed', 'abc', '--seeds', '2']);
    expect(text.status).toBe(0);
    expect(text.stderr.split('\n')[0]).toBe('experiment seeded.json: seeds "abc", "abc-2"');
    const huge = runCli(['experiment', file, '--out', join(base, 'e-huge'), '--seed', '-1e400']);
    expect(huge.status).toBe(0);
    expect(huge.stderr.split('\n')[0]).toBe('experiment seeded.json: seeds "-1e400"');
    const again = runCli(['experiment', file, '--out', join(base, 'e-1-again'), '--seed=-1', '--seeds', '3', '--quiet']);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(''); // --quiet: no seeds line either
    const patients = (out: string) => readFileSync(join(base, out, 'patients.csv'), 'utf8');
    expect(patients('e-1-again')).toBe(patients('e-1'));
  });

  it('experiment: numeric seeds past the largest exact integer are refused in one line naming the scenario file\'s seed, nothing written', () => {
    const file = experimentFile(base, 'unsafe', {});
    const out = join(base, 'e-unsafe');
    const before = listDir(base);
    // 9007199254740990, …991, …992: the last is past 2^53 − 1 (Number.MAX_SAFE_INTEGER).
    expectInputFailure(
      runCli(['experiment', file, '--out', out, '--seed', '9007199254740990', '--seeds', '3']),
      `${SCENARIO}: seed: `,
      /^seeds 9007199254740990 … 9007199254740992 pass the largest exact integer \(9007199254740991\); give a smaller first seed \(or --seed\), fewer seeds, or a text seed$/,
    );
    expect(listDir(base)).toEqual(before);
    // Two seeds (the second is 2^53 − 1) are exact, and run.
    expect(runCli(['experiment', file, '--out', out, '--seed', '9007199254740990', '--seeds', '2', '--quiet']).status).toBe(0);
  });

  it('a --seed without a value does not swallow the next option: refused as empty, nothing written', () => {
    const out = join(base, 'no-seed');
    expectInputFailure(runCli(['run', randomised, '--cohort', 'adult#001', '--out', out, '--seed', '--quiet']), '--seed: ', /^must not be empty$/);
    expect(existsSync(out)).toBe(false);
  });

  it('cohort generate: a negative or text seed works; the same seed gives the same file', () => {
    const generate = (name: string, ...seed: string[]) => {
      const out = join(base, `${name}.json`);
      const r = runCli(['cohort', 'generate', '--type', 't2dm', '--n', '2', '--out', out, ...seed]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const minusOne = generate('c-1', '--seed', '-1');
    expect(JSON.parse(minusOne).seed).toBe(-1);
    expect(generate('c-1-attached', '--seed=-1')).toBe(minusOne);
    const huge = generate('c-huge', '--seed', '-1e400');
    expect(JSON.parse(huge).seed).toBe('-1e400');
    expect(generate('c-huge-again', '--seed', '-1e400')).toBe(huge);
    expect(huge).not.toBe(minusOne);
  });
});

describe('experiment: exclusions outside the cohort and errors in an arm', () => {
  const base = makeTempDir('experiment-reliability');
  const exclude = (patients: string[]) => ({ cohort: 'all', exclude: { patients, reason: 'a test' } });

  it('a cohort subset (--cohort adults) drops the exclusions it leaves out and says which', () => {
    const file = experimentFile(base, 'excluding', exclude(['child#003', 'child#008']));
    const out = join(base, 'adults');
    const r = runCli(['experiment', file, '--cohort', 'adults', '--out', out, '--quiet']);
    expect(r.stderr).toBe('experiment excluding.json: exclusion of child#003, child#008 dropped: not in the cohort (adults)\n');
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.exclude).toBeNull();
    expect(summary.cohort).toHaveLength(10);
  });

  it('an exclusion naming a patient outside the population stays an error', () => {
    const file = experimentFile(base, 'unknown', exclude(['child#003', 'child#011']));
    const r = runCli(['experiment', file, '--cohort', 'adults', '--out', join(base, 'unknown-out')]);
    expectInputFailure(r, `${file}: exclude.patients: `, /^'child#011' is not a patient of uva-padova-s2008$/);
    expect(listDir(base)).not.toContain('unknown-out');
  });

  it("an error in an arm names the arm: its controller's options, its schema, its controller", () => {
    const arm = (controller: Record<string, unknown>) => ({ arms: [{ name: 'fixed', controller: { name: 'standard-therapy' } }, { name: 'S3', controller: { name: 'standard-therapy', ...controller } }] });
    for (const [name, controller, field, reason] of [
      ['options', { options: { bolusScale: -1 } }, 'controller.options.bolusScale', /^must be ≥ 0 \(got -1\)$/],
      ['timeout', { timeoutMs: 0 }, 'controller.timeoutMs', /^must be ≥ 1 \(got 0\)$/],
      ['unknown', { bogus: 1 }, 'controller.bogus', /^unknown property/],
    ] as const) {
      const file = experimentFile(base, `arm-${name}`, arm(controller));
      expectInputFailure(runCli(['experiment', file, '--out', join(base, `arm-${name}-out`)]), `${file}: arms[1] (S3): ${field}: `, reason);
      expect(listDir(base)).not.toContain(`arm-${name}-out`);
    }
  });
});
