/**
 * End-to-end tests of `--shard K/N` and `glucosim merge` through the built
 * CLI: the merged directory is the single machine's, and a merge refuses a
 * missing shard, a shard given twice, a shard of another study or version,
 * a damaged file, and a study changed since its shards ran — each in one
 * line, exit 2, and nothing written.
 */
import { cpSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directorySnapshot, expectInputFailure, expectSameStudyOutput, listDir, makeTempDir, randomisedJson, removeTempDirs, runCli, writeScenario } from './helpers.js';

const COHORT = 'adult#001,adult#002,adolescent#001,child#002,child#005';
let dir: string;
let scenario: string;
let single: string;
const shard = (k: number) => join(dir, `shard-${k}`);

function runShard(k: number, n: number, extra: string[] = [], out = shard(k)) {
  const r = runCli(['run', scenario, '--cohort', COHORT, '--shard', `${k}/${n}`, '--out', out, '--quiet', '--workers', '1', ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

/** A copy of shard K to damage, keeping the originals for the other tests. */
function copyShard(k: number, name: string): string {
  const copy = join(dir, name);
  cpSync(shard(k), copy, { recursive: true });
  return copy;
}

function expectNothingWritten(out: string) {
  expect(existsSync(out)).toBe(false);
  expect(listDir(dir).filter((f) => f.startsWith('.'))).toEqual([]);
}

beforeAll(() => {
  dir = makeTempDir('merge');
  scenario = writeScenario(dir, 'two-days.json', { ...randomisedJson(), name: 'two-days', days: 2 });
  single = join(dir, 'single');
  const r = runCli(['run', scenario, '--cohort', COHORT, '--out', single, '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  for (const k of [1, 2, 3]) runShard(k, 3);
}, 120_000);

afterAll(removeTempDirs);

describe('--shard K/N', () => {
  it('writes its slice of the patients, their parts and a manifest with a checksum of every file', () => {
    expect(listDir(shard(1))).toEqual(['parts', 'shard.json', 'traces']);
    const manifest = JSON.parse(readFileSync(join(shard(2), 'shard.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'glucosim-shard', formatVersion: 1, shard: { index: 2, count: 3 }, study: { name: 'two-days', jobs: 5, patientDays: 10 } });
    // Five equal jobs over three shards: jobs 0 and 3 | 1 and 4 | 2, in the cohort's order.
    const cohort = JSON.parse(readFileSync(join(single, 'summary.json'), 'utf8')).cohort as string[];
    expect(manifest.jobs.map((j: { index: number; patient: string }) => [j.index, j.patient])).toEqual([
      [1, cohort[1]],
      [4, cohort[4]],
    ]);
    // The options in effect: defaults filled in, so that one study asked for two ways is one study.
    expect(manifest.study.invocation).toEqual({ kind: 'run', file: scenario, cohort: COHORT, seed: '1', windowDays: 2, report: true });
    expect(listDir(join(shard(2), 'traces'))).toEqual([`${cohort[1]}.csv`, `${cohort[4]}.csv`]);
    for (const job of manifest.jobs) {
      expect(job.files.map((f: { path: string }) => f.path)).toEqual([`traces/${job.patient}.csv`, `parts/${job.index}.v8`]);
      for (const f of job.files) expect(readFileSync(join(shard(2), f.path)).length).toBe(f.bytes);
    }
    // The trace of a shard is the single machine's.
    expect(readFileSync(join(shard(2), 'traces', `${cohort[4]}.csv`), 'utf8')).toBe(readFileSync(join(single, 'traces', `${cohort[4]}.csv`), 'utf8'));
    expect(manifest.timing.host).not.toBe('');
  });

  it('refuses a shard beyond N and more shards than jobs', () => {
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--shard', '4/3', '--out', join(dir, 'x')]), '--shard: ', /the shard K must be from 1 to N = 3, got 4/);
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--shard', '1/6', '--out', join(dir, 'x')]), '--shard: ', /6 shards for a study of 5 jobs: give at most 5/);
    expectInputFailure(runCli(['run', scenario, '--shard', 'two', '--out', join(dir, 'x')]), '--shard: ', /must be K\/N/);
    expectNothingWritten(join(dir, 'x'));
  });

  it('with --force replaces a shard directory, but not a run directory', () => {
    const again = copyShard(3, 'again');
    runShard(3, 3, ['--force'], again);
    expect(directorySnapshot(join(again, 'traces'))).toEqual(directorySnapshot(join(shard(3), 'traces')));
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--shard', '3/3', '--out', single, '--force']), '--out: ', /is not an output of this command \(it has no shard\.json\)/);
  });
});

describe('glucosim merge', () => {
  it('gives the single-machine run byte for byte, time stamps aside, whatever the order of the shards', () => {
    const merged = join(dir, 'merged');
    const r = runCli(['merge', shard(3), shard(1), shard(2), '--out', merged]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${merged}\n`);
    expect(r.stderr).toBe(`merge: 3 shards, 5 jobs of run ${scenario}\n`);
    expectSameStudyOutput(merged, single);
  });

  it('refuses a missing shard, naming it and the array task to resubmit', () => {
    const out = join(dir, 'out-missing');
    expectInputFailure(runCli(['merge', shard(1), shard(3), '--out', out]), 'merge: ', /shard 2\/3 of run .*two-days\.json --cohort .* is missing: run it \(--shard 2\/3\), or in a Slurm job array resubmit that task \(sbatch --array=2 shards\.sbatch\)/);
    // A failed task leaves no directory: it counts as missing, by number.
    expectInputFailure(runCli(['merge', shard(1), join(dir, 'never-ran'), shard(3), '--out', out]), 'merge: ', /shard 2\/3 .* is missing/);
    expectInputFailure(runCli(['merge', shard(2), '--out', out]), 'merge: ', /shards 1\/3, 3\/3 of .* are missing: run them \(--shard 1\/3, --shard 3\/3\), or in a Slurm job array resubmit those tasks \(sbatch --array=1,3 shards\.sbatch\)/);
    // Every shard there, and a directory that is not: a mistake in the list, named.
    expectInputFailure(runCli(['merge', shard(1), shard(2), shard(3), join(dir, 'never-ran'), '--out', out]), `${join(dir, 'never-ran')}: `, /no such shard directory/);
    expectNothingWritten(out);
  });

  it('refuses a shard given twice', () => {
    const out = join(dir, 'out-twice');
    const copy = copyShard(2, 'copy-of-2');
    expectInputFailure(runCli(['merge', shard(1), shard(2), copy, shard(3), '--out', out]), `${copy}: `, /shard 2\/3 is given twice: .*shard-2 and .*copy-of-2/);
    expectNothingWritten(out);
  });

  it('refuses a shard of another study (another seed) and of another split', () => {
    const out = join(dir, 'out-foreign');
    const foreign = runShard(2, 3, ['--seed', '99'], join(dir, 'foreign-seed'));
    expectInputFailure(runCli(['merge', shard(1), foreign, shard(3), '--out', out]), `${foreign}: `, /a shard of another study than .*shard-1 and 1 other: run .* --seed 99 --window-days 2 \(fingerprint [0-9a-f]{12}\) against run .*two-days\.json --cohort \S+ --seed 1 --window-days 2 \(fingerprint/);
    // Given first, the foreign shard is still the one named: the others agree among themselves.
    expectInputFailure(runCli(['merge', foreign, shard(1), shard(3), '--out', out]), `${foreign}: `, /a shard of another study than .*shard-1 and 1 other/);
    const other = runShard(2, 4, [], join(dir, 'split-of-4'));
    expectInputFailure(runCli(['merge', shard(1), other, shard(3), '--out', out]), `${other}: `, /shard 2 of 4, but .*shard-1 and 1 other of 3: shards of one split only/);
    expectNothingWritten(out);
  });

  it('merges shards of one study asked for two ways: the seed written as 001, the window given as the whole run', () => {
    const same = runShard(2, 3, ['--seed', '001', '--window-days', '2'], join(dir, 'same-study'));
    const merged = join(dir, 'merged-two-ways');
    expect(runCli(['merge', shard(1), same, shard(3), '--out', merged, '--quiet']).status).toBe(0);
    expectSameStudyOutput(merged, single);
  });

  it('refuses a shard made by another glucosim version, another build or another Node', () => {
    const out = join(dir, 'out-version');
    const old = copyShard(3, 'old-version');
    const file = join(old, 'shard.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"glucosimVersion": "[^"]+"/, '"glucosimVersion": "0.0.9"'));
    expectInputFailure(runCli(['merge', shard(1), shard(2), old, '--out', out]), `${old}: `, /made by glucosim 0\.0\.9, and this is glucosim \d+\.\d+\.\d+: .* run the shard again with this version/);
    // Another build of the same version, and another Node: their results may differ too.
    const build = copyShard(3, 'other-build');
    const buildFile = join(build, 'shard.json');
    writeFileSync(buildFile, readFileSync(buildFile, 'utf8').replace(/"glucosimCode": "[0-9a-f]{64}"/, `"glucosimCode": "${'a'.repeat(64)}"`));
    expectInputFailure(runCli(['merge', shard(1), shard(2), build, '--out', out]), `${build}: `, /made by another build of glucosim \d+\.\d+\.\d+ \(its code differs from this one's\)/);
    const node = copyShard(3, 'other-node');
    const nodeFile = join(node, 'shard.json');
    writeFileSync(nodeFile, readFileSync(nodeFile, 'utf8').replace(/"node": "[^"]+"/, '"node": "v18.0.0"'));
    expectInputFailure(runCli(['merge', shard(1), shard(2), node, '--out', out]), `${node}: `, /ran on Node v18\.0\.0, and this is Node v\d+/);
    expectNothingWritten(out);
  });

  it('refuses a truncated trace and a changed part by their checksums', () => {
    const out = join(dir, 'out-damaged');
    const truncated = copyShard(2, 'truncated');
    const victim = JSON.parse(readFileSync(join(truncated, 'shard.json'), 'utf8')).jobs[1].patient as string;
    const trace = join(truncated, 'traces', `${victim}.csv`);
    const bytes = readFileSync(trace).length;
    truncateSync(trace, bytes - 1000);
    expectInputFailure(
      runCli(['merge', shard(1), truncated, shard(3), '--out', out]),
      `${truncated}: traces/${victim}.csv: `,
      new RegExp(`does not match its checksum in shard\\.json \\(${bytes - 1000} bytes, written as ${bytes}: truncated\\); .* run the shard again`),
    );
    const changed = copyShard(2, 'changed');
    const part = join(changed, 'parts', '1.v8');
    const data = readFileSync(part);
    data[data.length - 3] ^= 1;
    writeFileSync(part, data);
    expectInputFailure(runCli(['merge', shard(1), changed, shard(3), '--out', out]), `${changed}: parts/1.v8: `, /does not match its checksum in shard\.json \(\d+ bytes as written, but changed\)/);
    expectNothingWritten(out);
  });

  it('refuses a shard whose job list was edited, and a directory that is not a shard', () => {
    const out = join(dir, 'out-edited');
    const edited = copyShard(3, 'edited');
    const file = join(edited, 'shard.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    manifest.jobs = [];
    writeFileSync(file, JSON.stringify(manifest));
    expectInputFailure(runCli(['merge', shard(1), shard(2), edited, '--out', out]), `${file}: jobs: `, /does not list the jobs of shard 3\/3 of this study \(1 job: 2\)/);
    // A manifest that leaves a file out of its list cannot skip that file's checksum.
    const unlisted = copyShard(3, 'unlisted');
    const unlistedFile = join(unlisted, 'shard.json');
    const withoutTrace = JSON.parse(readFileSync(unlistedFile, 'utf8'));
    withoutTrace.jobs[0].files = withoutTrace.jobs[0].files.filter((f: { path: string }) => !f.path.startsWith('traces/'));
    writeFileSync(unlistedFile, JSON.stringify(withoutTrace));
    expectInputFailure(runCli(['merge', shard(1), shard(2), unlisted, '--out', out]), `${unlistedFile}: jobs: `, /does not list the jobs of shard 3\/3 of this study \(job 2: patient \S+, files traces\/\S+\.csv, parts\/2\.v8\)/);
    expectInputFailure(runCli(['merge', shard(1), single, shard(3), '--out', out]), `${join(single, 'shard.json')}: `, /not found|no such file/i);
    expectNothingWritten(out);
  });

  it('refuses shards whose recorded fingerprint is not the study\'s, even when they agree among themselves', () => {
    const out = join(dir, 'out-fingerprint');
    const copies = [1, 2, 3].map((k) => {
      const copy = copyShard(k, `fingerprint-${k}`);
      const file = join(copy, 'shard.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/"fingerprint": "[0-9a-f]{64}"/, `"fingerprint": "${'0'.repeat(64)}"`));
      return copy;
    });
    expectInputFailure(runCli(['merge', ...copies, '--out', out]), `${copies[0]}: `, /its study has changed since the shards ran \(its options or job list differ\)/);
    expectNothingWritten(out);
  });

  it('refuses shards of a study file changed since they ran', () => {
    const out = join(dir, 'out-changed');
    const original = readFileSync(scenario, 'utf8');
    try {
      writeFileSync(scenario, original.replace('"days": 2', '"days": 2 '));
      expectInputFailure(runCli(['merge', shard(1), shard(2), shard(3), '--out', out]), `${shard(1)}: `, /its study has changed since the shards ran \(.*two-days\.json differs\)/);
    } finally {
      writeFileSync(scenario, original);
    }
    expectNothingWritten(out);
  });
});
