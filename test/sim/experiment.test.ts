import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperiment, planExperiment } from '../../src/sim/experiment.js';

const shipped = (name: string) => fileURLToPath(new URL(`../../experiments/${name}`, import.meta.url));

describe('shipped experiments', () => {
  it('ac-learning-period is the ac-initialisation study over 60 days, with a faster S1 arm', () => {
    const study = loadExperiment(shipped('ac-initialisation.json'));
    const long = loadExperiment(shipped('ac-learning-period.json'));
    expect(long.scenario.days).toBe(60);
    expect(study.scenario.days).toBe(10);
    // Same protocol, devices, cohort, run-in, window and exclusions: only the length and the arms differ.
    expect(long.scenario.meals).toEqual(study.scenario.meals);
    expect(long.scenario.sensor).toEqual(study.scenario.sensor);
    expect(long.scenario.seed).toBe(study.scenario.seed);
    expect([long.cohort, long.runInDays, long.windowDays, long.exclude]).toEqual([study.cohort, study.runInDays, study.windowDays, study.exclude]);
    expect(long.arms.map((a) => a.name)).toEqual(['fixed', 'S1', 'S1-fast', 'S3']);
    expect(long.arms[2].controller.options).toMatchObject({ initialisation: 'S1', actorRate0: 10 });
    const plan = planExperiment(long);
    expect(plan.jobs).toHaveLength(4 * 2 * 30);
  });
});
