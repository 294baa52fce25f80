/**
 * Property: for random studies (runs and experiments: cohorts, days, seeds, traces,
 * windows, arms) and N in 1..7, the N shards partition the study's jobs and
 * their merge is the single-machine output byte for byte, time stamps
 * aside. The commands run in this process (no CLI start-up per shard);
 * test/cli/merge.test.ts runs them through the built CLI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentCommand } from '../../src/cli/experiment.js';
import { mergeCommand } from '../../src/cli/merge.js';
import { runCommand } from '../../src/cli/run.js';
import { expectSameStudyOutput, makeTempDir, randomisedJson, removeTempDirs, ROOT } from './helpers.js';

const PATIENTS = ['adolescent', 'adult', 'child'].flatMap((g) => Array.from({ length: 10 }, (_, i) => `${g}#${String(i + 1).padStart(3, '0')}`));
const SHIPPED = JSON.parse(readFileSync(join(ROOT, 'experiments', 'ac-initialisation.json'), 'utf8')) as { arms: { name: string }[]; runInDays: number };
const ARMS = SHIPPED.arms;

afterAll(removeTempDirs);

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

function cohort(rng: Rng, size: number): string {
  const chosen = new Set<string>();
  while (chosen.size < size) chosen.add(pick(rng, PATIENTS));
  return [...chosen].join(',');
}

function shardManifests(dirs: readonly string[]): { index: number }[][] {
  return dirs.map((d) => JSON.parse(readFileSync(join(d, 'shard.json'), 'utf8')).jobs);
}

/** Each study: its single-machine directory, then N shards and their merge, compared. */
async function checkStudy(dir: string, jobs: number, count: number, run: (extra: { out: string; shard?: string; workers: number }) => Promise<string>) {
  const single = await run({ out: join(dir, 'single'), workers: 2 });
  const shards: string[] = [];
  for (let k = 1; k <= count; k++) shards.push(await run({ out: join(dir, `shard-${k}`), shard: `${k}/${count}`, workers: 1 }));
  const covered = shardManifests(shards).flatMap((js) => js.map((j) => j.index)).sort((a, b) => a - b);
  expect(covered, 'the shards partition the jobs').toEqual(Array.from({ length: jobs }, (_, j) => j));
  const merged = await mergeCommand({ shards: [...shards].reverse(), out: join(dir, 'merged'), quiet: true });
  expectSameStudyOutput(merged, single);
}

describe('shards and merge, property', () => {
  const rng = seedrandom('shard-merge-property');
  // Every N from 1 to 7 once, each on a random study of its own (runs and experiments in turn).
  const cases = Array.from({ length: 7 }, (_, i) => ({ i, count: i + 1, kind: i % 2 === 0 ? 'run' : 'experiment', draw: rng() }));

  it.each(cases)('study $i ($kind), N = $count', async ({ i, count, kind, draw }) => {
    const r = seedrandom(String(draw));
    const dir = makeTempDir(`shard-property-${i}`);
    const days = between(r, 1, 2);
    const seed = between(r, 1, 10_000);
    const scenarioFile = join(dir, 'scenario.json');
    writeFileSync(scenarioFile, JSON.stringify({ ...randomisedJson(), name: `property-${i}`, days, seed }));
    if (kind === 'run') {
      const size = between(r, Math.max(2, count), 9);
      const cohortText = cohort(r, size);
      const windowDays = r() < 0.5 ? between(r, 1, days) : undefined;
      const report = r() < 0.8;
      const traces = r() < 0.3 ? 'none' : undefined;
      await checkStudy(dir, size, count, (extra) => runCommand({ scenario: scenarioFile, cohort: cohortText, windowDays, report, traces, quiet: true, ...extra }));
    } else {
      const arms = ARMS.filter(() => r() < 0.5);
      if (arms.length === 0) arms.push(ARMS[0]);
      const seeds = between(r, 1, 2);
      // At least one job per shard.
      const size = between(r, Math.ceil(count / (arms.length * seeds)), Math.max(3, Math.ceil(count / (arms.length * seeds))));
      const experimentFile = join(dir, 'experiment.json');
      const windowDays = between(r, 1, days);
      writeFileSync(experimentFile, JSON.stringify({ name: `property-${i}`, scenario: 'scenario.json', cohort: cohort(r, size), seeds, runInDays: SHIPPED.runInDays, windowDays, arms }));
      const jobs = arms.length * seeds * size;
      await checkStudy(dir, jobs, count, (extra) => experimentCommand({ file: experimentFile, quiet: true, ...extra }));
    }
  }, 120_000);
});
