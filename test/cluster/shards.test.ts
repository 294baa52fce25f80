/** The split of a study's jobs into shards: a partition, deterministic, balanced by patient-days. */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { assignShards, checkShardCount, parseShard, shardJobs } from '../../src/cluster/shards.js';
import { arrayList } from '../../src/cluster/shardSet.js';

describe('parseShard', () => {
  it('reads K/N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each([
    ['2', /must be K\/N/],
    ['a/4', /must be K\/N/],
    ['1.5/4', /must be K\/N/],
    ['-1/4', /must be K\/N/],
    ['0/4', /the shard K must be from 1 to N = 4, got 0/],
    ['5/4', /the shard K must be from 1 to N = 4, got 5/],
    ['1/0', /the number of shards N must be from 1 to 100000, got 0/],
    ['1/100001', /the number of shards N must be from 1 to 100000/],
  ])('refuses %s naming --shard', (text, reason) => {
    expect(() => parseShard(text)).toThrow(reason);
    expect(() => parseShard(text)).toThrow(/^--shard: /);
  });

  it('refuses more shards than jobs', () => {
    expect(() => checkShardCount(4, 3, '--shards')).toThrow('--shards: 4 shards for a study of 3 jobs: give at most 3, so that every shard has a job');
    expect(() => checkShardCount(3, 3, '--shards')).not.toThrow();
  });
});

describe('assignShards', () => {
  it('deals equal jobs round-robin, so every shard gets every arm and seed', () => {
    expect(assignShards([10, 10, 10, 10, 10, 10, 10], 3)).toEqual([1, 2, 3, 1, 2, 3, 1]);
  });

  it('places the longest jobs first, each on the lightest shard', () => {
    // 365 goes alone; the 10-day jobs fill the other shard.
    expect(assignShards([10, 365, 10, 10], 2)).toEqual([2, 1, 2, 2]);
  });

  it('property: for random studies and N in 1..7, the shards partition the jobs and are balanced', () => {
    const rng = seedrandom('shards-partition');
    for (let trial = 0; trial < 500; trial++) {
      const jobs = 1 + Math.floor(rng() * 60);
      const count = 1 + Math.floor(rng() * 7);
      const days = Array.from({ length: jobs }, () => 1 + Math.floor(rng() * (rng() < 0.5 ? 3 : 400)));
      const shardOf = assignShards(days, count);
      const slices = Array.from({ length: count }, (_, k) => shardJobs(days, { index: k + 1, count }));
      // Every job in exactly one shard, each shard's jobs ascending.
      const all = slices.flat().sort((a, b) => a - b);
      expect(all).toEqual(days.map((_, j) => j));
      for (const [k, slice] of slices.entries()) {
        expect(slice).toEqual([...slice].sort((a, b) => a - b));
        for (const j of slice) expect(shardOf[j]).toBe(k + 1);
      }
      // The same split on every call (every machine computes it alone).
      expect(assignShards(days, count)).toEqual(shardOf);
      // Balanced: no shard carries more than the lightest plus the longest job (LPT's bound),
      // and no shard is empty when there are at least as many jobs as shards.
      const load = slices.map((s) => s.reduce((sum, j) => sum + days[j], 0));
      expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(Math.max(...days));
      if (jobs >= count) for (const slice of slices) expect(slice.length).toBeGreaterThan(0);
    }
  });
});

describe('arrayList', () => {
  it('writes shard numbers as a Slurm --array list', () => {
    expect(arrayList([4])).toBe('4');
    expect(arrayList([6, 2, 4, 5])).toBe('2,4-6');
    expect(arrayList([1, 2, 3, 7])).toBe('1-3,7');
  });
});
