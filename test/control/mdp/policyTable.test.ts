/**
 * Policy tables (`glucosim-mdp-table/1`) and the `mdp` controller's
 * `policyTable` option: a table written is read back as written; files
 * that do not fit are refused naming the field; the controller learns
 * under π0 for its learning days, then doses exactly the table's actions,
 * π0 where the table has none, and neither recounts nor recalibrates it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeMdpLog, parseMdpOptions } from '../../../src/control/mdp/entry.js';
import { MdpController } from '../../../src/control/mdp/mdpController.js';
import { physicianActions } from '../../../src/control/mdp/physicianRegimen.js';
import { PHYSICIAN_DECIDES, policyTableDocument, readPolicyTableFile } from '../../../src/control/mdp/policyTable.js';
import { actionDoses, actionIndex, glucoseLevel, stateCount, stateIndex } from '../../../src/control/mdp/space.js';
import type { ControllerContext, Observation } from '../../../src/control/types.js';
import { randomStream } from '../../../src/random/streams.js';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-policy-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REGIMEN = {
  doses: [
    { time: '07:00', preparation: 'nph', units: 12 },
    { time: '07:00', preparation: 'regular', units: 6 },
  ],
};
const SOURCE = { file: join(dir, 'scenario.json'), field: 'controller.options' };
const BASE = parseMdpOptions({ learningDays: 1, exploration: 0, physicianRegimen: REGIMEN, discount: { gamma: 0.98, per: 'measurement' } }, SOURCE);
const DEF = BASE.definition;
const S = stateCount(DEF.space);

/** A table: 4 U regular + 10 U NPH at every state of the evening slot, π0 elsewhere. */
function eveningTable(): Int32Array {
  const t = new Int32Array(S).fill(PHYSICIAN_DECIDES);
  for (let level = 0; level < 10; level++) t[stateIndex(DEF.space, level, 3)] = actionIndex(DEF.actions, 2, 5, 0);
  return t;
}

function writeTables(name: string, tables: { seed: string; patient: string; actions: Int32Array }[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(policyTableDocument(DEF, tables, { test: true })));
  return file;
}

function refusedWith(file: string): string {
  try {
    readPolicyTableFile(file, DEF);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('policy table files', () => {
  it('read back as written, by seed (as text) and patient', () => {
    const file = writeTables('ok.json', [{ seed: '7', patient: 'p', actions: eveningTable() }]);
    const tables = readPolicyTableFile(file, DEF);
    expect([...tables.get(7, 'p')!]).toEqual([...eveningTable()]);
    expect(tables.get('7', 'p')).toBeDefined();
    expect(tables.get(8, 'p')).toBeUndefined();
  });

  it('refuse a dose not on its list, a wrong length, another space and a patient given twice', () => {
    const doc = policyTableDocument(DEF, [{ seed: '7', patient: 'p', actions: eveningTable() }], {});
    const write = (name: string, value: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(value));
      return join(dir, name);
    };
    const actions = [...doc.tables[0].actions];
    actions[15] = { regular: 3, nph: 10, long: 0 };
    expect(refusedWith(write('dose.json', { ...doc, tables: [{ ...doc.tables[0], actions }] }))).toMatch(/tables\[0\]\.actions\[15\]\.regular: 3 U is not a dose of actions\.regular$/);
    expect(refusedWith(write('short.json', { ...doc, tables: [{ ...doc.tables[0], actions: actions.slice(1) }] }))).toMatch(/tables\[0\]\.actions: has 49 entries, but the space has 50 states/);
    expect(refusedWith(write('space.json', { ...doc, definition: { ...doc.definition, actions: { ...doc.definition.actions, long: [0, 10] } } }))).toMatch(/definition\.actions\.long: is \[0,10\]/);
    expect(refusedWith(write('twice.json', { ...doc, tables: [doc.tables[0], doc.tables[0]] }))).toMatch(/tables\[1\]: patient 'p' under seed 7 has a table already/);
  });

  it('cannot be combined with startFrom', () => {
    const file = writeTables('combined.json', [{ seed: '1', patient: 'p', actions: eveningTable() }]);
    expect(() => parseMdpOptions({ learningDays: 1, physicianRegimen: REGIMEN, policyTable: file, startFrom: 'policy.json' }, SOURCE)).toThrow(/controller\.options\.policyTable: a policy table is followed as it is/);
  });
});

function context(patient: string): ControllerContext {
  return {
    controller: 'mdp',
    therapy: { patient, basalRateUPerMin: 0, carbRatioGPerU: NaN, correctionFactorMgDlPerU: NaN, bodyWeightKg: 80 },
    seed: 1,
    random: (purpose) => randomStream(1, patient, `mdp/${purpose}`),
    days: 3,
    startTimeOfDayMin: 0,
    controlPeriodMin: 5,
    signal: new AbortController().signal,
  };
}

function reading(day: number, timeOfDayMin: number, glucoseMgDl: number): Observation {
  const timeMin = (day - 1) * 1440 + timeOfDayMin;
  return { timeMin, day, timeOfDayMin, glucoseMgDl, glucoseTimeMin: timeMin, announcedMeals: [], controlPeriodMin: 5 };
}

describe('the mdp controller with a policy table', () => {
  const file = writeTables('follow.json', [{ seed: '1', patient: 'p', actions: eveningTable() }]);
  const options = parseMdpOptions({ learningDays: 1, exploration: 0, physicianRegimen: REGIMEN, discount: { gamma: 0.98, per: 'measurement' }, policyTable: file }, SOURCE);

  it('learns under π0, then doses the table\'s actions, π0 where the table has none', () => {
    const controller = new MdpController(options, context('p'));
    const pi0 = physicianActions(options.physicianRegimen, DEF.space, DEF.actions, 80);
    const doses = (day: number, time: number, bg: number) => {
      const injections = controller.decide(reading(day, time, bg)).injections ?? [];
      controller.delivered({ timeMin: (day - 1) * 1440 + time, basalUPerMin: 0, bolusU: 0, injections });
      return Object.fromEntries(injections.map((i) => [i.preparation, i.units]));
    };
    // Day 1 (learning): π0 at 07:00, nothing at 19:00.
    expect(doses(1, 420, 150)).toEqual({ regular: 6, nph: 12 });
    expect(doses(1, 1140, 150)).toEqual({});
    controller.endOfDay();
    // Day 2: the table at 19:00 (4 U regular, 10 U NPH), π0 at 07:00 where the table leaves it.
    expect(doses(2, 420, 150)).toEqual(Object.fromEntries(Object.entries(actionDoses(DEF.actions, pi0[stateIndex(DEF.space, glucoseLevel(DEF.space.glucose, 150), 0)])).filter(([k, u]) => u > 0 && k !== 'long')));
    expect(doses(2, 1140, 150)).toEqual({ regular: 4, nph: 10 });
    controller.endOfDay();
    const log = controller.dailyLog();
    expect(log.phase).toEqual([0, 1]);
    expect(log.learnedStates).toEqual([0, 10]);
    expect(log.recalibrations).toEqual([0, 0]);
    expect(log['policy.regularU'][stateIndex(DEF.space, 4, 3)]).toBe(4);
    expect(log.policyTable).toEqual([1]);
    expect(describeMdpLog(log, options)[0].title).toBe('Followed policy table');
  });

  it('refuses a patient the file has no table for', () => {
    expect(() => new MdpController(options, context('q'))).toThrow(/has no policy table for patient q under seed 1/);
  });
});
