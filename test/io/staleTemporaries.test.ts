/**
 * What interrupted runs leave in a results folder: removed when their
 * process is gone, kept while it runs or when another machine wrote them;
 * an old output that --force was replacing is put back, not removed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDirectoryAtomic, MACHINE_TAG, removeStaleTemporaries } from '../../src/io/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'glucosim-stale-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOST = MACHINE_TAG;
/** Above Linux's largest pid_max (2^22): no process has it. */
const GONE_PID = 99_999_999;

function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

function put(dir: string, name: string, content = 'x'): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'file.txt'), content);
}

describe('removeStaleTemporaries', () => {
  it('removes temporaries of a gone process on this machine, and old-format names without a host', () => {
    const dir = folder('gone');
    put(dir, `.run.tmp-${GONE_PID}-0123abcd-${HOST}`);
    put(dir, `.run2.tmp-${GONE_PID}-0123abcd`);
    writeFileSync(join(dir, `.metrics.json.tmp-${GONE_PID}-89abcdef-${HOST}`), '{');
    put(dir, 'finished');
    const removed = removeStaleTemporaries(dir);
    expect(removed.map((r) => r.action)).toEqual(['removed', 'removed', 'removed']);
    expect(removed.every((r) => r.pid === GONE_PID)).toBe(true);
    expect(readdirSync(dir)).toEqual(['finished']);
  });

  it('keeps those of a running process (this one, another one) and of another machine, and names that only look alike', () => {
    const dir = folder('kept');
    const other = HOST === 'ffffffff' ? '00000000' : 'ffffffff';
    const names = [
      `.run.tmp-${process.pid}-0123abcd-${HOST}`,
      `.run.tmp-1-0123abcd-${HOST}`, // pid 1 (init) always runs
      `.run.tmp-${GONE_PID}-0123abcd-${other}`,
      `.run.tmp-${GONE_PID}-notahex0-${HOST}`,
      `run.tmp-${GONE_PID}-0123abcd-${HOST}`,
    ];
    for (const n of names) put(dir, n);
    expect(removeStaleTemporaries(dir)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it("puts back an old output that --force was replacing when it was killed; removes one whose replacement is in place", () => {
    const dir = folder('replacing');
    put(dir, `.results.old-${GONE_PID}-0123abcd-${HOST}`, 'old results');
    put(dir, `.results.tmp-${GONE_PID}-0123abcd-${HOST}`, 'half-written');
    put(dir, 'done', 'new');
    put(dir, `.done.old-${GONE_PID}-0123abcd-${HOST}`, 'replaced');
    const actions = Object.fromEntries(removeStaleTemporaries(dir).map((r) => [r.path.split('/').at(-1), r.action]));
    expect(actions).toEqual({
      [`.results.old-${GONE_PID}-0123abcd-${HOST}`]: 'restored',
      [`.results.tmp-${GONE_PID}-0123abcd-${HOST}`]: 'removed',
      [`.done.old-${GONE_PID}-0123abcd-${HOST}`]: 'removed',
    });
    expect(readdirSync(dir).sort()).toEqual(['done', 'results']);
    expect(readFileSync(join(dir, 'results', 'file.txt'), 'utf8')).toBe('old results');
    expect(readFileSync(join(dir, 'done', 'file.txt'), 'utf8')).toBe('new');
  });

  it('a folder that does not exist has nothing to remove', () => {
    expect(removeStaleTemporaries(join(root, 'missing'))).toEqual([]);
  });

  it("the atomic writer's temporary names are the ones it recognises (this process: kept while it runs)", async () => {
    const dir = folder('own');
    let seen: string[] = [];
    await buildDirectoryAtomic(join(dir, 'run'), async () => {
      seen = readdirSync(dir);
      expect(removeStaleTemporaries(dir)).toEqual([]);
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^\\.run\\.tmp-${process.pid}-[0-9a-f]{8}-${HOST}$`));
    expect(existsSync(join(dir, 'run'))).toBe(true);
  });
});
