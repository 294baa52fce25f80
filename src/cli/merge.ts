/**
 * `glucosim merge <shard dirs…> --out <dir>`: the shards of one study (from
 * `run`/`experiment --shard K/N`, e.g. the tasks of a Slurm job array) into
 * the output directory the study gives on one machine, byte for byte but for
 * its time stamps (summary.json's `createdAt` and an experiment's `seconds`;
 * each shard's own timing stays in its shard.json). The study is re-read
 * from its files, which must be those the shards ran (same fingerprint), so
 * merge runs where the shards ran, from the same directory.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { partPath, readShardManifest } from '../cluster/manifest.js';
import { checkShardFiles, checkShardJobs, checkShardSet, type ShardEntry } from '../cluster/shardSet.js';
import { InputError, isFileSystemRefusal } from '../io/errors.js';
import { prepareExperimentStudy } from './experiment.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { interruptible } from './interrupt.js';
import { prepareRunStudy } from './run.js';
import { jobFiles } from './shard.js';
import { fingerprintOf, jobPatientDays, type Study } from './study.js';
import { GLUCOSIM_VERSION, glucosimCodeHash } from './version.js';

export interface MergeArguments {
  readonly shards: readonly string[];
  readonly out?: string;
  readonly force?: boolean;
  readonly quiet?: boolean;
}

/** The study a shard was made of, re-read from its files with its options. */
function studyOf(entry: ShardEntry): Study<unknown> {
  const { invocation } = entry.manifest.study;
  const where = `the study of ${entry.dir} (${invocation.kind} ${invocation.file}, run in ${entry.manifest.timing.cwd})`;
  if (!existsSync(invocation.file)) throw new InputError(invocation.file, '', `not found: ${where}; run merge from the directory the shards ran in`);
  return invocation.kind === 'run'
    ? prepareRunStudy({
      scenario: invocation.file,
      cohort: invocation.cohort,
      seed: invocation.seed,
      windowDays: invocation.windowDays,
      report: invocation.report,
      traces: invocation.traces,
      cvgaPoints: invocation.cvgaPoints,
    })
    : prepareExperimentStudy({ file: invocation.file, cohort: invocation.cohort, seed: invocation.seed, seeds: invocation.seeds });
}

/**
 * A part as the shard wrote it (its checksum checked): one that this Node
 * cannot read (written by a newer Node's serialiser) is refused in one line.
 */
function readPart(dir: string, path: string): unknown {
  try {
    return deserialize(readFileSync(join(dir, path)));
  } catch (err) {
    if (isFileSystemRefusal(err)) throw err;
    throw new InputError(dir, path, `cannot be read by this Node ${process.version} (${(err as Error).message}); merge with the Node the shards ran with, or run the shard again`);
  }
}

export async function mergeCommand(args: MergeArguments): Promise<string> {
  // A shard whose task failed left no directory: it is reported among the missing shards, by number.
  const absent = args.shards.filter((dir) => !existsSync(dir));
  const entries = args.shards.filter((dir) => existsSync(dir)).map((dir) => ({ dir, manifest: readShardManifest(dir) }));
  if (entries.length === 0) throw new InputError('merge', '', `none of the shard directories exists (${args.shards.join(', ')}): have the shards run?`);
  const shards = checkShardSet(entries, { version: GLUCOSIM_VERSION, code: glucosimCodeHash(), node: process.version });
  if (absent.length > 0) throw new InputError(absent[0], '', 'no such shard directory (every shard of the study is given besides it: remove it from the list)');
  const first = shards[0];
  const study = studyOf(first);
  const { fingerprint, sources } = fingerprintOf(study);
  if (fingerprint !== first.manifest.study.fingerprint) {
    const changed = sources.filter((s) => !first.manifest.study.sources.some((r) => r.role === s.role && r.sha256 === s.sha256));
    throw new InputError(
      first.dir,
      '',
      `its study has changed since the shards ran${changed.length ? ` (${changed.map((s) => s.path).join(', ')} differ${changed.length === 1 ? 's' : ''})` : ' (its options or job list differ)'}: the shards are not results of ${study.invocation.kind} ${study.invocation.file} as it is now`,
    );
  }
  checkShardJobs(shards, study.jobs, jobPatientDays(study), study.writesTraces);
  checkShardFiles(shards);
  const dir = newOutputDirectory(args.out, study.name, args.force, { ...study.guard, inputs: [...(study.guard.inputs ?? []), ...args.shards] });
  const seconds = shards.reduce((s, e) => s + e.manifest.timing.seconds, 0);
  await interruptible('the merge', (signal) =>
    buildOutputDirectory(
      dir,
      args.force,
      async (tmp) => {
        const parts = new Array<unknown>(study.jobs.length);
        if (study.writesTraces) mkdirSync(join(tmp, 'traces'));
        for (const { dir: shardDir, manifest } of shards) {
          for (const job of manifest.jobs) {
            for (const file of jobFiles(study, job.index)) if (file !== partPath(job.index)) copyFileSync(join(shardDir, file), join(tmp, file));
            parts[job.index] = readPart(shardDir, partPath(job.index));
          }
        }
        study.write(tmp, parts, { createdAt: new Date().toISOString(), seconds });
      },
      signal,
    ),
  );
  if (!args.quiet) process.stderr.write(`merge: ${shards.length} shards, ${study.jobs.length} jobs of ${study.invocation.kind} ${study.invocation.file}\n`);
  return dir;
}
