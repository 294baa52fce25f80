/**
 * The checks a merge makes of its shard directories before it reads a
 * result: one format and glucosim version, one study, one N, every shard
 * 1…N exactly once, each holding the jobs the split gives it, and every
 * file as its checksum says. Each refusal names the shard directory and
 * what to do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { fileChecksum } from './checksum.js';
import { invocationArgs, type ShardManifest, shardJobFiles } from './manifest.js';
import { shardJobs } from './shards.js';

export interface ShardEntry {
  readonly dir: string;
  readonly manifest: ShardManifest;
}

/** Shard numbers as a Slurm `--array` list: `2,4-6`. */
export function arrayList(indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

/** What makes two shards parts of one split of one study. */
function splitKey(manifest: ShardManifest): string {
  return JSON.stringify([manifest.study.fingerprint, manifest.study.invocation, manifest.shard.count]);
}

/**
 * Refuse shards made by another glucosim version, of another study or split
 * than the others (the study most of them belong to; on a tie, the first
 * given's), given twice, or missing; returns the shards in order 1…N.
 */
export function checkShardSet(entries: readonly ShardEntry[], running: { readonly version: string; readonly code: string; readonly node: string }): ShardEntry[] {
  if (entries.length === 0) throw new InputError('merge', '', 'no shard directories given');
  for (const { dir, manifest } of entries) {
    if (manifest.glucosimVersion !== running.version) {
      throw new InputError(dir, '', `made by glucosim ${manifest.glucosimVersion}, and this is glucosim ${running.version}: results of two versions are not merged; run the shard again with this version`);
    }
    if (manifest.glucosimCode !== running.code) {
      throw new InputError(dir, '', `made by another build of glucosim ${running.version} (its code differs from this one's): results of two builds are not merged; run the shard again with this build`);
    }
    if (manifest.node !== running.node) {
      throw new InputError(dir, '', `ran on Node ${manifest.node}, and this is Node ${running.node}: results of two Node versions are not merged (their Math functions may differ); run the shard again with this Node`);
    }
  }
  const groups = new Map<string, ShardEntry[]>();
  for (const entry of entries) groups.set(splitKey(entry.manifest), [...(groups.get(splitKey(entry.manifest)) ?? []), entry]);
  const main = [...groups.values()].reduce((best, group) => (group.length > best.length ? group : best));
  const reference = main[0];
  const odd = entries.find((e) => splitKey(e.manifest) !== splitKey(reference.manifest));
  if (odd) {
    const others = main.length > 1 ? `${reference.dir} and ${main.length - 1} other${main.length > 2 ? 's' : ''}` : reference.dir;
    if (odd.manifest.study.fingerprint === reference.manifest.study.fingerprint && JSON.stringify(odd.manifest.study.invocation) === JSON.stringify(reference.manifest.study.invocation)) {
      throw new InputError(odd.dir, '', `shard ${odd.manifest.shard.index} of ${odd.manifest.shard.count}, but ${others} of ${reference.manifest.shard.count}: shards of one split only`);
    }
    throw new InputError(
      odd.dir,
      '',
      `a shard of another study than ${others}: ${describeStudy(odd.manifest)} (fingerprint ${odd.manifest.study.fingerprint.slice(0, 12)}) against ${describeStudy(reference.manifest)} (fingerprint ${reference.manifest.study.fingerprint.slice(0, 12)})`,
    );
  }
  const count = reference.manifest.shard.count;
  const byIndex = new Map<number, ShardEntry>();
  for (const entry of entries) {
    const twice = byIndex.get(entry.manifest.shard.index);
    if (twice) throw new InputError(entry.dir, '', `shard ${entry.manifest.shard.index}/${count} is given twice: ${twice.dir} and ${entry.dir}`);
    byIndex.set(entry.manifest.shard.index, entry);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    const them = missing.length > 1;
    throw new InputError(
      'merge',
      '',
      `shard${them ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} of ${describeStudy(reference.manifest)} ${them ? 'are' : 'is'} missing: run ${them ? 'them' : 'it'} (${missing.map((k) => `--shard ${k}/${count}`).join(', ')}), or in a Slurm job array resubmit ${them ? 'those tasks' : 'that task'} (sbatch --array=${arrayList(missing)} shards.sbatch), then merge again`,
    );
  }
  return Array.from({ length: count }, (_, k) => byIndex.get(k + 1)!);
}

function describeStudy(manifest: ShardManifest): string {
  return invocationArgs(manifest.study.invocation).join(' ');
}

/**
 * Each shard holds the jobs the split of `patientDays` into N gives it
 * (patient and seed as the study's `jobs`), each with the files it must
 * have written, and nothing else: a manifest cannot leave a file out of the
 * checksum check.
 */
export function checkShardJobs(
  shards: readonly ShardEntry[],
  jobs: readonly { readonly patient: string; readonly seed: number | string }[],
  patientDays: readonly number[],
  writesTraces: boolean,
): void {
  for (const { dir, manifest } of shards) {
    const expected = shardJobs(patientDays, manifest.shard);
    const listed = manifest.jobs.map((j) => j.index);
    const same = listed.length === expected.length && listed.every((j, k) => j === expected[k]);
    const wrong = manifest.jobs.find(
      (j) =>
        jobs[j.index]?.patient !== j.patient ||
        jobs[j.index]?.seed !== j.seed ||
        JSON.stringify(j.files.map((f) => f.path)) !== JSON.stringify(shardJobFiles(writesTraces, j.patient, j.index)),
    );
    if (!same || wrong) {
      const what = !same ? `${expected.length} job${expected.length === 1 ? '' : 's'}: ${expected.slice(0, 5).join(', ')}${expected.length > 5 ? ' …' : ''}` : `job ${wrong!.index}: patient ${jobs[wrong!.index]?.patient}, files ${shardJobFiles(writesTraces, jobs[wrong!.index]?.patient ?? '', wrong!.index).join(', ')}`;
      throw new InputError(join(dir, 'shard.json'), 'jobs', `does not list the jobs of shard ${manifest.shard.index}/${manifest.shard.count} of this study (${what}); the shard directory was changed or is damaged`);
    }
  }
}

/** Every file of every job as its checksum says: a truncated or changed file is refused, naming it. */
export function checkShardFiles(shards: readonly ShardEntry[]): void {
  for (const { dir, manifest } of shards) {
    for (const job of manifest.jobs) {
      for (const file of job.files) {
        const path = join(dir, file.path);
        if (!existsSync(path)) throw new InputError(dir, file.path, `is missing (job ${job.index}, patient ${job.patient}); run the shard again`);
        const actual = fileChecksum(path);
        if (actual.sha256 !== file.sha256) {
          const size = actual.bytes === file.bytes ? `${actual.bytes} bytes as written, but changed` : `${actual.bytes} bytes, written as ${file.bytes}${actual.bytes < file.bytes ? ': truncated' : ''}`;
          throw new InputError(dir, file.path, `does not match its checksum in shard.json (${size}); the file was damaged or changed since the shard ran: run the shard again`);
        }
      }
    }
  }
}
