/**
 * The Grid World experiment file and command (gridWorldExperiment.ts,
 * src/cli/ppopiGridWorld.ts): the shipped experiment parses; bad files are
 * refused naming the file and the field; the command writes its four files
 * atomically, refuses an existing directory, reproduces table2.json byte
 * for byte but for the timings, and compares the decisions of two modes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GridWorldSetup, ppopiGridWorldCommand } from '../../../src/cli/ppopiGridWorld.js';
import { InputError } from '../../../src/io/errors.js';
import { PROJECT_ROOT } from '../../../src/io/paths.js';
import { loadGridWorldExperiment, parseGridWorldExperiment } from '../../../src/privacy/ppopi/gridWorldExperiment.js';
import type { PipelineFactory, PolicyPipeline } from '../../../src/privacy/ppopi/gridWorldStudy.js';
import { plainPipelineFactory } from '../../../src/privacy/ppopi/plainPipeline.js';

const root = mkdtempSync(join(tmpdir(), 'glucosim-ppopi-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SMALL = {
  name: 'ppopi-small',
  mazes: 3,
  seed: 4,
  columns: 10,
  rows: 5,
  wallProbability: 0.2,
  gamma: 0.99,
  maxRounds: 200,
  maxStepsPerAttempt: 5000,
  modes: ['plain', 'encrypted'],
};

function experimentFile(name: string, content: unknown): string {
  const file = join(root, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The plain pipeline under the encrypted mode's name: the comparison plumbing without cryptography. */
const plainAsEncrypted: PipelineFactory = (maze, index, learning) => ({ ...(plainPipelineFactory(maze, index, learning) as PolicyPipeline), mode: 'encrypted' });

describe('experiment file', () => {
  it('the shipped experiment is the paper\'s setting', () => {
    const e = loadGridWorldExperiment(join(PROJECT_ROOT, 'experiments', 'ppopi-gridworld.json'));
    expect(e).toMatchObject({ mazes: 100, columns: 20, rows: 10, wallProbability: 0.2, keyBits: 1024, modes: ['plain', 'encrypted'] });
    expect(e.gamma).toBeGreaterThan(0);
    expect(e.gamma).toBeLessThan(1);
  });

  it('keyBits defaults to 1024', () => {
    expect(parseGridWorldExperiment(SMALL, 'x.json').keyBits).toBe(1024);
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['a missing field', { ...SMALL, mazes: undefined }, /^x\.json: mazes: required field is missing$/],
    ['γ = 1', { ...SMALL, gamma: 1 }, /^x\.json: gamma: must be < 1 \(got 1\)$/],
    ['no mazes', { ...SMALL, mazes: 0 }, /^x\.json: mazes: must be ≥ 1/],
    ['a wall probability of 1', { ...SMALL, wallProbability: 1 }, /^x\.json: wallProbability: must be < 1/],
    ['an unknown mode', { ...SMALL, modes: ['plain', 'secret'] }, /^x\.json: modes\[1\]: must be one of plain, encrypted/],
    ['a mode twice', { ...SMALL, modes: ['plain', 'plain'] }, /^x\.json: modes: must not repeat an item/],
    ['an unknown field', { ...SMALL, walls: 3 }, /^x\.json: walls: unknown property/],
    ['a fractional key size', { ...SMALL, keyBits: 1024.5 }, /^x\.json: keyBits: must be integer/],
    ['an empty seed', { ...SMALL, seed: ' ' }, /^x\.json: seed: must not be empty$/],
  ];
  for (const [what, json, message] of refusals) {
    it(`refuses ${what}, naming file and field`, () => {
      const clean = JSON.parse(JSON.stringify(json));
      expect(() => parseGridWorldExperiment(clean, 'x.json')).toThrow(InputError);
      expect(() => parseGridWorldExperiment(clean, 'x.json')).toThrow(message);
    });
  }
});

describe('ppopiGridWorldCommand', () => {
  const file = experimentFile('small.json', SMALL);

  it('writes table2.md, table2.json, figure3.svg and rounds.csv; only the timings vary between runs of one seed', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    const summary = await ppopiGridWorldCommand({ experiment: file, out: a, quiet: true }, { plain: plainPipelineFactory });
    await ppopiGridWorldCommand({ experiment: file, out: b, quiet: true }, { plain: plainPipelineFactory });
    expect(readdirSync(a).sort()).toEqual(['figure3.svg', 'rounds.csv', 'table2.json', 'table2.md']);
    expect(summary).toMatch(/plain: best path [\d.]+ steps \(paper 27\.82\)/);
    expect(summary).toMatch(/encrypted: not run/);
    expect(summary.trimEnd().endsWith(a)).toBe(true);
    const withoutTimings = (dir: string) => {
      const doc = JSON.parse(readFileSync(join(dir, 'table2.json'), 'utf8'));
      expect(Object.keys(doc.timings)).toEqual(['encrypted', 'plain']);
      delete doc.timings;
      return JSON.stringify(doc, null, 2);
    };
    expect(withoutTimings(b)).toBe(withoutTimings(a));
    const doc = JSON.parse(readFileSync(join(a, 'table2.json'), 'utf8'));
    expect(doc.table2.plain.bestPathSteps.paper).toBe(27.82);
    expect(doc.table2.encrypted.iterations).toEqual({ ours: null, paper: 5438 });
    expect(doc.skipped).toEqual([{ mode: 'encrypted', reason: 'no encrypted pipeline given to this command' }]);
    expect(doc.mazes).toHaveLength(3);
    // The same rounds in both runs (the ms columns aside).
    const rows = (dir: string) => readFileSync(join(dir, 'rounds.csv'), 'utf8').split('\n').map((l) => l.split(',').filter((_, i) => i < 10).join(','));
    expect(rows(b)).toEqual(rows(a));
    expect(readFileSync(join(a, 'figure3.svg'), 'utf8')).toMatch(/^<\?xml/);
  });

  it('refuses an existing directory before running, and a bad --mazes', async () => {
    const existing = join(root, 'exists');
    await ppopiGridWorldCommand({ experiment: file, out: existing, mazes: 1, quiet: true }, { plain: plainPipelineFactory });
    await expect(ppopiGridWorldCommand({ experiment: file, out: existing, quiet: true }, { plain: plainPipelineFactory })).rejects.toThrow(/already exists/);
    await expect(ppopiGridWorldCommand({ experiment: file, out: join(root, 'm0'), mazes: 0, quiet: true }, { plain: plainPipelineFactory })).rejects.toThrow(/--mazes: must be a whole number/);
    expect(existsSync(join(root, 'm0'))).toBe(false);
  });

  it('runs both modes when given both, and says whether their decisions are identical; a factory maker sees keyBits and --keys', async () => {
    const out = join(root, 'both');
    let setup: GridWorldSetup | undefined;
    const summary = await ppopiGridWorldCommand({ experiment: file, out, mazes: 2, keys: 'keys.json', quiet: true }, (s) => {
      setup = s;
      return { plain: plainPipelineFactory, encrypted: plainAsEncrypted };
    });
    expect(setup?.keys).toBe('keys.json');
    expect(setup?.experiment.keyBits).toBe(1024);
    expect(setup?.learning.gamma).toBe(0.99);
    expect(summary).toMatch(/decisions identical in plain and encrypted: yes/);
    const md = readFileSync(join(out, 'table2.md'), 'utf8');
    expect(md).toMatch(/\| Average steps of best path \| [\d.]+ \| 28\.63 \| [\d.]+ \| 27\.82 \|/);
    expect(md).toMatch(/took the same actions in both modes/);
    const doc = JSON.parse(readFileSync(join(out, 'table2.json'), 'utf8'));
    expect(doc.decisionsIdentical).toBe(true);
    expect(doc.table2.encrypted.bestPathSteps.ours).toBe(doc.table2.plain.bestPathSteps.ours);
    const svg = readFileSync(join(out, 'figure3.svg'), 'utf8');
    expect(svg.match(/class="series"/g)).toHaveLength(2);
  });

  it('refuses an experiment none of whose modes has a pipeline', async () => {
    const onlyEncrypted = experimentFile('enc.json', { ...SMALL, modes: ['encrypted'] });
    await expect(ppopiGridWorldCommand({ experiment: onlyEncrypted, out: join(root, 'none'), quiet: true }, { plain: plainPipelineFactory })).rejects.toThrow(/modes: none of encrypted has a pipeline/);
  });
});
