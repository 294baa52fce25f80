/**
 * The `q-learning` controller (src/control/qlearning/controller.ts,
 * entry.ts): options and refusals; online updates equal to the pure
 * fixed-point update; ε-greedy then greedy with a frozen table; a Q-table
 * file to start from; the hypoglycaemia guard; what the pen gave; and a run
 * through the closed loop on a short T2DM scenario whose experience is what
 * `experienceFromDays` finds in its trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPopulation } from '../../../src/cohort/population.js';
import { stateIndex } from '../../../src/control/mdp/space.js';
import { QLearningController } from '../../../src/control/qlearning/controller.js';
import { qLearningParameters } from '../../../src/control/qlearning/definition.js';
import { parseQLearningOptions, qLearningEntry } from '../../../src/control/qlearning/entry.js';
import { experienceFromDays } from '../../../src/control/qlearning/experience.js';
import { trainBatches, updateOnline } from '../../../src/control/qlearning/qLearning.js';
import { writeQTable } from '../../../src/control/qlearning/qTableFile.js';
import { BUILT_IN_CONTROLLERS } from '../../../src/control/registry.js';
import type { Controller, ControllerContext, DayRecord, Observation } from '../../../src/control/types.js';
import { InputError } from '../../../src/io/errors.js';
import { INSULIN_PREPARATIONS } from '../../../src/model/patientModel.js';
import { randomStream } from '../../../src/random/streams.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { type ControllerFactory, runClosedLoop } from '../../../src/sim/closedLoop.js';
import { patientRunSetup } from '../../../src/sim/patientRun.js';
import { type Trace, traceToCsv } from '../../../src/sim/trace.js';

const SOURCE = { file: 'scenario.json', field: 'controller.options' };
const REGISTRY = BUILT_IN_CONTROLLERS.names.includes('q-learning') ? BUILT_IN_CONTROLLERS : BUILT_IN_CONTROLLERS.with([qLearningEntry]);

function context(meterTimesOfDayMin?: number[]): ControllerContext {
  return {
    controller: 'q-learning',
    therapy: { patient: 'p', basalRateUPerMin: 0, carbRatioGPerU: NaN, correctionFactorMgDlPerU: NaN, bodyWeightKg: 80 },
    seed: 1,
    random: (purpose) => randomStream(1, 'p', `q-learning/${purpose}`),
    days: 10,
    startTimeOfDayMin: 0,
    controlPeriodMin: 5,
    ...(meterTimesOfDayMin ? { meterTimesOfDayMin } : {}),
    signal: new AbortController().signal,
  };
}

/** A reading at `timeOfDayMin` of `day`, seen at that control instant. */
function reading(day: number, timeOfDayMin: number, glucoseMgDl: number): Observation {
  const timeMin = (day - 1) * 1440 + timeOfDayMin;
  return { timeMin, day, timeOfDayMin, glucoseMgDl, glucoseTimeMin: timeMin, announcedMeals: [], controlPeriodMin: 5 };
}

/** The four default slots: breakfast 07:00, lunch 12:00, dinner 19:00, bedtime 22:00. */
const SLOTS = [420, 720, 1140, 1320];
/** Level of the default axis (40–340 mg/dL in 30 mg/dL). */
const level = (g: number) => Math.floor((g - 40) / 30);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function refusal(parse: () => unknown): InputError {
  try {
    parse();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('q-learning options', () => {
  const parse = (options: Record<string, unknown>) => REGISTRY.parseOptions('q-learning', options, SOURCE) as ReturnType<typeof parseQLearningOptions>;

  it('fill the defaults: the default definition, a guard of one day below 72 mg/dL', () => {
    const o = parse({ learningDays: 3 });
    expect(o.learningDays).toBe(3);
    expect(o.hypoglycaemiaGuard).toEqual({ belowMgDl: 72, days: 1 });
    expect(o.definition.alpha).toBe(0.1);
    expect(o.startFrom).toBeUndefined();
    expect(parse({ learningDays: 3, hypoglycaemiaGuard: false }).hypoglycaemiaGuard).toBeUndefined();
    expect(qLearningEntry.preparations!(o)).toEqual(['regular']);
    expect(qLearningEntry.phases!(o, 10)).toEqual([
      { name: 'learning (ε-greedy)', fromDay: 1, toDay: 3 },
      { name: 'exploitation (greedy Q-policy)', fromDay: 4, toDay: 10 },
    ]);
  });

  it('refuse, naming the field: the batch training\'s τ and R_max (the controller learns online), rising ε, a missing Q-table', () => {
    expect(refusal(() => parse({ learningDays: 3, batchSize: 10 })).field).toBe('controller.options.batchSize');
    expect(refusal(() => parse({ learningDays: 3, rounds: 2 })).field).toBe('controller.options.rounds');
    expect(refusal(() => parse({ learningDays: 3, epsilon: { start: 0.1, end: 0.5 } })).field).toBe('controller.options.epsilon.end');
    expect(refusal(() => parse({ learningDays: 3, fractionBits: 30 })).field).toBe('controller.options.fractionBits');
    expect(refusal(() => parse({ learningDays: 3, startFrom: 'no-such-table.json' })).message).toMatch(/no-such-table\.json: file not found/);
  });

  it('need a pen and a meter reading near every slot', () => {
    const o = parse({ learningDays: 3 });
    expect(qLearningEntry.devicesProblem!(o, { pen: false, pump: true })).toBe('the q-learning controller injects by pen: give the scenario a pen');
    expect(qLearningEntry.devicesProblem!(o, { pen: true, pump: false, meterTimesOfDayMin: [420, 720, 960, 1140, 1320] })).toBeUndefined();
    expect(qLearningEntry.devicesProblem!(o, { pen: true, pump: false, meterTimesOfDayMin: [420, 720, 1080, 1320] })).toMatch(
      /^the Q-learning controller's slot 'dinner' \(19:00\) has no meter reading from 30 min before to 90 min after it/,
    );
    expect(() => new QLearningController(o, context([420, 720, 1320]))).toThrow(/slot 'dinner'/);
  });
});

describe('q-learning controller', () => {
  it('learns online with the fixed-point update (τ = 1), acting once per slot a day, then freezes the table and acts greedily', () => {
    // ε = 0: greedy from the start; an all-0 table gives no insulin until something is learned.
    const options = parseQLearningOptions({ learningDays: 1, epsilon: { start: 0, end: 0 }, hypoglycaemiaGuard: false }, SOURCE);
    const c = new QLearningController(options, context());
    const params = qLearningParameters(options.definition);
    const glucose = [150, 200, 120, 100];
    let q: BigInt64Array = new BigInt64Array(params.states * params.actions);
    SLOTS.forEach((t, slot) => {
      expect(c.decide(reading(1, t, glucose[slot]!)).injections).toEqual([]);
      // The same reading seen again: nothing; a CGM-like extra reading between slots: nothing.
      expect(c.decide({ ...reading(1, t + 5, glucose[slot]!), glucoseTimeMin: t }).injections).toEqual([]);
      if (slot > 0) {
        const reward = c.experience().at(-1)!.reward;
        q = updateOnline(params, q, { state: stateIndex(options.definition.space, level(glucose[slot - 1]!), slot - 1), action: 0, nextState: stateIndex(options.definition.space, level(glucose[slot]!), slot), reward });
      }
    });
    expect(c.experience()).toHaveLength(3);
    expect([...c.table()]).toEqual([...q]);
    c.endOfDay();
    // Day 2 (exploitation): the first reading completes day 1's last decision, learned; nothing after.
    c.decide(reading(2, 420, 150));
    const learned = c.table();
    for (const t of SLOTS.slice(1)) c.decide(reading(2, t, 150));
    expect([...c.table()]).toEqual([...learned]);
    expect(c.experience()).toHaveLength(7);
    c.endOfDay();
    const log = c.dailyLog();
    expect(log.phase).toEqual([0, 1]);
    expect(log.readings).toEqual([4, 4]);
    expect(log.updates).toEqual([3, 1]);
    expect(log.epsilon).toEqual([0, NaN]);
    expect(log['policy.regularU']).toHaveLength(40);
    expect(log.q).toHaveLength(400);
    const tables = qLearningEntry.describeLog!(log, options);
    expect(tables[0]!.rows).toHaveLength(4);
    expect(tables[0]!.header).toHaveLength(11);
  });

  it('explores ε-greedily with its own seeded stream, ε decaying per decision', () => {
    const options = parseQLearningOptions({ learningDays: 5, hypoglycaemiaGuard: false }, SOURCE);
    const doses = () => {
      const c = new QLearningController(options, context());
      const given: number[] = [];
      for (let day = 1; day <= 5; day++) {
        for (const t of SLOTS) given.push(c.decide(reading(day, t, 160)).injections?.[0]?.units ?? 0);
        c.endOfDay();
      }
      return { given, epsilon: c.dailyLog().epsilon };
    };
    const a = doses();
    expect(a).toEqual(doses());
    // ε = 1 at first: several different doses of the 2 U grid.
    expect(new Set(a.given).size).toBeGreaterThan(4);
    for (const u of a.given) expect(u % 2).toBe(0);
    // The day's last decision: the 4th, 8th, … (step 3, 7, …).
    a.epsilon.forEach((e, i) => expect(e).toBeCloseTo(0.95 ** (4 * i + 3), 12));
  });

  it('starts from a Q-table file (relative to the options file) and follows its greedy policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glucosim-qctl-'));
    dirs.push(dir);
    const base = parseQLearningOptions({ learningDays: 0 }, SOURCE);
    const params = qLearningParameters(base.definition);
    const q = new BigInt64Array(params.states * params.actions);
    // At breakfast, level of 250 mg/dL: 10 U (action 5) is best.
    const s = stateIndex(base.definition.space, level(250), 0);
    q[s * params.actions + 5] = 30000n;
    writeQTable(join(dir, 'tables', 'q.json'), base.definition, q);
    const options = parseQLearningOptions({ learningDays: 0, startFrom: 'tables/q.json' }, { file: join(dir, 'scenario.json'), field: 'controller.options' });
    expect(options.startFrom!.file).toBe(join(dir, 'tables', 'q.json'));
    const c = new QLearningController(options, context());
    expect(c.decide(reading(1, 420, 250)).injections).toEqual([{ preparation: 'regular', units: 10 }]);
    // Elsewhere the table is 0 everywhere: the lowest action, no insulin.
    expect(c.decide(reading(1, 720, 250)).injections).toEqual([]);
    // A table of another action space is refused, naming the field.
    expect(refusal(() => parseQLearningOptions({ learningDays: 0, startFrom: 'tables/q.json', actions: { regular: [0, 4, 8], nph: [0], long: [0] } }, { file: join(dir, 'scenario.json'), field: 'controller.options' })).field).toBe(
      'definition.actions.regular',
    );
  });

  it('the hypoglycaemia guard: no insulin for a day after a low reading; false turns it off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glucosim-qctl-'));
    dirs.push(dir);
    const base = parseQLearningOptions({ learningDays: 0 }, SOURCE);
    const params = qLearningParameters(base.definition);
    const q = new BigInt64Array(params.states * params.actions);
    for (let st = 0; st < params.states; st++) q[st * params.actions + 3] = 1000n; // 6 U everywhere
    writeQTable(join(dir, 'q.json'), base.definition, q);
    const run = (guard: unknown) => {
      const options = parseQLearningOptions({ learningDays: 0, startFrom: 'q.json', ...(guard === undefined ? {} : { hypoglycaemiaGuard: guard }) }, { file: join(dir, 's.json'), field: 'o' });
      const c = new QLearningController(options, context());
      c.decide(reading(1, 180, 60)); // 03:00, near no slot: still starts the guard
      const given = [reading(1, 420, 200), reading(1, 1320, 200), reading(2, 170, 150), reading(2, 420, 200)].map((o) => c.decide(o).injections?.[0]?.units ?? 0);
      c.endOfDay();
      return { given, guarded: c.dailyLog().guarded };
    };
    // Within 24 h of 03:00 (07:00 and 22:00 of day 1), nothing; day 2 at 07:00, 28 h later, the table's 6 U.
    expect(run(undefined)).toEqual({ given: [0, 0, 0, 6], guarded: [2] });
    expect(run(false).given).toEqual([6, 6, 0, 6]);
  });

  it('records what the pen gave: a dose it rounded or dropped is the action learned from', () => {
    const options = parseQLearningOptions({ learningDays: 3, hypoglycaemiaGuard: false }, SOURCE);
    const c = new QLearningController(options, context());
    c.decide(reading(1, 420, 150));
    c.delivered({ timeMin: 420, basalUPerMin: 0, bolusU: 0, injections: [{ preparation: 'regular', units: 3.4 }] });
    c.decide(reading(1, 720, 150));
    c.delivered({ timeMin: 720, basalUPerMin: 0, bolusU: 0, injections: [] });
    c.decide(reading(1, 1140, 150));
    // 3.4 U → the nearest dose, 4 U (action 2); nothing → action 0.
    expect(c.experience().map((r) => r.action)).toEqual([2, 0]);
    c.endOfDay();
    expect(c.dailyLog().insulinU).toEqual([3.4]);
  });
});

describe('q-learning through the closed loop (T2DM, meter and pen)', () => {
  const FILE = 'qlearning-closed-loop.json';
  const patient = loadPopulation('t2dm-100', FILE)[0]!;
  const DAYS = 4;
  const scenario = parseScenario(
    {
      name: 'q-learning-t2dm',
      days: DAYS,
      startTime: '00:00',
      controlPeriodMin: 5,
      seed: 5,
      patients: 't2dm-100',
      sensor: { model: 'smbg', timesOfDay: ['07:00', '12:00', '16:00', '19:00', '22:00'] },
      pen: { model: 'whole-unit' },
      controller: { name: 'q-learning', options: { learningDays: 2 } },
      meals: {
        protocol: {
          meals: [
            { name: 'breakfast', carbsG: { min: 35, max: 60 }, time: { from: '07:05', to: '08:00' }, omitProbability: 0 },
            { name: 'lunch', carbsG: { min: 50, max: 80 }, time: { from: '12:05', to: '13:30' }, omitProbability: 0 },
            { name: 'dinner', carbsG: { min: 50, max: 80 }, time: { from: '19:05', to: '20:30' }, omitProbability: 0 },
          ],
          durationMin: 15,
          announceLeadMin: 0,
          estimateError: { min: 0, max: 0 },
        },
      },
    },
    FILE,
    REGISTRY,
  );

  async function run(): Promise<{ trace: Trace; controller: QLearningController }> {
    const setup = patientRunSetup(scenario, patient, scenario.seed, { registry: REGISTRY });
    const create = setup.controller as ControllerFactory;
    let made: Controller | undefined;
    const controller: ControllerFactory = (ctx) => (made = create(ctx) as Controller);
    const trace = await runClosedLoop({ ...setup, controller });
    return { trace, controller: made as QLearningController };
  }

  it('doses regular insulin only at the slot readings, learns for two days, and its experience is what the days hold', async () => {
    const { trace, controller } = await run();
    // Injections: regular only, on the 2 U grid, at 07:00, 12:00, 19:00 or 22:00.
    for (const p of INSULIN_PREPARATIONS) if (p !== 'regular') expect(trace.injectionsU[p].every((u) => u === 0), p).toBe(true);
    trace.injectionsU.regular.forEach((u, m) => {
      if (u === 0) return;
      expect(SLOTS, `minute ${m}`).toContain(m % 1440);
      expect(u % 2).toBe(0);
    });
    expect(trace.injectionsU.regular.some((u) => u > 0)).toBe(true);
    const log = trace.controllerLog!;
    expect(log.phase).toEqual([0, 0, 1, 1]);
    expect(log.readings).toEqual([4, 4, 4, 4]);
    // 8 ε-greedy decisions in days 1–2; the 8th is completed (and learned) at day 3's first reading.
    expect(log.updates).toEqual([3, 4, 1, 0]);
    // The run's experience, as experienceFromDays finds it in the trace's readings and injections.
    const days: DayRecord[] = Array.from({ length: DAYS }, (_, d) => {
      const at = (a: Float64Array) => a.subarray(d * 1440, (d + 1) * 1440);
      return {
        day: d + 1,
        startMin: d * 1440,
        glucoseMgDl: at(trace.cgmMgDl),
        basalUPerMin: at(trace.basalUPerMin),
        bolusU: at(trace.bolusU),
        carbsEstimatedG: at(trace.carbsEstimatedG),
        injectionsU: Object.fromEntries(INSULIN_PREPARATIONS.map((p) => [p, at(trace.injectionsU[p])])) as DayRecord['injectionsU'],
      };
    });
    const options = REGISTRY.parseOptions('q-learning', { learningDays: 2 }, { file: FILE, field: 'controller.options' }) as ReturnType<typeof parseQLearningOptions>;
    const fromDays = experienceFromDays(days, options.definition, { startTimeOfDayMin: 0 });
    expect(fromDays.records).toEqual(controller.experience());
    expect(fromDays.records).toHaveLength(15);
    // The table is the online training (τ = 1) on the records whose actions were chosen while learning.
    const params = qLearningParameters(options.definition);
    expect([...controller.table()]).toEqual([...trainBatches(params, fromDays.records.slice(0, 8), { batchSize: 1, rounds: 1 }).q]);
  });

  it('gives the same trace for the same seed', async () => {
    const a = await run();
    const b = await run();
    expect(traceToCsv(b.trace)).toBe(traceToCsv(a.trace));
    expect(b.trace.controllerLog).toEqual(a.trace.controllerLog);
  });
});
