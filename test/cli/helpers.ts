/**
 * Shared helpers of the end-to-end CLI tests: run the BUILT command line
 * (`dist/src/cli/main.js`, made by `npm run build`, which `npm test` runs
 * first) as a child process, make and remove temporary directories, read the
 * CSV files it writes and check the one-line error contract of bad input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const RANDOMISED_FILE = join(ROOT, 'scenarios', 'randomised-10day.json');
export const ORACLE_DIR = join(ROOT, 'test', 'fixtures', 'oracles', 'model');
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node dist/src/cli/main.js …args` in the project root. */
export function runCli(args: readonly string[], timeoutMs = 60_000): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    // No colour or TTY tricks in the output; progress is one line per patient.
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Temporary directories, removed by `removeTempDirs` (call it in afterAll). */
const made: string[] = [];

export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `glucosim-cli-${label}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh, mutable copy of the shipped randomised scenario's JSON. */
export function randomisedJson(): Record<string, any> {
  return JSON.parse(readFileSync(RANDOMISED_FILE, 'utf8')) as Record<string, any>;
}

/** Write a scenario object as JSON to `dir/name`; returns the path. */
export function writeScenario(dir: string, name: string, scenario: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(scenario, null, 2) + '\n');
  return path;
}

export interface Csv {
  readonly header: string[];
  readonly rows: string[][];
}

export function parseCsvText(text: string): Csv {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const [header, ...rest] = lines;
  return { header: header.split(','), rows: rest.map((l) => l.split(',')) };
}

export function readCsv(path: string): Csv {
  return parseCsvText(readFileSync(path, 'utf8'));
}

/** One column as numbers; empty cells become NaN. */
export function numericColumn(csv: Csv, name: string): number[] {
  const i = csv.header.indexOf(name);
  if (i < 0) throw new Error(`no column ${name} in ${csv.header.join(',')}`);
  return csv.rows.map((r) => (r[i] === '' ? NaN : Number(r[i])));
}

/** Names in a directory, sorted. */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

/**
 * The bad-input contract: exit code 2 (≠ 0), nothing on stdout, exactly one
 * line on stderr, `glucosim: <prefix>…` where the prefix names the file (or
 * option) and the field, and the reason matches `reason`.
 */
export function expectInputFailure(result: CliResult, prefix: string, reason: RegExp): string {
  const context = `stderr: ${result.stderr}\nstdout: ${result.stdout}`;
  expect(result.status, context).not.toBe(0);
  expect(result.status, context).toBe(2);
  expect(result.stdout, context).toBe('');
  expect(result.stderr.endsWith('\n'), context).toBe(true);
  const lines = result.stderr.slice(0, -1).split('\n');
  expect(lines, context).toHaveLength(1);
  const line = lines[0];
  expect(line.startsWith(`glucosim: ${prefix}`), `expected 'glucosim: ${prefix}…', got: ${line}`).toBe(true);
  expect(line.slice(`glucosim: ${prefix}`.length), line).toMatch(reason);
  return line;
}

/** Every file under `dir` (dot files included) with its content: equal before and after means nothing was written. */
export function directorySnapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files[`${prefix}${name}`] = readFileSync(path, 'utf8');
    }
    if (prefix !== '' && readdirSync(d).length === 0) files[prefix] = '(empty directory)';
  };
  walk(dir, '');
  return files;
}

/** The only fields of a study's output that differ between a single-machine run and a merge of its shards: time stamps. */
const TIMING_FIELDS = /^ {2}"(createdAt|seconds)": .*\n/gm;

/**
 * A merged study directory against the single-machine one: the same files,
 * byte for byte, but for summary.json's top-level `createdAt` and `seconds`.
 */
export function expectSameStudyOutput(merged: string, single: string): void {
  const a = directorySnapshot(merged);
  const b = directorySnapshot(single);
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const name of Object.keys(b)) {
    if (name === 'summary.json') {
      expect(a[name].match(TIMING_FIELDS)?.length, 'summary.json keeps its time stamps').toBe(b[name].match(TIMING_FIELDS)?.length);
      expect(a[name].replace(TIMING_FIELDS, ''), name).toBe(b[name].replace(TIMING_FIELDS, ''));
    } else {
      expect(a[name] === b[name], `${name} differs between ${merged} and ${single}`).toBe(true);
    }
  }
}
