/**
 * The layering of src/ (docs/architecture.md): the rules of
 * .dependency-cruiser.cjs hold on the sources, and they do catch the edges
 * that once ran backwards (a cohort importing the simulator, a device
 * importing the scenario) and cycles.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/io/paths.js';

const config = createRequire(import.meta.url)(join(PROJECT_ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
};

/** Violations of the project's rules in `src` under `baseDir`, as "rule: from → to". */
async function violations(baseDir: string): Promise<string[]> {
  const result = await cruise(['src'], {
    baseDir,
    ruleSet: { forbidden: config.forbidden },
    validate: true,
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    outputType: 'json',
  });
  const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
  // An import the cruiser could not resolve would escape every rule: count it as a violation.
  const unresolved = (output.modules as { source: string; dependencies: { module: string; couldNotResolve: boolean }[] }[]).flatMap((m) =>
    m.dependencies.filter((d) => d.couldNotResolve && d.module.startsWith('.')).map((d) => `unresolved: ${m.source} → ${d.module}`),
  );
  return [...unresolved, ...(output.summary.violations as IViolation[]).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)];
}

describe('layering of src/', () => {
  it('src/ has no import cycle and no import against the pipeline', async () => {
    expect(await violations(PROJECT_ROOT)).toEqual([]);
  });

  describe('the rules catch what they are for', () => {
    const root = mkdtempSync(join(tmpdir(), 'glucosim-layers-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('src/model/a.ts', "export const a = 1;\n");
    write('src/sim/run.ts', "import { a } from '../model/a.js';\nexport const run = a;\n");
    write('src/cohort/gen.ts', "import { run } from '../sim/run.js';\nexport const gen = run;\n");
    write('src/scenario/spec.ts', 'export interface Spec { readonly model: string }\n');
    write('src/devices/pump.ts', "import type { Spec } from '../scenario/spec.js';\nexport const pump = (s: Spec) => s.model;\n");
    write('src/control/x.ts', "import { y } from './y.js';\nexport const x = () => y;\n");
    write('src/control/y.ts', "import type { x } from './x.js';\nexport const y: typeof x | 0 = 0;\n");

    it('cohort importing sim, devices importing scenario (type-only too) and a cycle are refused', async () => {
      const found = await violations(root);
      expect(found).toContain('layer-cohort: src/cohort/gen.ts → src/sim/run.ts');
      expect(found).toContain('layer-devices: src/devices/pump.ts → src/scenario/spec.ts');
      expect(found.some((v) => v.startsWith('no-circular: src/control/'))).toBe(true);
      // Forward edges are fine.
      expect(found.some((v) => v.includes('src/sim/run.ts → src/model/a.ts'))).toBe(false);
    });
  });
});
