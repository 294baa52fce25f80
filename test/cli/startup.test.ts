/**
 * What the built command line loads at start (issue #17): `--version` no
 * more than its own few modules, `--help` yargs but no command's module, and
 * a run the modules of `run` but neither the other commands' nor ajv's
 * compiler (its schemas are precompiled by the build). Modules are listed by
 * a loader hook (ES modules) and require.cache at exit (CommonJS).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, makeTempDir, PACKAGE_VERSION, removeTempDirs, ROOT } from './helpers.js';

afterAll(removeTempDirs);

const dir = makeTempDir('startup');
const LIST = join(dir, 'loaded.txt');
const PRELOAD = join(dir, 'preload.mjs');
writeFileSync(
  PRELOAD,
  `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const list = process.env.GLUCOSIM_TEST_LOADED;
const hook = \`import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(\${JSON.stringify(list)}, url + '\\\\n'); return next(url, context); }\`;
register('data:text/javascript,' + encodeURIComponent(hook));
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(list, Object.keys(require.cache).map((p) => 'file://' + p + '\\n').join('')));
`,
);

/** The CLI with `args`, and the modules it loaded (as paths relative to the project, e.g. dist/src/cli/main.js, node_modules/yargs/…). */
function traced(args: readonly string[]): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  writeFileSync(LIST, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(PRELOAD).href, CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, GLUCOSIM_TEST_LOADED: LIST, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  if (r.error) throw r.error;
  const root = `${pathToFileURL(ROOT).href}/`;
  const loaded = readFileSync(LIST, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith(root))
    .map((url) => url.slice(root.length));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}

const COMMAND_MODULES = ['run', 'replay', 'metrics', 'check', 'cohort', 'experiment', 'slurm', 'merge', 'importRecords', 'mdpLearn', 'qLearningTrain', 'secureQ', 'ppopi', 'edge', 'controllers'].map((m) => `dist/src/cli/${m}.js`);
const matching = (loaded: readonly string[], pattern: RegExp) => loaded.filter((m) => pattern.test(m));

describe('start-up of the built CLI', () => {
  it('--version loads neither yargs nor any stage of the pipeline', () => {
    const r = traced(['--version']);
    expect(r).toMatchObject({ status: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
    expect(r.loaded).toContain('dist/src/cli/main.js');
    expect(matching(r.loaded, /^node_modules\//)).toEqual([]);
    expect(matching(r.loaded, /^dist\/src\/(sim|model|control|cohort|scenario|report|metrics|devices|records|cluster)\//)).toEqual([]);
  });

  it('--help loads yargs but no command', () => {
    const r = traced(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^glucosim <command>/);
    expect(matching(r.loaded, /^node_modules\/yargs\//).length).toBeGreaterThan(0);
    expect(r.loaded.filter((m) => COMMAND_MODULES.includes(m))).toEqual([]);
    expect(matching(r.loaded, /^dist\/src\/(sim|model|control|cohort|scenario|report|metrics|devices|records|cluster)\//)).toEqual([]);
    expect(matching(r.loaded, /^node_modules\/(ajv|mathjs|odex|seedrandom)\//)).toEqual([]);
  });

  it("a run loads run's modules and precompiled validators, not the other commands' or ajv's compiler", () => {
    const out = join(makeTempDir('startup-run'), 'run');
    const r = traced(['run', join(ROOT, 'scenarios', 'single-meal-1day.json'), '--cohort', 'adult#001', '--out', out, '--quiet', '--no-report']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.loaded).toContain('dist/src/cli/run.js');
    expect(r.loaded.filter((m) => COMMAND_MODULES.includes(m) && m !== 'dist/src/cli/run.js')).toEqual([]);
    // The scenario's and its controller's options' schemas, precompiled; ajv's runtime helpers only.
    expect(matching(r.loaded, /^dist\/src\/io\/validators\/[0-9a-f]{64}\.cjs$/).length).toBeGreaterThanOrEqual(2);
    expect(matching(r.loaded, /^node_modules\/ajv\//).filter((m) => !/^node_modules\/ajv\/(package\.json|dist\/runtime\/)/.test(m))).toEqual([]);
    expect(matching(r.loaded, /^node_modules\/mathjs\//)).toEqual([]);
  });
});
