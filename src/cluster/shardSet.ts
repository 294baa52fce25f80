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
import type { ShardManifest } from './manifest.js';
import { assignShards } from './shards.js';

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

/**
 * Refuse shards made by another glucosim version, of another study than the
 * first, given twice, or missing; returns the shards in order 1…N.
 */
export function checkShardSet(entries: readonly ShardEntry[], glucosimVersion: string): ShardEntry[] {
  if (entries.length === 0) throw new InputError('merge', '', 'no shard directories given');
  for (const { dir, manifest } of entries) {
    if (manifest.glucosimVersion !== glucosimVersion) {
      throw new InputError(dir, '', `made by glucosim ${manifest.glucosimVersion}, and this is glucosim ${glucosimVersion}: results of two versions are not merged; run the shard again with this version`);
    }
  }
  const first = entries[0];
  const study = first.manifest.study;
  for (const { dir, manifest } of entries.slice(1)) {
    if (manifest.study.fingerprint !== study.fingerprint || JSON.stringify(manifest.study.invocation) !== JSON.stringify(study.invocation)) {
      throw new InputError(
        dir,
        '',
        `a shard of another study than ${first.dir}: ${describeStudy(manifest)} (fingerprint ${manifest.study.fingerprint.slice(0, 12)}) against ${describeStudy(first.manifest)} (fingerprint ${study.fingerprint.slice(0, 12)})`,
      );
    }
    if (manifest.shard.count !== first.manifest.shard.count) {
      throw new InputError(dir, '', `shard ${manifest.shard.index} of ${manifest.shard.count}, but ${first.dir} is one of ${first.manifest.shard.count}: shards of one split only`);
    }
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, ShardEntry>();
  for (const entry of entries) {
    const twice = byIndex.get(entry.manifest.shard.index);
    if (twice) throw new InputError(entry.dir, '', `shard ${entry.manifest.shard.index}/${count} is given twice: ${twice.dir} and ${entry.dir}`);
    byIndex.set(entry.manifest.shard.index, entry);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    throw new InputError(
      'merge',
      '',
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} of ${describeStudy(first.manifest)} missing: run ${missing.length > 1 ? 'them' : 'it'} (--shard K/${count}), or resubmit ${missing.length > 1 ? 'those array tasks' : 'that array task'} (sbatch --array=${arrayList(missing)} shards.sbatch), then merge again`,
    );
  }
  return Array.from({ length: count }, (_, k) => byIndex.get(k + 1)!);
}

function describeStudy(manifest: ShardManifest): string {
  const inv = manifest.study.invocation;
  const options = [
    inv.cohort !== undefined ? `--cohort ${inv.cohort}` : '',
    inv.seed !== undefined ? `--seed ${inv.seed}` : '',
    inv.seeds !== undefined ? `--seeds ${inv.seeds}` : '',
    inv.windowDays !== undefined ? `--window-days ${inv.windowDays}` : '',
    inv.report === false ? '--no-report' : '',
  ].filter((o) => o !== '');
  return `${inv.kind} ${inv.file}${options.length ? ` ${options.join(' ')}` : ''}`;
}

/**
 * Each shard holds the jobs the split of `patientDays` into N gives it
 * (patient and seed as the study's `jobs`), and nothing else.
 */
export function checkShardJobs(shards: readonly ShardEntry[], jobs: readonly { readonly patient: string; readonly seed: number | string }[], patientDays: readonly number[]): void {
  const shardOf = assignShards(patientDays, shards.length);
  for (const { dir, manifest } of shards) {
    const expected = shardOf.flatMap((s, job) => (s === manifest.shard.index ? [job] : []));
    const listed = manifest.jobs.map((j) => j.index);
    const same = listed.length === expected.length && listed.every((j, k) => j === expected[k]);
    const record = manifest.jobs.find((j) => jobs[j.index]?.patient !== j.patient || jobs[j.index]?.seed !== j.seed);
    if (!same || record) {
      throw new InputError(join(dir, 'shard.json'), 'jobs', `does not list the jobs of shard ${manifest.shard.index}/${manifest.shard.count} of this study (${expected.length} jobs: ${expected.slice(0, 5).join(', ')}${expected.length > 5 ? ' …' : ''}); the shard directory was changed or is damaged`);
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
