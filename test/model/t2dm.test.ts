import { it } from 'vitest';
import { normalSubject, t2dmMeanSubject, t2dmSteadyState } from '../../src/model/t2dmParameters.js';
import { t2dmModel, IPO } from '../../src/model/t2dm.js';
import { PatientSimulator } from '../../src/sim/patientSimulator.js';

function run(p: ReturnType<typeof normalSubject>, grams: number, minutes = 1440) {
  const model = t2dmModel(p);
  const sim = new PatientSimulator(model, minutes);
  sim.eat(grams, 5);
  const bg: number[] = [], ins: number[] = [], sec: number[] = [], egp: number[] = [];
  const st = new Float64Array(model.stateSize);
  const b = t2dmSteadyState(p);
  for (let m = 0; m < minutes; m++) {
    sim.beginMinute(m, 0);
    sim.stateAt(m, st);
    bg.push(st[3] / p.Vg); ins.push(st[5] / p.Vi); sec.push(p.gamma * st[IPO]);
    egp.push(b.kp1 - p.kp2 * st[3] - p.kp3 * st[8] - p.kp4 * st[IPO]);
  }
  return { bg, ins, sec, egp };
}
const fmt = (a: number[]) => [0,15,30,45,60,90,120,150,180,240,300,360,420,480,600,720,900,1200,1439].map(t => `${t}:${a[t].toFixed(1)}`).join(' ');
const pk = (a: number[]) => { let peak = -Infinity, tp = 0; a.forEach((v, i) => { if (v > peak) { peak = v; tp = i; } }); return `${peak.toFixed(2)}@${tp}`; };
it('explore', () => {
  for (const [p, g] of [[normalSubject(), 78], [t2dmMeanSubject(), 91], [t2dmMeanSubject(), 78]] as const) {
    const r = run(p, g);
    console.log(p.name, g, '\nBG', pk(r.bg), fmt(r.bg), '\nI', pk(r.ins), fmt(r.ins), '\nS', pk(r.sec), fmt(r.sec), '\nEGP', fmt(r.egp), 'min', Math.min(...r.bg).toFixed(1));
  }
});
