/**
 * End-to-end tests of `glucosim replay`, through the built CLI in a child
 * process, against the reference trajectories in test/fixtures/oracles/model.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectInputFailure,
  listDir,
  makeTempDir,
  numericColumn,
  ORACLE_DIR,
  parseCsvText,
  readCsv,
  removeTempDirs,
  runCli,
  type CliResult,
} from './helpers.js';

const ORACLE_FILES = readdirSync(ORACLE_DIR).filter((f) => f.endsWith('.csv')).sort();
const ADULT_FILE = join(ORACLE_DIR, 'meal50_bolus_adult001.csv');

/** meal50_bolus_adult001.csv → adult#001 */
function patientOf(file: string): string {
  const m = /(adolescent|adult|child)(\d{3})\.csv$/.exec(file);
  if (!m) throw new Error(`cannot tell the patient of ${file}`);
  return `${m[1]}#${m[2]}`;
}

/** A successful replay on stdout: exit 0, nothing on stderr; its minute and bg columns. */
function replayOk(args: readonly string[]): { text: string; minute: number[]; bg: number[] } {
  const r = runCli(['replay', ...args]);
  expect(r.status, `stderr: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
  const csv = parseCsvText(r.stdout);
  expect(csv.header).toEqual(['minute', 'bg_mg_dl']);
  return { text: r.stdout, minute: numericColumn(csv, 'minute'), bg: numericColumn(csv, 'bg_mg_dl') };
}

afterAll(removeTempDirs);

describe('replay of the reference trajectories through the CLI', () => {
  it('has oracle files', () => expect(ORACLE_FILES.length).toBeGreaterThanOrEqual(4));

  for (const name of ORACLE_FILES) {
    it(`${name}: minutes 0 … last+1, |BG − oracle| ≤ 0.01 mg/dL at every minute`, () => {
      const oracle = readCsv(join(ORACLE_DIR, name));
      const oracleMinute = numericColumn(oracle, 'minute');
      const oracleBg = numericColumn(oracle, 'bg_mg_dl');
      const last = oracleMinute[oracleMinute.length - 1];
      // The oracle has a row per minute, so its minutes are also the replay's.
      expect(oracleMinute.every((m, i) => m === i)).toBe(true);

      const { minute, bg } = replayOk(['--patient', patientOf(name), '--inputs', join(ORACLE_DIR, name)]);
      expect(minute).toHaveLength(last + 2);
      expect(minute.every((m, i) => m === i)).toBe(true);
      expect(bg.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
      let maxErr = 0;
      let worst = -1;
      for (let m = 0; m <= last; m++) {
        const err = Math.abs(bg[m] - oracleBg[m]);
        if (err > maxErr) [maxErr, worst] = [err, m];
      }
      expect(maxErr, `worst at minute ${worst}`).toBeLessThanOrEqual(0.01);
    });
  }
});

describe('replay output modes and options', () => {
  let dir: string;
  let stdoutText: string;

  beforeAll(() => {
    dir = makeTempDir('replay');
    stdoutText = replayOk(['--patient', 'adult#001', '--inputs', ADULT_FILE]).text;
  });

  it('--out writes the same content as stdout, prints nothing, and leaves no temporary file', () => {
    const outDir = join(dir, 'out-mode', 'nested');
    const out = join(outDir, 'bg.csv');
    const r = runCli(['replay', '--patient', 'adult#001', '--inputs', ADULT_FILE, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(stdoutText);
    expect(listDir(outDir)).toEqual(['bg.csv']);
  });

  it('is deterministic, and reads CRLF line endings the same', () => {
    expect(replayOk(['--patient', 'adult#001', '--inputs', ADULT_FILE]).text).toBe(stdoutText);
    const crlf = join(dir, 'crlf.csv');
    writeFileSync(crlf, readFileSync(ADULT_FILE, 'utf8').replace(/\r?\n/g, '\r\n'));
    expect(replayOk(['--patient', 'adult#001', '--inputs', crlf]).text).toBe(stdoutText);
  });

  it('--eat-rate 5 is the default; --eat-rate 2.5 changes BG after the meal only', () => {
    expect(replayOk(['--patient', 'adult#001', '--inputs', ADULT_FILE, '--eat-rate', '5']).text).toBe(stdoutText);
    const base = numericColumn(parseCsvText(stdoutText), 'bg_mg_dl');
    const slow = replayOk(['--patient', 'adult#001', '--inputs', ADULT_FILE, '--eat-rate', '2.5']).bg;
    expect(slow).toHaveLength(base.length);
    const inputs = readCsv(ADULT_FILE);
    const mealMinute = numericColumn(inputs, 'carbs_g').findIndex((c) => c > 0);
    expect(mealMinute).toBeGreaterThan(0);
    // Nothing differs until the meal starts …
    for (let m = 0; m <= mealMinute; m++) expect(slow[m], `minute ${m}`).toBe(base[m]);
    // … and the slower meal changes the glucose excursion visibly.
    const maxDiff = Math.max(...slow.map((v, m) => Math.abs(v - base[m])));
    expect(maxDiff).toBeGreaterThan(1);
  });
});

describe('replay: bad input fails with one line naming the file, line and column, and writes nothing', () => {
  let inputs: string;
  let outs: string;
  let out: string;
  let lines: string[];

  beforeAll(() => {
    const dir = makeTempDir('replay-bad');
    inputs = join(dir, 'inputs');
    outs = join(dir, 'outs');
    mkdirSync(inputs);
    mkdirSync(outs);
    out = join(outs, 'bg.csv');
    lines = readFileSync(ADULT_FILE, 'utf8').split('\n');
  });

  /** Replay with `--out`; afterwards neither the output nor a temporary file exists. */
  function replayBad(args: readonly string[]): CliResult {
    const result = runCli(['replay', ...args, '--out', out]);
    expect(listDir(outs)).toEqual([]);
    return result;
  }

  function writeInputs(name: string, content: string[]): string {
    const file = join(inputs, name);
    writeFileSync(file, content.join('\n'));
    return file;
  }

  it('a non-numeric cell', () => {
    const changed = [...lines];
    // Line 11 of the file is minute 9: minute,carbs_g,insulin_u_per_min,bg_mg_dl.
    const cells = changed[10].split(',');
    expect(cells[0]).toBe('9');
    cells[2] = 'abc';
    changed[10] = cells.join(',');
    const file = writeInputs('abc.csv', changed);
    const result = replayBad(['--patient', 'adult#001', '--inputs', file]);
    expectInputFailure(result, `${file}: line 11, column insulin_u_per_min: `, /'abc' is not a number/);
  });

  it('unsorted minutes', () => {
    const changed = [...lines];
    // Swap minutes 19 and 20 (lines 21 and 22): line 22 goes back in time.
    [changed[20], changed[21]] = [changed[21], changed[20]];
    const file = writeInputs('unsorted.csv', changed);
    const result = replayBad(['--patient', 'adult#001', '--inputs', file]);
    expectInputFailure(result, `${file}: line 22, column minute: `, /minutes must increase: 19 follows 20/);
  });

  it('an unknown patient', () => {
    const result = replayBad(['--patient', 'adult#999', '--inputs', ADULT_FILE]);
    expectInputFailure(result, '--patient: ', /unknown patient 'adult#999'/);
  });

  it('--patient given twice', () => {
    const result = replayBad(['--patient', 'adult#001', '--patient', 'adult#002', '--inputs', ADULT_FILE]);
    expectInputFailure(result, '--patient: ', /given 2 times/);
  });

  it('a missing column', () => {
    // Drop carbs_g (the second column) from every line.
    const dropped = lines.map((l) => (l === '' ? l : l.split(',').filter((_, i) => i !== 1).join(',')));
    const file = writeInputs('no-carbs.csv', dropped);
    const result = replayBad(['--patient', 'adult#001', '--inputs', file]);
    expectInputFailure(result, `${file}: carbs_g: `, /required column is missing/);
  });

  it('a missing inputs file', () => {
    const file = join(inputs, 'does-not-exist.csv');
    const result = replayBad(['--patient', 'adult#001', '--inputs', file]);
    expectInputFailure(result, `${file}: `, /cannot read/);
  });

  it('--eat-rate 0', () => {
    const result = replayBad(['--patient', 'adult#001', '--inputs', ADULT_FILE, '--eat-rate', '0']);
    expectInputFailure(result, '--eat-rate: ', /must be a number > 0 g\/min, got 0/);
  });

  it('--eat-rate=-1 and --eat-rate abc', () => {
    expectInputFailure(replayBad(['--patient', 'adult#001', '--inputs', ADULT_FILE, '--eat-rate=-1']), '--eat-rate: ', /must be a number > 0/);
    expectInputFailure(replayBad(['--patient', 'adult#001', '--inputs', ADULT_FILE, '--eat-rate', 'abc']), '--eat-rate: ', /must be a number > 0/);
  });
});
