/**
 * The ablation of the actor-critic study (experiments/ac-initialisation.json,
 * Daskalaki, Diem & Mougiakakou 2014, §3.3): each change the study makes to
 * our first reading of the paper, switched off (or, for the extra options,
 * on) one at a time, the rest as shipped; and all of them off together.
 *
 *   npm run ablation:ac -- [--seeds 5] [--out ablation.md] [--workers N]
 *
 * Prints a Markdown table (% CVGA A+B over the last 5 days without the two
 * excluded children, and the children's daily-LBGI slope) to stdout, or
 * writes it to --out; runs the built CLI once per variant, with progress on
 * stderr. Variants that change only how results are read (the kind of CVGA
 * point, S2's signs) come from the shipped study's run, not from a run of
 * their own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/io/atomic.js';

interface Interval {
  mean: number;
  low: number;
  high: number;
}
interface ArmSummary {
  arm: string;
  percentABWithExclusions: Record<string, Interval>;
  percentABOtherPoints: { overallWithExclusions: Interval };
  lbgiSlopeWithExclusions: Record<string, Interval>;
}
interface Summary {
  arms: ArmSummary[];
  comparisons?: { a: string; b: string; percentABWithExclusions: Record<string, Interval> }[];
  transferEntropy?: { arm: string; reliability: { icc1: number } }[];
}
type ExperimentJson = { scenario: string; runInDays?: number; cvga?: { points: string }; arms: { name: string; controller: { name: string; options?: Record<string, unknown> } }[] } & Record<string, unknown>;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const studyFile = join(root, 'experiments', 'ac-initialisation.json');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

/** Every actor-critic arm's options patched. */
const acArms = (patch: Record<string, unknown>) => (e: ExperimentJson) => ({
  ...e,
  arms: e.arms.map((a) => (a.controller.name === 'actor-critic' ? { ...a, controller: { ...a.controller, options: { ...a.controller.options, ...patch } } } : a)),
});
/** Every arm's options patched (the fixed therapy's too). */
const allArms = (patch: Record<string, unknown>) => (e: ExperimentJson) => ({
  ...e,
  arms: e.arms.map((a) => ({ ...a, controller: { ...a.controller, options: { ...a.controller.options, ...patch } } })),
});
const runIn = (days: number) => (e: ExperimentJson) => acArms({ runInDays: days })({ ...e, runInDays: days });
const compose = (...fs: ((e: ExperimentJson) => ExperimentJson)[]) => (e: ExperimentJson) => fs.reduce((x, f) => f(x), e);

interface Variant {
  readonly name: string;
  /** A run of its own (patched experiment), or a reading of the shipped study's run. */
  readonly patch?: (e: ExperimentJson) => ExperimentJson;
  readonly read?: 'other-points' | 'S2W-as-S2';
}

const firstReading = compose(
  allArms({ bolusTiming: 'intake' }),
  acArms({ teEstimator: 'plug-in', iobWarmStart: false }),
  runIn(1),
  (e) => ({ ...e, cvga: { points: 'patient' } }),
  (e) => ({ ...e, arms: e.arms.map((a) => (a.name === 'S2' ? { ...a, controller: { ...a.controller, options: { ...a.controller.options, initialisation: 'S2W' } } } : a)) }),
);

const VARIANTS: readonly Variant[] = [
  { name: 'the study as shipped' },
  { name: 'one CVGA point per patient (not per patient-day)', read: 'other-points' },
  { name: 'bolus at intake (not at announcement)', patch: allArms({ bolusTiming: 'intake' }) },
  { name: "S2 with the signs of W (not random)", read: 'S2W-as-S2' },
  { name: 'insulin on board from 0 (no warm start)', patch: acArms({ iobWarmStart: false }) },
  { name: 'plug-in TE (no surrogate correction)', patch: acArms({ teEstimator: 'plug-in' }) },
  { name: 'run-in of 1 day', patch: runIn(1) },
  { name: 'symmetric daily limits ±20 % (not +5/−20 %)', patch: acArms({ maxDailyIncrease: 0.2 }) },
  { name: 'simulator-optimised starting therapy, every arm', patch: allArms({ therapy: 'optimised' }) },
  { name: 'all of the above off: the first reading', patch: firstReading },
];

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runVariant(work: string, index: number, experiment: ExperimentJson, seeds: number, workers: string | undefined): Summary {
  const file = join(work, `variant-${index}.json`);
  writeFileSync(file, JSON.stringify(experiment));
  const out = join(work, `out-${index}`);
  const args = [cli, 'experiment', file, '--out', out, '--seeds', String(seeds), '--quiet', ...(workers ? ['--workers', workers] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`variant ${index}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const ci = (v: Interval | undefined) => (v ? `${f1(v.mean)} [${f1(v.low)}, ${f1(v.high)}]` : '–');

function main(): void {
  const seeds = Number(argument('seeds') ?? 5);
  const workers = argument('workers');
  const base = JSON.parse(readFileSync(studyFile, 'utf8')) as ExperimentJson;
  base.scenario = resolve(dirname(studyFile), base.scenario);
  const work = mkdtempSync(join(tmpdir(), 'glucosim-ac-ablation-'));
  const rows: string[] = [];
  try {
    let shipped: Summary | undefined;
    VARIANTS.forEach((v, i) => {
      const started = Date.now();
      const summary = v.patch ? runVariant(work, i, v.patch(base), seeds, workers) : (shipped ??= runVariant(work, i, base, seeds, workers));
      const arm = (name: string) => summary.arms.find((a) => a.arm === name);
      const share = (name: string) => {
        const a = v.read === 'S2W-as-S2' && name === 'S2' ? arm('S2W') : arm(name);
        if (!a) return undefined;
        return v.read === 'other-points' ? a.percentABOtherPoints.overallWithExclusions : a.percentABWithExclusions.overall;
      };
      const children = (name: string) => (v.read === 'other-points' ? undefined : arm(v.read === 'S2W-as-S2' && name === 'S2' ? 'S2W' : name)?.percentABWithExclusions.children);
      const slope = (name: string) => arm(v.read === 'S2W-as-S2' && name === 'S2' ? 'S2W' : name)?.lbgiSlopeWithExclusions.children;
      // S3 over S1 in children, paired by seed (per patient-day points: not for the per-patient reading).
      const s3OverS1 = v.read === 'other-points' ? undefined : summary.comparisons?.find((c) => c.a === 'S3' && c.b === 'S1')?.percentABWithExclusions.children;
      const icc = summary.transferEntropy?.find((t) => t.arm === 'S3')?.reliability.icc1 ?? NaN;
      rows.push(
        `| ${v.name} | ${['fixed', 'S1', 'S2', 'S3'].map((n) => f1(share(n)?.mean ?? NaN)).join(' | ')} | ${['S1-TD', 'S3-TD'].map((n) => f1(share(n)?.mean ?? NaN)).join(' | ')} | ${ci(children('S3'))} | ${ci(s3OverS1)} | ${['S1', 'S2', 'S3'].map((n) => f2(slope(n)?.mean ?? NaN)).join(' / ')} | ${f2(icc)} |`,
      );
      process.stderr.write(`ablation ${i + 1}/${VARIANTS.length}: ${v.name} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const table = [
    `Ablation of experiments/ac-initialisation.json, ${seeds} seeds: % CVGA A+B over the last 5 days without child#003 and child#008 (mean over seeds); children's S3 and S3 − S1 (paired by seed) with their 95 % intervals; children's daily-LBGI slope (per day) for S1 / S2 / S3; ICC(1) of S3's run-in TE over the seeds.`,
    '',
    '| variant | fixed | S1 | S2 | S3 | S1-TD | S3-TD | children S3 | children S3 − S1 | children LBGI slope S1 / S2 / S3 | TE ICC(1) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n') + '\n';
  const out = argument('out');
  if (out) writeFileAtomic(out, table);
  else process.stdout.write(table);
}

main();
