/**
 * `--shard K/N` of `run` and `experiment`: the K-th of N slices of a study's
 * jobs (cluster/shards.ts), written atomically as a shard directory —
 * `traces/` (a run's), `parts/<job>.v8` (what the results keep of each job)
 * and `shard.json` (the study's fingerprint and version, the jobs, a
 * checksum of every file, and the timing) — for `glucosim merge`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { fileChecksum } from '../cluster/checksum.js';
import { partPath, SHARD_FORMAT, SHARD_FORMAT_VERSION, SHARD_MANIFEST_FILE, type ShardJobRecord, type ShardManifest, shardJobFiles } from '../cluster/manifest.js';
import { checkShardCount, parseShard, type ShardSpec, shardJobs } from '../cluster/shards.js';
import { writeFileAtomic } from '../io/atomic.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { interruptible } from './interrupt.js';
import type { Parallelism } from './parallelism.js';
import { fingerprintOf, jobPatientDays, printNotes, runStudyJobs, type Study } from './study.js';
import { GLUCOSIM_VERSION, glucosimCodeHash } from './version.js';

/** Marks a shard directory (what --force may replace). */
const SHARD_GUARD_MARKER = SHARD_MANIFEST_FILE;

/** The files a job of `study` writes into a shard directory, relative to it. */
export function jobFiles(study: Study<unknown>, job: number): string[] {
  return shardJobFiles(study.writesTraces, study.jobs[job].patient, job);
}

/** `--shard K/N` read and checked against the study (every shard must have a job). */
function studyShard(study: Study<unknown>, text: string): ShardSpec {
  const shard = parseShard(text);
  checkShardCount(shard.count, study.jobs.length, '--shard');
  return shard;
}

export async function runStudyShard<Part>(
  study: Study<Part>,
  shardOption: string,
  out: string | undefined,
  force: boolean | undefined,
  options: Parallelism & { readonly quiet?: boolean },
): Promise<string> {
  const shard = studyShard(study, shardOption);
  const days = jobPatientDays(study);
  const selected = shardJobs(days, shard);
  const { fingerprint, sources } = fingerprintOf(study);
  const dir = newOutputDirectory(out, `${study.name}-shard-${shard.index}-of-${shard.count}`, force, { ...study.guard, marker: SHARD_GUARD_MARKER, otherMarkers: [], foreignMarkers: [] });
  const label = `${study.label} (shard ${shard.index}/${shard.count})`;
  printNotes(study, label, options.quiet);
  const startedAt = new Date();
  const started = performance.now();
  await interruptible(`the ${study.invocation.kind}`, (signal) =>
    buildOutputDirectory(
      dir,
      force,
      async (tmp) => {
        const parts = await runStudyJobs({ ...study, label }, selected, tmp, { ...options, signal });
        mkdirSync(join(tmp, 'parts'));
        // v8's serialisation keeps every double exactly (NaN, −0 too), so
        // the merged results are computed from the very numbers a single
        // machine would have; the directory is renamed into place whole.
        for (const job of selected) writeFileSync(join(tmp, partPath(job)), serialize(parts[job]));
        const jobs: ShardJobRecord[] = selected.map((job) => ({
          index: job,
          patient: study.jobs[job].patient,
          seed: study.jobs[job].seed,
          patientDays: days[job],
          files: jobFiles(study, job).map((path) => ({ path, ...fileChecksum(join(tmp, path)) })),
        }));
        const manifest: ShardManifest = {
          format: SHARD_FORMAT,
          formatVersion: SHARD_FORMAT_VERSION,
          glucosimVersion: GLUCOSIM_VERSION,
          glucosimCode: glucosimCodeHash(),
          node: process.version,
          study: {
            invocation: study.invocation,
            name: study.name,
            fingerprint,
            sources,
            jobs: study.jobs.length,
            patientDays: days.reduce((s, d) => s + d, 0),
          },
          shard,
          jobs,
          timing: {
            processStartedAt: new Date(performance.timeOrigin).toISOString(),
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
            seconds: (performance.now() - started) / 1000,
            host: hostname(),
            cwd: process.cwd(),
          },
        };
        writeFileAtomic(join(tmp, SHARD_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      },
      signal,
    ),
  );
  return dir;
}
