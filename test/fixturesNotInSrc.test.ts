/**
 * Test fixtures stay in the tests: no file under src/ names test/fixtures
 * (its keys, e.g. test/fixtures/bcp/, are public test keys and must never
 * be used for real data), and the check does catch such a reference.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/io/paths.js';

/** 'test/fixtures', 'test\\fixtures', "'test', 'fixtures'" (a path.join), and a path up to it from src/. */
const FIXTURE_REFERENCE = /\btest\b["'`]?\s*(?:[/\\]+|,\s*["'`])\s*fixtures\b/;

/** Files under `dir` (relative to `root`) whose text refers to test/fixtures. */
function referencesToFixtures(root: string, dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...referencesToFixtures(root, path));
    else if (FIXTURE_REFERENCE.test(readFileSync(path, 'utf8'))) found.push(relative(root, path));
  }
  return found;
}

describe('test fixtures are not used outside the tests', () => {
  it('no file under src/ refers to test/fixtures', () => {
    expect(referencesToFixtures(join(PROJECT_ROOT, 'src'))).toEqual([]);
  });

  const root = mkdtempSync(join(tmpdir(), 'glucosim-fixtures-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the check finds each form of reference', () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'slash.ts'), "const keys = '../../test/fixtures/bcp/2048/master.json';\n");
    writeFileSync(join(root, 'a', 'b', 'join.ts'), "const keys = join(ROOT, 'test', 'fixtures', 'bcp');\n");
    writeFileSync(join(root, 'a', 'b', 'windows.ts'), 'const keys = "test\\\\fixtures\\\\bcp";\n');
    writeFileSync(join(root, 'clean.ts'), "// fixtures of a test harness; test data is made here\nconst fixturesDir = 'x';\n");
    expect(referencesToFixtures(root).sort()).toEqual([join('a', 'b', 'join.ts'), join('a', 'b', 'windows.ts'), join('a', 'slash.ts')]);
  });
});
