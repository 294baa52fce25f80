import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDirectoryAtomic, writeFileAtomic } from '../../src/io/atomic.js';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic writes', () => {
  it('a failed file write removes the parent directories it created', () => {
    expect(() => writeFileAtomic(join(dir, 'new', 'deeper', 'x.txt'), 123 as unknown as string)).toThrow();
    expect(existsSync(join(dir, 'new'))).toBe(false);
    writeFileAtomic(join(dir, 'made', 'x.txt'), 'ok');
    expect(readdirSync(join(dir, 'made'))).toEqual(['x.txt']);
  });

  it('a failed directory build leaves neither the directory, its temporary nor a created parent', async () => {
    await expect(
      buildDirectoryAtomic(join(dir, 'results', 'run'), async (tmp) => {
        writeFileAtomic(join(tmp, 'part.csv'), 'x');
        throw new Error('simulation failed');
      }),
    ).rejects.toThrow('simulation failed');
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });

  it('refuses to replace a directory that appeared while it was being built', async () => {
    const target = join(dir, 'race');
    await expect(
      buildDirectoryAtomic(target, async () => {
        writeFileAtomic(join(target, 'other.txt'), 'someone else');
      }),
    ).rejects.toThrow(/appeared while/);
    expect(readdirSync(target)).toEqual(['other.txt']);
  });
});
