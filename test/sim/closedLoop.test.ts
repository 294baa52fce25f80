import { t1dModel } from '../../src/model/t1d.js';
import { describe, expect, it } from 'vitest';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';
import { loadPopulation } from '../../src/cohort/population.js';
import { findPatient } from '../../src/cohort/selection.js';
import type { Controller, DayRecord, InsulinRequest, Observation } from '../../src/control/types.js';
import { IdealSensor } from '../../src/devices/cgm.js';
import { IdealPump } from '../../src/devices/pump.js';
import { basalRateUPerMin } from '../../src/model/parameters.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runClosedLoop } from '../../src/sim/closedLoop.js';
import { runPatient, therapySettings } from '../../src/sim/patientRun.js';
import { replay } from '../../src/sim/replay.js';
import { StandardTherapy } from '../../src/control/standardTherapy.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { controllerIdentity } from '../../src/control/context.js';

const cohort = loadUvaPadovaCohort();
const scenarioFile = join(__dirname, '..', '..', 'scenarios', 'randomised-10day.json');
const base = loadScenario(scenarioFile);
const shortScenario = { ...base, days: 2 };

describe('closed loop', () => {
  const population = loadPopulation('uva-padova-s2008', 'test');
  const adult = findPatient(population, 'adult#001', 'test');

  it('same seed gives identical traces; another seed differs', async () => {
    const a = await runPatient(shortScenario, adult, 7);
    const b = await runPatient(shortScenario, adult, 7);
    const c = await runPatient(shortScenario, adult, 8);
    expect(Buffer.from(a.bgMgDl.buffer).equals(Buffer.from(b.bgMgDl.buffer))).toBe(true);
    expect(Buffer.from(a.cgmMgDl.buffer).equals(Buffer.from(b.cgmMgDl.buffer))).toBe(true);
    expect(Buffer.from(a.bgMgDl.buffer).equals(Buffer.from(c.bgMgDl.buffer))).toBe(false);
  });

  it('records meals, announcements 30 min ahead, boluses and CGM on the sensor grid', async () => {
    const t = await runPatient(shortScenario, adult, 3);
    // Day 1's meals are announced on day 1 and eaten by 01:00 of day 2, before day 2's first announcement.
    const eaten = t.carbsEatenG.subarray(0, 1500).reduce((s, v) => s + v, 0);
    const announced = t.carbsAnnouncedG.subarray(0, 1440).reduce((s, v) => s + v, 0);
    expect(eaten).toBeGreaterThan(100);
    expect(eaten).toBeCloseTo(announced, 6);
    // Every meal start has an announcement 30 min earlier and a bolus at the control instant before it.
    for (let m = 1; m < t.minutes; m++) {
      if (t.carbsEatenG[m] > 0 && t.carbsEatenG[m - 1] === 0) {
        expect(t.carbsAnnouncedG[m - 30]).toBeGreaterThan(0);
        const bolusAt = Math.floor(m / 5) * 5;
        expect(t.bolusU[bolusAt]).toBeGreaterThan(0);
      }
    }
    for (let m = 0; m < t.minutes; m++) expect(Number.isNaN(t.cgmMgDl[m])).toBe(m % 3 !== 0);
  });

  it('matches a replay of its own delivered inputs (one model, one integrator path)', async () => {
    const p = findPatient(cohort, 'adolescent#003', 'test');
    const t = await runClosedLoop({
      model: t1dModel(p.params),
      days: 1,
      startTimeOfDayMin: 0,
      controlPeriodMin: 5,
      meals: [{ startMin: 400, carbsG: 50, estimatedCarbsG: 50, durationMin: 10, announceMin: 370, label: 'meal' }],
      sensor: new IdealSensor(5),
      pump: new IdealPump(),
      controller: new StandardTherapy(therapySettings(findPatient(population, p.name, 'test'))),
      context: controllerIdentity('standard-therapy', therapySettings(findPatient(population, p.name, 'test')), 1),
      timeoutMs: 10_000,
    });
    const minute = new Int32Array(1440).map((_, i) => i);
    const carbsG = new Float64Array(1440);
    carbsG[400] = 50;
    const insulin = new Float64Array(1440).map((_, i) => t.basalUPerMin[i] + t.bolusU[i]);
    const bg = replay(t1dModel(p.params), { minute, carbsG, insulinUPerMin: insulin });
    // Same model and inputs; only where integration stretches end differs, so within integration error.
    for (let m = 0; m < 1440; m++) expect(Math.abs(bg[m] - t.bgMgDl[m])).toBeLessThan(1e-3);
    expect(t.bolusU[400]).toBeCloseTo(50 / p.therapy.carbRatioGPerU, 10);
  });

  it('awaits async controllers and calls endOfDay with each day record', async () => {
    const p = findPatient(cohort, 'child#002', 'test');
    const basal = basalRateUPerMin(p.params);
    const records: DayRecord[] = [];
    const seen: Observation[] = [];
    const asyncController: Controller = {
      decide: async (obs): Promise<InsulinRequest> => {
        seen.push(obs);
        await new Promise((r) => setImmediate(r));
        return { basalUPerMin: basal, bolusU: 0 };
      },
      endOfDay: async (record) => {
        records.push({ ...record, glucoseMgDl: record.glucoseMgDl.slice() });
      },
    };
    const syncController: Controller = { decide: () => ({ basalUPerMin: basal, bolusU: 0 }) };
    const setup = {
      model: t1dModel(p.params),
      days: 2,
      startTimeOfDayMin: 360,
      controlPeriodMin: 10,
      meals: [],
      sensor: new IdealSensor(5),
      pump: new IdealPump(),
      context: controllerIdentity('test', therapySettings(findPatient(population, p.name, 'test')), 1),
      timeoutMs: 10_000,
    };
    const a = await runClosedLoop({ ...setup, controller: asyncController });
    const b = await runClosedLoop({ ...setup, controller: syncController });
    expect(Buffer.from(a.bgMgDl.buffer).equals(Buffer.from(b.bgMgDl.buffer))).toBe(true);
    expect(records.map((r) => r.day)).toEqual([1, 2]);
    expect(records[1].startMin).toBe(1440);
    expect(records[0].glucoseMgDl.length).toBe(1440);
    expect(seen.length).toBe(2 * 144);
    expect(seen[0].timeOfDayMin).toBe(360);
    expect(seen[1].timeMin).toBe(10);
    expect(seen[seen.length - 1].day).toBe(2);
    // Basal only from the steady state: glucose stays at Gb.
    for (let m = 0; m < a.minutes; m += 97) expect(Math.abs(a.bgMgDl[m] - p.params.Gb)).toBeLessThan(0.01);
  });
});

describe('closed loop: cancellation and lifecycle edges', () => {
  const population = loadPopulation('uva-padova-s2008', 'test');
  const adult = findPatient(population, 'adult#001', 'test');
  const therapy = therapySettings(adult);
  const setup = {
    model: adult.model([]),
    days: 3,
    startTimeOfDayMin: 0,
    controlPeriodMin: 5,
    meals: [],
    sensor: new IdealSensor(5),
    pump: new IdealPump(),
    context: controllerIdentity('test', therapy, 1),
    timeoutMs: 10_000,
  };
  const basal = (): InsulinRequest => ({ basalUPerMin: therapy.basalRateUPerMin, bolusU: 0 });

  it('stops a synchronous run when cancelled from outside, and closes the controller', async () => {
    const cancel = new AbortController();
    let closed = 0;
    const run = runClosedLoop({ ...setup, signal: cancel.signal, controller: { decide: basal, close: () => void closed++ } }, (day) => {
      if (day === 1) cancel.abort(new Error('stopped by the user'));
    });
    await expect(run).rejects.toThrow('stopped by the user');
    expect(closed).toBe(1);
  });

  it('a call already cancelled when it starts, whose promise rejects later (as an aborted fetch does), leaves no unhandled rejection', async () => {
    const cancel = new AbortController();
    const controller: Controller = {
      decide: (obs) => {
        if (obs.timeMin < 1440) return basal();
        // The run is cancelled while this call is being made; its request fails a little later.
        cancel.abort(new Error('cohort failed'));
        return new Promise<InsulinRequest>((_, reject) => setTimeout(() => reject(new Error('fetch aborted')), 5));
      },
    };
    await expect(runClosedLoop({ ...setup, signal: cancel.signal, controller })).rejects.toThrow('cohort failed');
    // Let the late rejection happen: unhandled, vitest would fail this file.
    await new Promise((r) => setTimeout(r, 20));
  });

  it('closes a controller whose create() missed its deadline, when it finally arrives', async () => {
    let closed = false;
    const late: Controller = { decide: basal, close: () => void (closed = true) };
    const run = runClosedLoop({ ...setup, timeoutMs: 20, controller: () => new Promise<Controller>((resolve) => setTimeout(() => resolve(late), 60)) });
    await expect(run).rejects.toThrow(/controller 'test' did not answer create within 20 ms \(controller\.timeoutMs\) for patient adult#001/);
    expect(closed).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    expect(closed).toBe(true);
  });
});

describe("the actor-critic study's arms bolus at announcement", () => {
  const population = loadPopulation('uva-padova-s2008', 'test');
  const study = JSON.parse(readFileSync(join(__dirname, '..', '..', 'experiments', 'ac-initialisation.json'), 'utf8')) as {
    arms: { name: string; controller: { name: string; options: Record<string, unknown> } }[];
  };

  it('every meal of the run-in and the trial is bolused at the control instant that sees its announcement, 30 min before intake', async () => {
    const child = findPatient(population, 'child#001', 'test');
    for (const name of ['fixed', 'S3', 'S1-TD']) {
      const arm = study.arms.find((a) => a.name === name)!;
      const runIn = Number(arm.controller.options.runInDays ?? 0);
      const t = await runPatient({ ...base, days: runIn + 2, controller: { ...base.controller, name: arm.controller.name, options: arm.controller.options } }, child, 5);
      let meals = 0;
      for (let m = 1; m < t.minutes; m++) {
        if (!(t.carbsEatenG[m] > 0 && t.carbsEatenG[m - 1] === 0)) continue;
        meals++;
        // Announced at m − 30, seen at the first control instant from then on: the bolus is there, and nowhere between it and intake.
        const seen = Math.ceil((m - 30) / 5) * 5;
        expect(t.bolusU[seen], `${name}: meal at minute ${m}`).toBeGreaterThan(0);
        for (let k = seen + 1; k <= m; k++) expect(t.bolusU[k], `${name}: minute ${k}`).toBe(0);
      }
      expect(meals, name).toBeGreaterThan(3 * (runIn + 2) - 3);
    }
  });
});
