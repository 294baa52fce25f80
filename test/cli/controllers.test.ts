/** `glucosim controllers`: every registered controller, with its options; as JSON with the schemas. */
import { describe, expect, it } from 'vitest';
import { BUILT_IN_CONTROLLERS } from '../../src/control/registry.js';
import { runCli } from './helpers.js';

describe('glucosim controllers', () => {
  it('lists every registered controller with its description and options', () => {
    const r = runCli(['controllers']);
    expect(r.status).toBe(0);
    for (const entry of BUILT_IN_CONTROLLERS.entries) {
      expect(r.stdout).toContain(`${entry.name}\n  ${entry.description}\n`);
      for (const option of Object.keys((entry.optionsSchema.properties ?? {}) as object)) expect(r.stdout).toMatch(new RegExp(`\\n    ${option}( \\(required\\))?: `));
    }
    expect(r.stdout).toContain('    maxDailyDecrease: number ≥ 0 < 1\n');
    expect(r.stdout).toContain('    bolusTiming: intake | announcement\n');
  });

  it('--json gives the names, schemas and examples', () => {
    const r = runCli(['controllers', '--json']);
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; optionsSchema: { type: string }; examples: unknown[] }[];
    expect(list.map((c) => c.name)).toEqual(BUILT_IN_CONTROLLERS.names);
    for (const c of list) {
      expect(c.optionsSchema.type).toBe('object');
      expect(c.examples.length).toBeGreaterThan(0);
    }
  });
});
