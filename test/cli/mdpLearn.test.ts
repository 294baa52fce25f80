/**
 * End-to-end tests of `glucosim mdp learn <records.csv> … --out DIR`
 * through the built CLI, on AIM-94 data-01 (test/fixtures/aim94; AIM-94
 * data set provided by Michael Kahn, MD, PhD, Washington University, St.
 * Louis, MO), imported with `glucosim import aim94` first: the four outputs,
 * counts equal to what transitionsFromRecords counts, byte-identical
 * repeats, the policy file as the `mdp` controller's `startFrom` (and its
 * refusal under another state space), and refusals — exit 2, one line
 * naming the file or option, no output directory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SLOTS, doseGrid } from '../../src/control/mdp/definitionFile.js';
import { parseMdpOptions } from '../../src/control/mdp/entry.js';
import { transitionsFromRecords } from '../../src/control/mdp/fromRecords.js';
import { type PolicyDocument, readPolicyFile } from '../../src/control/mdp/policyFile.js';
import { learnDefinition } from '../../src/cli/mdpLearn.js';
import { InputError } from '../../src/io/errors.js';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import { parseRecordsCsv } from '../../src/records/recordsCsv.js';
import { expectInputFailure, listDir, makeTempDir, PACKAGE_VERSION, removeTempDirs, runCli, type CliResult } from './helpers.js';

const DATA_01 = join(PROJECT_ROOT, 'test', 'fixtures', 'aim94', 'data-01');
const OUTPUTS = ['learn-summary.json', 'policy.csv', 'policy.json', 'policy.svg'];

afterAll(removeTempDirs);

let dir: string;
let records: string;
beforeAll(() => {
  dir = makeTempDir('mdp-learn');
  const imported = runCli(['import', 'aim94', DATA_01, '--out', join(dir, 'aim94')]);
  expect(imported.status, imported.stderr).toBe(0);
  records = join(dir, 'aim94', 'records.csv');
});

describe('glucosim mdp learn on AIM-94 data-01', () => {
  let first: CliResult;
  let second: CliResult;
  let doc: PolicyDocument;
  beforeAll(() => {
    first = runCli(['mdp', 'learn', records, '--patient', 'data-01', '--out', join(dir, 'learn1')]);
    second = runCli(['mdp', 'learn', records, '--patient', 'data-01', '--out', join(dir, 'learn2')]);
    doc = JSON.parse(readFileSync(join(dir, 'learn1', 'policy.json'), 'utf8')) as PolicyDocument;
  });

  it('exits 0 and writes policy.json, policy.svg, policy.csv and learn-summary.json, nothing else', () => {
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    expect(listDir(join(dir, 'learn1'))).toEqual(OUTPUTS);
    expect(listDir(dir)).toEqual(['aim94', 'learn1', 'learn2']);
    expect(readFileSync(join(dir, 'learn1', 'policy.svg'), 'utf8')).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg [^>]*>[\s\S]*<\/svg>\n$/);
  });

  it('counts exactly the transitions transitionsFromRecords counts, and learns actions where there were visits', () => {
    const recs = parseRecordsCsv(readFileSync(records, 'utf8'), records);
    const expected = transitionsFromRecords(recs, learnDefinition({}), { patients: ['data-01'] });
    expect(expected.total.transitions).toBeGreaterThan(300);
    expect(doc.transitions).toBe(expected.total.transitions);
    expect(doc.counts).toEqual(expected.counts.entries());
    expect(doc.learnedFrom).toMatchObject({
      records: 'records.csv',
      patients: ['data-01'],
      glucosimVersion: PACKAGE_VERSION,
      stats: { total: expected.total, patients: { 'data-01': expected.total } },
    });
    expect(doc.states).toHaveLength(18 * 5);
    const learned = doc.states.filter((s) => s.source === 'learned');
    expect(learned.length).toBeGreaterThan(20);
    for (const s of learned) {
      expect(s.visits).toBeGreaterThan(0);
      expect(s.action).not.toBeNull();
    }
    for (const s of doc.states.filter((x) => x.source !== 'learned')) expect(s.stateVisits).toBe(0);
    expect(doc.valueIteration.converged).toBe(true);

    const summary = JSON.parse(readFileSync(join(dir, 'learn1', 'learn-summary.json'), 'utf8'));
    expect(summary).toMatchObject({ transitions: doc.transitions, states: { total: 90, learned: learned.length }, valueIteration: doc.valueIteration });
    const csv = readFileSync(join(dir, 'learn1', 'policy.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('slot,level,from_mg_dl,to_mg_dl,regular_u,nph_u,long_u,source,visits,state_visits,reward,value');
    expect(csv).toHaveLength(1 + 90);
    expect(csv.filter((l) => l.includes(',learned,'))).toHaveLength(learned.length);
    expect(csv.filter((l) => /^[a-z]+,\d+,\d+,\d+,,,,physician,0,0,/.test(l))).toHaveLength(90 - learned.length);
  });

  it('prints a short summary ending with the directory', () => {
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('patients: data-01');
    expect(first.stdout).toContain(`transitions: ${doc.transitions} `);
    expect(first.stdout).toMatch(/states with a learned action: \d+ of 90 \(18 levels × 5 slots\)/);
    expect(first.stdout).toMatch(/value iteration: \d+ sweeps/);
    expect(lines[lines.length - 1]).toBe(join(dir, 'learn1'));
  });

  it('the same run twice gives the same bytes', () => {
    expect(second.status, second.stderr).toBe(0);
    for (const name of OUTPUTS) expect(readFileSync(join(dir, 'learn2', name)), name).toEqual(readFileSync(join(dir, 'learn1', name)));
  });

  it('policy.json starts the mdp controller when the definitions match, and is refused naming definition.glucose when not', () => {
    const policyFile = join(dir, 'learn1', 'policy.json');
    expect(readPolicyFile(policyFile).counts.total).toBe(doc.transitions);
    const options = {
      learningDays: 0,
      physicianRegimen: { doses: [{ time: '07:00', preparation: 'nph', units: 14 }, { time: '07:00', preparation: 'regular', units: 8 }] },
      glucose: { minMgDl: 40, maxMgDl: 400, bfcMgDl: 20 },
      slots: DEFAULT_SLOTS,
      actions: { regular: doseGrid(1, 40), nph: doseGrid(1, 40), long: doseGrid(1, 40) },
      startFrom: 'learn1/policy.json',
    };
    const source = { file: join(dir, 'scenario.json'), field: 'controller.options' };
    const parsed = parseMdpOptions(options, source);
    expect(parsed.startFrom?.file).toBe(policyFile);
    expect(parsed.startFrom?.counts.entries()).toEqual(doc.counts);

    // The controller's own default axis (40–340 mg/dL in 30 mg/dL levels) is another state space.
    const { glucose: _g, ...otherAxis } = options;
    let error: unknown;
    try {
      parseMdpOptions(otherAxis, source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(policyFile);
    expect((error as InputError).field).toBe('definition.glucose');
    expect((error as InputError).message).toMatch(/a policy of another state or action space cannot be used/);
  });
});

describe('glucosim mdp learn: refusals write nothing', () => {
  const refused = (args: string[], prefix: string, reason: RegExp) => {
    const out = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const before = listDir(dir);
    const r = runCli(['mdp', 'learn', ...args, '--out', out]);
    expectInputFailure(r, prefix, reason);
    expect(existsSync(out)).toBe(false);
    expect(listDir(dir)).toEqual(before);
  };

  it('a records file with only a header', () => {
    const header = join(dir, 'header-only.csv');
    writeFileSync(header, 'patient,time,kind,detail,value,source_code\n');
    refused([header], `${header}: `, /^no records \(a header and no rows\)$/);
  });

  it('a records file that does not exist', () => {
    const missing = join(dir, 'missing.csv');
    refused([missing], `${missing}: `, /^file not found$/);
  });

  it('--regular-doses without the zero dose', () => {
    refused([records, '--regular-doses', '2,4'], '--regular-doses: ', /^the first dose must be 0/);
  });

  it('--bfc that does not cut the axis into whole levels', () => {
    refused([records, '--bfc', '7'], '--bfc: ', /^\(gl_max − gl_min\)\/bfc = 51\.\d+ levels: it must be a whole number/);
  });

  it('a --patient not in the file, naming the known ones', () => {
    refused([records, '--patient', 'data-01,data-99'], '--patient: ', /^'data-99' is not in .*records\.csv \(its patients: data-01\)$/);
  });

  it('other options name themselves', () => {
    refused([records, '--gamma', '1'], '--gamma: ', /^must be < 1 \(got 1\)$/);
    refused([records, '--discount-per', 'week'], '--discount-per: ', /^must be one of measurement, day/);
    refused([records, '--slots', 'morning=07:00,noon=25:00'], '--slots: slot 2 (noon): ', /^must be a time of day/);
    refused([records, '--hypo-levels', '18'], '--hypo-levels: ', /L − 1 = 17/);
    refused([records, '--gl-min', 'forty'], '--gl-min: ', /^must be a number \(got "forty"\)$/);
  });
});
