import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { readFileSync } from 'node:fs';
import { parseScenario } from '../../src/scenario/load.js';
import { experimentSeed, loadExperiment, planExperiment } from '../../src/sim/experiment.js';
import { scenarioController } from '../../src/sim/patientRun.js';

const shipped = (name: string) => fileURLToPath(new URL(`../../experiments/${name}`, import.meta.url));

describe('shipped experiments', () => {
  it("ac-learning-period is the study's first reading over 60 days, with a faster S1 arm", () => {
    const study = loadExperiment(shipped('ac-initialisation.json'));
    const long = loadExperiment(shipped('ac-learning-period.json'));
    expect(long.scenario.days).toBe(60);
    expect(study.scenario.days).toBe(10);
    // Same protocol, devices, cohort, window and exclusions; the first reading's 1-day run-in (the study's is 3),
    // its bolus at intake and its plug-in TE from insulin on board starting at 0 (docs/actor-critic.md).
    expect(long.scenario.meals).toEqual(study.scenario.meals);
    expect(long.scenario.sensor).toEqual(study.scenario.sensor);
    expect(long.scenario.seed).toBe(study.scenario.seed);
    expect([long.cohort, long.windowDays, long.exclude]).toEqual([study.cohort, study.windowDays, study.exclude]);
    expect([long.runInDays, study.runInDays]).toEqual([1, 3]);
    for (const arm of long.arms.filter((a) => a.controller.name === 'actor-critic')) {
      expect(arm.controller.options, arm.name).toMatchObject({ runInDays: 1, teEstimator: 'plug-in', iobWarmStart: false });
      expect(arm.controller.options.bolusTiming, arm.name).toBeUndefined();
    }
    expect(long.arms.map((a) => a.name)).toEqual(['fixed', 'S1', 'S1-fast', 'S3']);
    expect(long.arms[2].controller.options).toMatchObject({ initialisation: 'S1', actorRate0: 10 });
    const plan = planExperiment(long);
    expect(plan.jobs).toHaveLength(4 * 2 * 30);
  });
});

describe('exclusions and seeds', () => {
  it('a cohort subset drops the exclusions it leaves out; a patient outside the population stays an error', () => {
    const study = loadExperiment(shipped('ac-initialisation.json'));
    const adults = planExperiment({ ...study, cohort: 'adults' }, 1);
    expect([adults.exclude, adults.droppedExclusions]).toEqual([undefined, ['child#003', 'child#008']]);
    const some = planExperiment({ ...study, cohort: 'adult#001,child#008' }, 1);
    expect([some.exclude?.patients, some.droppedExclusions]).toEqual([['child#008'], ['child#003']]);
    expect(planExperiment(study, 1).exclude).toEqual(study.exclude);
    const unknown = { ...study, exclude: { patients: ['child#003', 'child#011'], reason: 'x' } };
    expect(() => planExperiment({ ...unknown, cohort: 'adults' }, 1)).toThrow(InputError);
    expect(() => planExperiment({ ...unknown, cohort: 'adults' }, 1)).toThrow(/exclude\.patients: 'child#011' is not a patient of uva-padova-s2008/);
  });

  it('seed i of a number is seed + i − 1; of a text, the text, then <text>-2 …', () => {
    expect([1, 2, 3].map((i) => experimentSeed(-1, i))).toEqual([-1, 0, 1]);
    expect([1, 2, 3].map((i) => experimentSeed('abc', i))).toEqual(['abc', 'abc-2', 'abc-3']);
    // A number written as text in a scenario file ("seed": "007") is read as that number, so it counts on.
    const e = loadExperiment(shipped('ac-initialisation.json'));
    const written = parseScenario({ ...JSON.parse(readFileSync(e.scenario.file, 'utf8')), seed: '007' }, e.scenario.file);
    expect(written.seed).toBe(7);
    expect(planExperiment({ ...e, cohort: 'adults', scenario: { ...e.scenario, seed: written.seed } }, 2).seeds).toEqual([7, 8]);
  });

  it('refuses seeds past the largest exact integer (two repetitions would share a seed)', () => {
    const e = loadExperiment(shipped('ac-initialisation.json'));
    const top = { ...e, cohort: 'adults', scenario: { ...e.scenario, seed: Number.MAX_SAFE_INTEGER - 1 } };
    expect(planExperiment(top, 2).seeds).toEqual([Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]);
    expect(() => planExperiment(top, 3)).toThrow(/seed: seeds 9007199254740990 … 9007199254740992 pass the largest exact integer \(9007199254740991\)/);
  });
});

describe('mdp-t2dm', () => {
  it('compares π0 with 7, 14 and 28 days of learning over the days every MDP arm exploits, scoring all with the MDP reward', () => {
    const e = loadExperiment(shipped('mdp-t2dm.json'));
    expect(e.arms.map((a) => a.name)).toEqual(['pi0-MDI', 'MDP-7d', 'MDP-14d', 'MDP-28d']);
    expect(e.arms[1].controller.options.physicianRegimen).toEqual(e.arms[0].controller.options);
    expect(e.scenario.days - e.windowDays + 1).toBe(29);
    expect(e.reward?.reward).toEqual({ targetMgDl: 110, hypoLevels: 1 });
    const plan = planExperiment(e, 1);
    expect(plan.phases[0].map((p) => p.name)).toEqual(['last 32 days']);
    expect(plan.phases[3].map((p) => [p.name, p.fromDay, p.toDay])).toEqual([
      ['last 32 days', 29, 60],
      ['learning (π0)', 1, 28],
      ['exploitation (MDP policy)', 29, 60],
    ]);
  });

  it('with a run-in, controller phases are cut to the trial and counted in trial days', () => {
    const e = { ...loadExperiment(shipped('mdp-t2dm.json')), runInDays: 2 };
    const plan = planExperiment(e, 1);
    // MDP-7d learns on run days 1–7 (run-in days 1–2 included): trial days 1–5, then exploits on trial days 6–60.
    expect(plan.phases[1].map((p) => [p.name, p.fromDay, p.toDay])).toEqual([
      ['last 32 days', 29, 60],
      ['learning (π0)', 1, 5],
      ['exploitation (MDP policy)', 6, 60],
    ]);
    expect(plan.scenarios[1].days).toBe(62);
  });

  it("a worker reads an arm's options against the experiment file that holds them", () => {
    const e = loadExperiment(shipped('mdp-t2dm.json'));
    const plan = planExperiment(e, 1);
    const arm = plan.scenarios[2];
    expect(arm.controller.file).toBe(e.file);
    expect(arm.controller.field).toBe(`arms[2] (${e.arms[2].name}): controller`);
    const broken = { ...arm, controller: { ...arm.controller, options: { ...arm.controller.options, learningDays: -1 } } };
    expect(() => scenarioController(broken)).toThrow(`mdp-t2dm.json: arms[2] (${e.arms[2].name}): controller.options.learningDays: must be ≥ 0 (got -1)`);
  });
});
