/**
 * Shards of a study: its jobs (scenario × arm × patient × seed) split into N
 * deterministic slices of about equal simulated patient-days, so that N
 * machines (a Slurm job array) can run one each and a merge can check that
 * together they ran every job exactly once.
 */
import { InputError } from '../io/errors.js';

/** Shard K of N, 1-based (as `$SLURM_ARRAY_TASK_ID` counts from `--array=1-N`). */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** The largest N a study is split into: far beyond a job array's usual limit (MaxArraySize, 1001 by default). */
export const MAX_SHARDS = 100_000;

/** `--shard K/N`: whole numbers, 1 ≤ K ≤ N ≤ MAX_SHARDS. */
export function parseShard(text: string, option = '--shard'): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new InputError(option, '', `must be K/N (shard K of N, e.g. 2/4), got '${text}'`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) throw new InputError(option, '', `the number of shards N must be from 1 to ${MAX_SHARDS}, got ${match[2]}`);
  if (index < 1 || index > count) throw new InputError(option, '', `the shard K must be from 1 to N = ${count}, got ${match[1]}`);
  return { index, count };
}

/**
 * Which shard (1-based) runs each job: longest first, each to the shard with
 * the fewest patient-days so far, ties to the lower shard and the lower job
 * (LPT scheduling; its makespan is within 4/3 of the best, Graham 1969).
 * With equal days, as in an experiment, job j goes to shard (j mod N) + 1, so
 * each shard gets every arm and seed. Pure: every machine computes the same
 * split from the same study.
 */
export function assignShards(patientDays: readonly number[], count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a whole number ≥ 1, got ${count}`);
  const order = patientDays.map((_, j) => j).sort((a, b) => patientDays[b] - patientDays[a] || a - b);
  const load = new Array<number>(count).fill(0);
  const shardOf = new Array<number>(patientDays.length);
  for (const job of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    load[best] += patientDays[job];
    shardOf[job] = best + 1;
  }
  return shardOf;
}

/** The jobs (indices into the study's job list, ascending) of one shard. */
export function shardJobs(patientDays: readonly number[], shard: ShardSpec): number[] {
  const shardOf = assignShards(patientDays, shard.count);
  return shardOf.flatMap((s, job) => (s === shard.index ? [job] : []));
}

/** A study of `jobs` jobs cannot give each of `count` shards a job: refused, naming the option. */
export function checkShardCount(count: number, jobs: number, option: string): void {
  if (count > jobs) throw new InputError(option, '', `${count} shards for a study of ${jobs} job${jobs === 1 ? '' : 's'}: give at most ${jobs}, so that every shard has a job`);
}
