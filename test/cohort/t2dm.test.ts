import { it } from 'vitest';
import { generateT2dmCohort } from '../../src/cohort/t2dm.js';
import { t2dmModel } from '../../src/model/t2dm.js';
import { t2dmSteadyState } from '../../src/model/t2dmParameters.js';
import { PatientSimulator } from '../../src/sim/patientSimulator.js';

it('explore', () => {
  const c = generateT2dmCohort(100, 7);
  console.log('attempts', c.attempts, 'rejected', c.rejected, JSON.stringify(c.rejectedBy));
  let worst = 0;
  const rows: string[] = [];
  for (const s of c.subjects) {
    const model = t2dmModel(s.params);
    const sim = new PatientSimulator(model, 2880);
    let dev = 0;
    for (let m = 0; m < 1440; m++) { sim.beginMinute(m, 0); dev = Math.max(dev, Math.abs(sim.bloodGlucoseAt(m) - s.params.Gb)); }
    worst = Math.max(worst, dev);
    sim.eat(s.params.BW, 5);
    let peak = 0, tp = 0, min = 1e9, end = 0;
    for (let m = 1440; m < 2880; m++) { sim.beginMinute(m, 0); const g = sim.bloodGlucoseAt(m); if (g > peak) { peak = g; tp = m - 1440; } min = Math.min(min, g); end = g; }
    const b = t2dmSteadyState(s.params);
    rows.push(`${s.name} Gb ${s.params.Gb} Ib ${b.Ib.toFixed(1)} EGPb ${b.EGPb.toFixed(2)} Sb ${b.Sb.toFixed(2)} peak ${peak.toFixed(0)}@${tp} min ${min.toFixed(0)} end ${end.toFixed(1)} dev ${dev.toExponential(1)}`);
  }
  console.log(rows.join('\n'));
  console.log('worst', worst);
});
