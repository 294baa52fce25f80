/**
 * --force replaces only what is safe to replace: an output of the same
 * command (its marker file) or an empty directory, never one that holds the
 * current directory (also through a symlink) or the command's inputs; the
 * replacement itself leaves the old or the new output, never neither.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaceDirectoryAtomic } from '../../src/io/atomic.js';
import { checkOutputDirectory } from '../../src/io/outputs.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'glucosim-outdir-')));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
});

function output(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const guard = { marker: 'summary.json' };

describe('checkOutputDirectory', () => {
  it('passes a new path; refuses an existing one without force, naming it and --force', () => {
    expect(() => checkOutputDirectory(join(root, 'new'), false, guard)).not.toThrow();
    const dir = output('run-a', { 'summary.json': '{}' });
    expect(() => checkOutputDirectory(dir, false, guard)).toThrow(`--out: ${dir} already exists; choose another path or give --force to replace it`);
    expect(() => checkOutputDirectory(dir, true, guard)).not.toThrow();
  });

  it('with force: an empty directory passes; one without the marker is refused (say --out results, or experiments/)', () => {
    expect(() => checkOutputDirectory(output('empty', {}), true, guard)).not.toThrow();
    const other = output('experiments', { 'study.json': '{}' });
    expect(() => checkOutputDirectory(other, true, guard)).toThrow(`--out: ${other} is not an output of this command (it has no summary.json); --force replaces only those, or an empty directory`);
  });

  it('with force: any of the other markers also marks an output (a run without traces has its summary.json)', () => {
    const runGuard = { marker: 'traces', otherMarkers: ['summary.json'] };
    expect(() => checkOutputDirectory(output('run-no-traces', { 'summary.json': '{}' }), true, runGuard)).not.toThrow();
    const other = output('not-a-run', { 'notes.txt': 'x' });
    expect(() => checkOutputDirectory(other, true, runGuard)).toThrow(`--out: ${other} is not an output of this command (it has no traces); --force replaces only those, or an empty directory`);
    // An experiment also writes summary.json: its table1.csv says whose it is.
    const experiment = output('an-experiment', { 'summary.json': '{}', 'table1.csv': 'x' });
    expect(() => checkOutputDirectory(experiment, true, { ...runGuard, foreignMarkers: ['table1.csv'] })).toThrow(
      `--out: ${experiment} is not an output of this command (it has table1.csv, another command's); --force replaces only those, or an empty directory`,
    );
  });

  it('with force: refuses a file, a directory holding an input, and one holding the current directory, also through a symlink', () => {
    const file = join(root, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => checkOutputDirectory(file, true, guard)).toThrow('is a file, not a directory');
    const withInput = output('records-run', { 'summary.json': '{}', 'records.csv': 'x' });
    expect(() => checkOutputDirectory(withInput, true, { marker: 'summary.json', inputs: [join(withInput, 'records.csv')] })).toThrow(`holds the input ${join(withInput, 'records.csv')}`);
    const holder = output('holder', { 'summary.json': '{}' });
    mkdirSync(join(holder, 'sub'));
    symlinkSync(root, join(root, 'link'));
    process.chdir(join(holder, 'sub'));
    try {
      expect(() => checkOutputDirectory(holder, true, guard)).toThrow('holds the current directory');
      // The same directory reached through a symlink is still the current directory's parent.
      expect(() => checkOutputDirectory(join(root, 'link', 'holder'), true, guard)).toThrow('holds the current directory');
    } finally {
      process.chdir(cwd);
    }
    // A sibling whose name starts with '..' is not a parent.
    const dotted = output('..dotted', { 'summary.json': '{}' });
    expect(() => checkOutputDirectory(dotted, true, guard)).not.toThrow();
  });
});

describe('replaceDirectoryAtomic', () => {
  it('puts the new output in place of the old one and leaves nothing beside it', async () => {
    const dir = output('replace/run', { 'summary.json': 'old' });
    await replaceDirectoryAtomic(dir, async (tmp) => writeFileSync(join(tmp, 'summary.json'), 'new'));
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('new');
    expect(readdirSync(join(root, 'replace'))).toEqual(['run']);
  });

  it('a failed or stopped replacement keeps the old output and leaves no temporary', async () => {
    const dir = output('kept/run', { 'summary.json': 'old' });
    await expect(replaceDirectoryAtomic(dir, async () => Promise.reject(new Error('simulation failed')))).rejects.toThrow('simulation failed');
    const stop = new AbortController();
    await expect(
      replaceDirectoryAtomic(
        dir,
        async (tmp) => {
          writeFileSync(join(tmp, 'summary.json'), 'new');
          stop.abort(new Error('interrupted by SIGINT'));
        },
        stop.signal,
      ),
    ).rejects.toThrow('interrupted by SIGINT');
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('old');
    expect(readdirSync(join(root, 'kept'))).toEqual(['run']);
  });

  it('writes a new output where none exists', async () => {
    const dir = join(root, 'fresh', 'run');
    await replaceDirectoryAtomic(dir, async (tmp) => writeFileSync(join(tmp, 'summary.json'), 'new'));
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
  });
});
