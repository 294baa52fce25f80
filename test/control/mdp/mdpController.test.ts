/**
 * The `mdp` controller's options and behaviour: refusals that name the
 * field; π0 as the nearest action while learning (no exploration); a policy
 * once learning ends, recalibrated every M transitions; the counts record
 * what the pen gave.
 */
import { describe, expect, it } from 'vitest';
import { parseMdpOptions, regimenProblem } from '../../../src/control/mdp/entry.js';
import { MdpController } from '../../../src/control/mdp/mdpController.js';
import type { ControllerContext, Observation } from '../../../src/control/types.js';
import { InputError } from '../../../src/io/errors.js';
import { randomStream } from '../../../src/random/streams.js';

const SOURCE = { file: 'scenario.json', field: 'controller.options' };
const REGIMEN = {
  doses: [
    { time: '07:00', preparation: 'nph', units: 12 },
    { time: '07:00', preparation: 'regular', units: 6 },
    { time: '19:00', preparation: 'regular', units: 4 },
  ],
  slidingScale: { preparation: 'regular', steps: [{ aboveMgDl: 200, units: 4 }] },
};

function refusal(options: Record<string, unknown>): InputError {
  try {
    parseMdpOptions(options, SOURCE);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('mdp options', () => {
  it('refuse, naming the field: an action space with no zero dose, π0 outside the action space, meal boluses', () => {
    expect(refusal({ learningDays: 3, physicianRegimen: REGIMEN, actions: { regular: [2, 4], nph: [0, 12], long: [0] } }).message).toBe(
      'scenario.json: controller.options.actions.regular: the first dose must be 0, meaning none of this preparation (Shifrin & Siegelmann 2017, §2.3)',
    );
    expect(refusal({ learningDays: 3, physicianRegimen: REGIMEN, actions: { regular: [0, 2], nph: [0], long: [0] } }).field).toBe('controller.options.actions.nph');
    expect(refusal({ learningDays: 3, physicianRegimen: { doses: [{ time: '07:00', preparation: 'rapid', units: 4 }] } }).field).toBe('controller.options.physicianRegimen');
    expect(refusal({ learningDays: 3, physicianRegimen: { ...REGIMEN, mealBolus: true } }).field).toBe('controller.options.physicianRegimen.mealBolus');
    expect(refusal({ learningDays: 3, physicianRegimen: REGIMEN, glucose: { minMgDl: 40, maxMgDl: 340, bfcMgDl: 35 } }).field).toBe('controller.options.glucose');
    expect(refusal({ learningDays: 3, physicianRegimen: REGIMEN, reward: { targetMgDl: 110, hypoLevels: 10 } }).field).toBe('controller.options.reward.hypoLevels');
    expect(refusal({ learningDays: 3, physicianRegimen: REGIMEN, slots: [{ name: 'a', time: '12:00' }, { name: 'b', time: '07:00' }] }).field).toBe('controller.options.slots[1].time');
    expect(refusal({ learningDays: 3, physicianRegimen: REGIMEN, startFrom: 'no-such-policy.json' }).message).toMatch(/no-such-policy\.json: file not found/);
  });

  it('fill the defaults', () => {
    const o = parseMdpOptions({ learningDays: 3, physicianRegimen: REGIMEN }, SOURCE);
    expect(o.definition.space.glucose).toEqual({ minMgDl: 40, maxMgDl: 340, bfcMgDl: 30 });
    expect(o.definition.space.slots.timesOfDayMin).toEqual([420, 720, 960, 1140, 1320]);
    expect([o.recalibrateEvery, o.exploration, o.explorationSteps, o.raiseAboveMgDl]).toEqual([5, 0.5, 2, 180]);
    expect(o.hypoglycaemiaGuard).toEqual({ belowMgDl: 72, days: 3 });
  });
});

function context(): ControllerContext {
  return {
    controller: 'mdp',
    therapy: { patient: 'p', basalRateUPerMin: 0, carbRatioGPerU: NaN, correctionFactorMgDlPerU: NaN, bodyWeightKg: 80 },
    seed: 1,
    random: (purpose) => randomStream(1, 'p', `mdp/${purpose}`),
    days: 10,
    startTimeOfDayMin: 0,
    controlPeriodMin: 5,
    signal: new AbortController().signal,
  };
}

/** A reading at `timeOfDayMin` of `day`, seen at that control instant. */
function reading(day: number, timeOfDayMin: number, glucoseMgDl: number): Observation {
  const timeMin = (day - 1) * 1440 + timeOfDayMin;
  return { timeMin, day, timeOfDayMin, glucoseMgDl, glucoseTimeMin: timeMin, announcedMeals: [], controlPeriodMin: 5 };
}

const SLOTS = [420, 720, 960, 1140, 1320];

describe('mdp controller', () => {
  it('learns under π0 (as the nearest action), then follows its policy; acts once per reading', () => {
    const options = parseMdpOptions({ learningDays: 2, exploration: 0, physicianRegimen: REGIMEN, recalibrateEvery: 3 }, SOURCE);
    const c = new MdpController(options, context());
    // Learning: π0 at 07:00 on 250 mg/dL = NPH 12 + regular 6 + 4 (sliding scale); nothing at noon.
    expect(c.decide(reading(1, 420, 250)).injections).toEqual([{ preparation: 'regular', units: 10 }, { preparation: 'nph', units: 12 }]);
    // The same reading seen again at the next control instant: no second dose.
    expect(c.decide({ ...reading(1, 425, 250), glucoseTimeMin: 420 }).injections).toEqual([]);
    expect(c.decide(reading(1, 720, 150)).injections).toEqual([]);
    for (const t of SLOTS.slice(2)) c.decide(reading(1, t, 160));
    c.endOfDay();
    for (const t of SLOTS) c.decide(reading(2, t, 160));
    c.endOfDay();
    // Day 3: the policy. Every state it reaches has exactly π0's action in the counts, so it repeats π0.
    expect(c.decide(reading(3, 420, 160)).injections).toEqual([{ preparation: 'regular', units: 6 }, { preparation: 'nph', units: 12 }]);
    c.endOfDay();
    const log = c.dailyLog();
    expect(log.phase).toEqual([0, 0, 1]);
    expect(log.readings).toEqual([5, 5, 1]);
    expect(log.recalibrations).toEqual([0, 0, 1]);
    expect(log['policy.regularU']).toHaveLength(10 * 5);
  });

  it('records what the pen gave: a dose the pen dropped counts as the zero action', () => {
    const options = parseMdpOptions({ learningDays: 1, exploration: 0, physicianRegimen: { doses: [{ time: '12:00', preparation: 'regular', units: 6 }] }, minVisits: 1 }, SOURCE);
    const c = new MdpController(options, context());
    c.decide(reading(1, 720, 200));
    c.delivered({ timeMin: 720, basalUPerMin: 0, bolusU: 0, injections: [] });
    c.decide(reading(1, 960, 200));
    c.endOfDay();
    const log = c.dailyLog();
    // The noon state's counted action gives no insulin, so its learned action is the zero triplet.
    const noonLevel200 = 1 * 10 + Math.floor((200 - 40) / 30);
    expect(log['policy.regularU'][noonLevel200]).toBe(0);
    expect(log['policy.visits'][noonLevel200]).toBe(1);
  });

  it('explores only neighbouring doses, raising only above raiseAboveMgDl, with a seeded stream', () => {
    const options = parseMdpOptions({ learningDays: 5, exploration: 1, physicianRegimen: REGIMEN }, SOURCE);
    const doses = (g: number) => {
      const c = new MdpController(options, context());
      return c.decide(reading(1, 720, g)).injections ?? [];
    };
    // Noon, π0 gives nothing: below 180 nothing can be lowered, so π0 stands; above, one move of 2 steps (4 U) up.
    expect(doses(150)).toEqual([]);
    const up = doses(250);
    expect(up).toHaveLength(1);
    expect(up[0]!.units).toBe(4);
    expect(['regular', 'nph']).toContain(up[0]!.preparation);
    expect(doses(250)).toEqual(up);
  });

  it('recalibrates every M transitions once it exploits', () => {
    const options = parseMdpOptions({ learningDays: 1, exploration: 0, physicianRegimen: REGIMEN, recalibrateEvery: 3 }, SOURCE);
    const c = new MdpController(options, context());
    for (let day = 1; day <= 3; day++) {
      for (const t of SLOTS) c.decide(reading(day, t, 160));
      c.endOfDay();
    }
    // Day 2: solve at its first reading, again 3 transitions later; day 3: after 3 more, and 3 more.
    expect(c.dailyLog().recalibrations).toEqual([0, 2, 2]);
  });

  it('learns a dose that π0 never gives when the readings after it are better', () => {
    const options = parseMdpOptions({ learningDays: 6, exploration: 1, physicianRegimen: REGIMEN }, SOURCE);
    const c = new MdpController(options, context());
    const noonDoses: string[] = [];
    for (let day = 1; day <= 8; day++) {
      c.decide(reading(day, 420, 150));
      // π0 gives nothing at noon; learning tries 4 U of regular or of NPH (250 > 180 mg/dL).
      const noon = c.decide(reading(day, 720, 250)).injections ?? [];
      noonDoses.push(noon.map((i) => `${i.preparation}${i.units}`).join('+'));
      // Regular brings the afternoon reading into range; NPH does not.
      c.decide(reading(day, 960, noon.some((i) => i.preparation === 'regular') ? 120 : 250));
      c.decide(reading(day, 1140, 150));
      c.decide(reading(day, 1320, 150));
      c.endOfDay();
    }
    expect(new Set(noonDoses.slice(0, 6))).toEqual(new Set(['regular4', 'nph4']));
    expect(noonDoses.slice(6)).toEqual(['regular4', 'regular4']);
  });

  it('acts on one reading per slot a day: a CGM every 5 min gets the regimen once', () => {
    const options = parseMdpOptions({ learningDays: 3, exploration: 0, physicianRegimen: REGIMEN }, SOURCE);
    const c = new MdpController(options, context());
    let units = 0;
    let injections = 0;
    for (let t = 0; t < 1440; t += 5) {
      const given = c.decide(reading(1, t, 150)).injections ?? [];
      injections += given.length ? 1 : 0;
      units += given.reduce((s, i) => s + i.units, 0);
    }
    // 07:00: NPH 12 + regular 6; 19:00: regular 4 (no sliding scale at 150 mg/dL).
    expect([injections, units]).toEqual([2, 22]);
    c.endOfDay();
    expect(c.dailyLog().readings).toEqual([5]);
  });

  it('refuses a meter that does not measure near every slot (the regimen would never be given there); slots set to its times run', () => {
    const options = parseMdpOptions({ learningDays: 3, physicianRegimen: REGIMEN }, SOURCE);
    const meter = { ...context(), meterTimesOfDayMin: [480, 720, 1080, 1320] }; // the AIM-94 paper records' 08:00, 12:00, 18:00, 22:00
    expect(() => new MdpController(options, meter)).toThrow(
      "the MDP's slot 'afternoon' (16:00) has no meter reading from 30 min before to 90 min after it (the meter measures at 08:00, 12:00, 18:00, 22:00): set the controller's slots to the meter's times",
    );
    const slots = [
      { name: 'breakfast', time: '08:00' },
      { name: 'lunch', time: '12:00' },
      { name: 'dinner', time: '18:00' },
      { name: 'bedtime', time: '22:00' },
    ];
    expect(() => new MdpController(parseMdpOptions({ learningDays: 3, physicianRegimen: REGIMEN, slots }, SOURCE), meter)).not.toThrow();
    expect(() => new MdpController(options, { ...context(), meterTimesOfDayMin: [420, 720, 960, 1140, 1320] })).not.toThrow();
  });

  it('the hypoglycaemia guard: after a low reading no dose above π0 for 3 days; false turns it off', () => {
    const run = (guard: unknown) => {
      const options = parseMdpOptions({ learningDays: 10, exploration: 1, physicianRegimen: REGIMEN, ...(guard === undefined ? {} : { hypoglycaemiaGuard: guard }) }, SOURCE);
      const c = new MdpController(options, context());
      c.decide(reading(1, 420, 60)); // a low morning reading
      return [2, 3, 4, 5].map((day) => c.decide(reading(day, 720, 250)).injections?.length ?? 0);
    };
    // Noon π0 gives nothing, exploration would raise: the guard holds it at nothing within 72 h of day 1's 07:00 low (days 2 and 3).
    expect(run(undefined)).toEqual([0, 0, 1, 1]);
    expect(run(false)).toEqual([1, 1, 1, 1]);
  });
});

describe('mdp slots and guard over several days', () => {
  it('acts exactly once per slot a day near midnight, whatever the start time', () => {
    const slots = [
      { name: 'early', time: '00:30' },
      { name: 'noon', time: '12:00' },
      { name: 'late', time: '23:30' },
    ];
    const regimen = { doses: [{ time: '00:30', preparation: 'nph', units: 2 }, { time: '12:00', preparation: 'nph', units: 4 }, { time: '23:30', preparation: 'nph', units: 6 }] };
    for (const start of [0, 720, 1425]) {
      const options = parseMdpOptions({ learningDays: 10, exploration: 0, physicianRegimen: regimen, slots }, SOURCE);
      const c = new MdpController(options, { ...context(), startTimeOfDayMin: start });
      const acted = new Map<number, number[]>(); // units → wall-clock minutes of the doses
      for (let t = 0; t < 4 * 1440; t += 5) {
        const timeOfDayMin = (start + t) % 1440;
        const obs = { timeMin: t, day: Math.floor(t / 1440) + 1, timeOfDayMin, glucoseMgDl: 150, glucoseTimeMin: t, announcedMeals: [], controlPeriodMin: 5 };
        for (const i of c.decide(obs).injections ?? []) acted.set(i.units, [...(acted.get(i.units) ?? []), start + t]);
      }
      // Each slot every day (4 or 5 of its windows meet the 4 days), then at the first reading of its window: 24 h apart
      // (a run that starts inside a window acts there first, up to 2 h later in the window than on the next days).
      for (const units of [2, 4, 6]) {
        const times = acted.get(units) ?? [];
        expect(times.length, `start ${start}, slot of ${units} U`).toBeGreaterThanOrEqual(4);
        expect(times[1] - times[0]).toBeGreaterThanOrEqual(1440 - 120);
        expect(times[1] - times[0]).toBeLessThanOrEqual(1440);
        for (let k = 2; k < times.length; k++) expect(times[k] - times[k - 1]).toBe(1440);
      }
    }
  });

  it('a low reading outside every slot window (a CGM at 03:00) starts the guard, and the counts hold the capped action', () => {
    const options = parseMdpOptions({ learningDays: 2, exploration: 1, physicianRegimen: REGIMEN }, SOURCE);
    const c = new MdpController(options, context());
    c.decide(reading(1, 180, 45)); // 03:00, near no slot
    expect(c.decide(reading(1, 720, 250)).injections).toEqual([]); // noon: exploration would raise, the guard holds π0's nothing
    c.decide(reading(1, 960, 200));
    c.endOfDay();
    const log = c.dailyLog();
    // Noon's raise and the 16:00 raise (200 > 180 mg/dL) were both cut to π0's doses.
    expect(log.guarded).toEqual([2]);
    // The noon state was counted under the zero action it was given.
    const noonLevel250 = 1 * 10 + Math.floor((250 - 40) / 30);
    expect(log['policy.regularU'][noonLevel250]).toBe(0);
    expect(log['policy.nphU'][noonLevel250]).toBe(0);
  });
});

describe('mdp patient check', () => {
  it('refuses a π0 dose that the action space turns into 0, or a sliding-scale step it loses', () => {
    const therapy = { patient: 'p', basalRateUPerMin: 0, carbRatioGPerU: NaN, correctionFactorMgDlPerU: NaN, bodyWeightKg: 80 };
    const coarse = { regular: [0, 10, 20], nph: [0, 10, 20, 30], long: [0] };
    const small = parseMdpOptions({ learningDays: 3, physicianRegimen: { doses: [{ time: '07:00', preparation: 'nph', units: 4 }] }, actions: coarse }, SOURCE);
    expect(regimenProblem(small, therapy)).toBe("the physician's regimen gives 4 U of nph at the morning reading, which the nearest dose of actions.nph makes 0: add a smaller dose to the list");
    const lostStep = parseMdpOptions({ learningDays: 3, physicianRegimen: { doses: [{ time: '07:00', preparation: 'regular', units: 10 }], slidingScale: { preparation: 'regular', steps: [{ aboveMgDl: 200, units: 2 }] } }, actions: coarse }, SOURCE);
    expect(regimenProblem(lostStep, therapy)).toMatch(/sliding scale's step to 2 U of regular at the morning reading gives the same dose of actions.regular as the step below it \(10 U\)/);
    expect(regimenProblem(parseMdpOptions({ learningDays: 3, physicianRegimen: REGIMEN }, SOURCE), therapy)).toBeUndefined();
  });

  it("refuses a patient whose π0 doses exceed the action space (they would be cut without a word)", () => {
    const options = parseMdpOptions({ learningDays: 3, physicianRegimen: { doses: [{ time: '07:00', preparation: 'nph', unitsPerKg: 0.3 }], slidingScale: REGIMEN.slidingScale } }, SOURCE);
    const therapy = (bodyWeightKg: number) => ({ patient: 'p', basalRateUPerMin: 0, carbRatioGPerU: NaN, correctionFactorMgDlPerU: NaN, bodyWeightKg });
    // 0.3 U/kg × 100 kg = 30 U of NPH: the largest dose of the default list; the sliding scale's 4 U of regular fits too.
    expect(regimenProblem(options, therapy(100))).toBeUndefined();
    expect(regimenProblem(options, therapy(110))).toBe(
      'the physician\'s regimen gives up to 33 U of nph at the morning reading, above the largest dose of actions.nph (30 U): extend the list',
    );
  });
});
