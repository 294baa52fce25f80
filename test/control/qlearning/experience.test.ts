/**
 * Experience records for Q-learning (src/control/qlearning/experience.ts):
 * from the AIM-94 fixture records (test/fixtures/aim94; AIM-94 data set
 * provided by Michael Kahn, MD, PhD, Washington University, St. Louis, MO)
 * exactly the MDP's transitions for the same spaces, with the MDP reward of
 * the reached level; from hand-built records and simulated days, worked out
 * here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMdpDefinition } from '../../../src/control/mdp/definitionFile.js';
import { transitionsFromRecords } from '../../../src/control/mdp/fromRecords.js';
import { levelReward } from '../../../src/control/mdp/reward.js';
import { actionCount, actionIndex, stateCount, stateIndex, stateLevel } from '../../../src/control/mdp/space.js';
import { DEFAULT_Q_LEARNING_DEFINITION, parseQLearningDefinition, qLearningParameters } from '../../../src/control/qlearning/definition.js';
import { experienceFromDays, experienceFromRecords } from '../../../src/control/qlearning/experience.js';
import { trainBatches } from '../../../src/control/qlearning/qLearning.js';
import type { DayRecord } from '../../../src/control/types.js';
import { PROJECT_ROOT } from '../../../src/io/paths.js';
import { INSULIN_PREPARATIONS, type InsulinPreparation } from '../../../src/model/patientModel.js';
import { importAim94Files } from '../../../src/records/aim94Files.js';
import { parseRecordsCsv } from '../../../src/records/recordsCsv.js';
import type { PatientRecord } from '../../../src/records/types.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'aim94');
const AIM94 = importAim94Files(
  readdirSync(FIXTURES)
    .filter((f) => /^data-\d+$/.test(f))
    .map((name) => ({ name, text: readFileSync(join(FIXTURES, name), 'utf8') })),
).records;

/** The MDP definition of the same spaces as a Q-learning definition file. */
function mdpOf(file: typeof DEFAULT_Q_LEARNING_DEFINITION) {
  return parseMdpDefinition({ glucose: file.glucose, slots: file.slots, actions: file.actions, reward: file.reward }, 'test', '');
}

describe('experience from AIM-94 records', () => {
  const oneUnit = { ...DEFAULT_Q_LEARNING_DEFINITION, actions: { regular: Array.from({ length: 21 }, (_, i) => i), nph: [0, 10, 20, 30], long: [0, 10, 20] } };
  for (const [name, file] of [
    ['the default definition', DEFAULT_Q_LEARNING_DEFINITION],
    ['a 1 U regular grid with NPH and long-acting', oneUnit],
  ] as const) {
    it(`gives as many records as the MDP counts transitions, the same ones, rewarded by the reached level (${name})`, () => {
      const def = parseQLearningDefinition(file, 'test', '');
      const mdp = mdpOf(file);
      const experience = experienceFromRecords(AIM94, def);
      const counted = transitionsFromRecords(AIM94, mdp);
      expect(counted.total.transitions).toBeGreaterThan(10_000);
      expect(experience.records).toHaveLength(counted.total.transitions);
      expect(experience.total).toEqual(counted.total);
      // The same transitions: grouped by (s, a, s′) they are the counts.
      const grouped = new Map<string, number>();
      for (const r of experience.records) grouped.set(`${r.state},${r.action},${r.nextState}`, (grouped.get(`${r.state},${r.action},${r.nextState}`) ?? 0) + 1);
      expect(new Map(counted.counts.entries().map(([s, a, n, c]) => [`${s},${a},${n}`, c]))).toEqual(grouped);
      // Per patient, in the MDP's order, contiguous, each with its own statistics.
      expect(experience.patients.map((p) => p.patient)).toEqual(Object.keys(counted.patients));
      let next = 0;
      for (const p of experience.patients) {
        expect(p.first).toBe(next);
        expect(p.count).toBe(counted.patients[p.patient]!.transitions);
        expect(p.stats).toEqual(counted.patients[p.patient]);
        next += p.count;
      }
      // r = the MDP reward of the reached state's level; σ and δ of the MDP spaces.
      for (const r of experience.records) expect(r.reward).toBe(levelReward(def.space.glucose, def.reward, stateLevel(def.space, r.nextState)));
      const params = qLearningParameters(def);
      expect([params.states, params.actions]).toEqual([stateCount(mdp.space), actionCount(mdp.actions)]);
      // And they train: ρ = ceil(n/τ) batches, R_max rounds.
      const trained = trainBatches(params, experience.records, { batchSize: def.batchSize, rounds: def.rounds });
      expect(trained.steps).toBe(Math.ceil(experience.records.length / def.batchSize) * def.rounds);
      expect(trained.bound.every((e) => Number.isFinite(e))).toBe(true);
    });
  }

  it('selects patients as the MDP does, in the order given', () => {
    const def = parseQLearningDefinition({}, 'test', '');
    const experience = experienceFromRecords(AIM94, def, { patients: ['data-02', 'data-01'] });
    const counted = transitionsFromRecords(AIM94, mdpOf(DEFAULT_Q_LEARNING_DEFINITION), { patients: ['data-02', 'data-01'] });
    expect(experience.patients.map((p) => p.patient)).toEqual(['data-02', 'data-01']);
    expect(experience.records).toHaveLength(counted.total.transitions);
  });
});

/** Records from `patient,time,kind,detail,value` lines. */
function records(lines: string): PatientRecord[] {
  const body = lines
    .trim()
    .split('\n')
    .map((l) => `${l.trim()},`)
    .join('\n');
  return parseRecordsCsv(`patient,time,kind,detail,value,source_code\n${body}\n`, 'test.csv');
}

/**
 * 40–340 mg/dL in 30 mg/dL levels (level 0 = [40, 70), 1 = [70, 100), 2 = [100, 130), 3 = [130, 160),
 * 5 = [190, 220) …); slots breakfast 07:00 (0), lunch 12:00 (1), dinner 19:00 (2), bedtime 22:00 (3);
 * regular 0–18 U in 2 U steps (action = dose/2).
 */
const DEF = parseQLearningDefinition({}, 'test', '');
const state = (level: number, slot: number) => stateIndex(DEF.space, level, slot);
const reward = (level: number) => levelReward(DEF.space.glucose, DEF.reward, level);

describe('experience from hand-built records', () => {
  it('one record per pair of consecutive readings, never across patients, patient after patient', () => {
    const r = records(`
      b,1991-04-21T07:00,glucose,pre-breakfast,110
      b,1991-04-21T07:00,insulin,regular,6
      b,1991-04-21T12:00,glucose,pre-lunch,200
      a,1991-04-21T19:00,glucose,pre-supper,60
      a,1991-04-21T12:00,glucose,pre-lunch,140
      a,1991-04-21T12:05,insulin,regular,4
      a,1991-04-21T12:05,insulin,nph,10
    `);
    const { records: out, patients } = experienceFromRecords(r, DEF);
    expect(out).toEqual([
      // a, 12:00, 140 (level 3) → 19:00, 60 (level 0): regular 4 U (action 2); NPH is not in the default action space.
      { state: state(3, 1), action: actionIndex(DEF.actions, 2, 0, 0), nextState: state(0, 2), reward: reward(0) },
      // b, 07:00, 110 (level 2) → 12:00, 200 (level 5): regular 6 U.
      { state: state(2, 0), action: actionIndex(DEF.actions, 3, 0, 0), nextState: state(5, 1), reward: reward(5) },
    ]);
    expect(patients.map((p) => [p.patient, p.first, p.count])).toEqual([
      ['a', 0, 1],
      ['b', 1, 1],
    ]);
    // The fine below 70 mg/dL: the lowest level's reward is below 0.
    expect(reward(0)).toBeLessThan(0);
  });
});

/** A simulated day: readings and pen injections at minutes of the day. */
function day(n: number, readings: [number, number][], injections: [number, InsulinPreparation, number][] = []): DayRecord {
  const glucose = new Float64Array(1440).fill(NaN);
  for (const [m, g] of readings) glucose[m] = g;
  const injectionsU = Object.fromEntries(INSULIN_PREPARATIONS.map((p) => [p, new Float64Array(1440)])) as Record<InsulinPreparation, Float64Array>;
  for (const [m, p, u] of injections) injectionsU[p][m] += u;
  return { day: n, startMin: (n - 1) * 1440, glucoseMgDl: glucose, basalUPerMin: new Float64Array(1440), bolusU: new Float64Array(1440), carbsEstimatedG: new Float64Array(1440), injectionsU };
}

describe('experience from simulated days', () => {
  it('acts on one reading per slot a day near its time; actions are the pen doses of regular, NPH and long-acting insulin', () => {
    const days = [
      day(
        1,
        [
          [420, 150], // 07:00 breakfast, level 3
          [425, 300], // a second reading in the breakfast window: not a step
          [720, 200], // 12:00 lunch, level 5
          [960, 180], // 16:00: in no slot's window
          [1140, 90], // 19:00 dinner, level 1
          [1320, 120], // 22:00 bedtime, level 2
        ],
        [
          [420, 'regular', 6],
          [420, 'rapid', 5], // not in the action space
          [720, 'regular', 8],
          [1140, 'regular', 2],
        ],
      ),
      day(2, [[420, 65]]), // next morning, level 0
    ];
    const out = experienceFromDays(days, DEF, { startTimeOfDayMin: 0 });
    expect(out.readings).toBe(5);
    expect(out.gaps).toBe(0);
    expect(out.records).toEqual([
      { state: state(3, 0), action: 3, nextState: state(5, 1), reward: reward(5) },
      { state: state(5, 1), action: 4, nextState: state(1, 2), reward: reward(1) },
      { state: state(1, 2), action: 1, nextState: state(2, 3), reward: reward(2) },
      { state: state(2, 3), action: 0, nextState: state(0, 0), reward: reward(0) },
    ]);
  });

  it('a run starting at 06:00 shifts the wall clock; no transition across more than 24 h', () => {
    // Scenario minute 60 = 07:00; minute 1440 + 60 of day 3 = 07:00 two days later.
    const days = [day(1, [[60, 150]], [[60, 'regular', 4]]), day(2, []), day(3, [[60, 150]])];
    const out = experienceFromDays(days, DEF, { startTimeOfDayMin: 360 });
    expect(out).toEqual({ records: [], readings: 2, gaps: 1 });
  });
});
