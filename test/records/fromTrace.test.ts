import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { recordsFromTrace } from '../../src/records/fromTrace.js';

const HEADER = 'minute,day,time_of_day,bg_mg_dl,cgm_mg_dl,carbs_eaten_g,carbs_announced_g,carbs_estimated_g,basal_u_per_h,bolus_u,injected_rapid_u,injected_regular_u,injected_nph_u,injected_long_u';

describe('a trace as records', () => {
  it('keeps every reading and every pen injection, at 2000-01-01 plus the trace day and time', () => {
    const text = [
      HEADER,
      '0,1,07:00,150,148.5,0,0,0,0,0,0,4,10,0',
      '1,1,07:01,151,,0,0,0,0,0,0,0,0,0',
      '1440,2,07:00,140,139,0,0,0,0,0,1,0,0,12',
    ].join('\n');
    expect(recordsFromTrace(text, 'p.csv', 'p')).toEqual([
      { patient: 'p', time: '2000-01-01T07:00', minute: 15778500, kind: 'glucose', context: 'unspecified', valueMgDl: 148.5 },
      { patient: 'p', time: '2000-01-01T07:00', minute: 15778500, kind: 'insulin', preparation: 'regular', units: 4 },
      { patient: 'p', time: '2000-01-01T07:00', minute: 15778500, kind: 'insulin', preparation: 'nph', units: 10 },
      { patient: 'p', time: '2000-01-02T07:00', minute: 15779940, kind: 'glucose', context: 'unspecified', valueMgDl: 139 },
      { patient: 'p', time: '2000-01-02T07:00', minute: 15779940, kind: 'insulin', preparation: 'regular', units: 1 },
      { patient: 'p', time: '2000-01-02T07:00', minute: 15779940, kind: 'insulin', preparation: 'ultralente', units: 12 },
    ]);
  });

  it('refuses a pump trace, naming the file and line', () => {
    const text = [HEADER, '0,1,00:00,150,,0,0,0,1.2,0,0,0,0,0'].join('\n');
    expect(() => recordsFromTrace(text, 'pump.csv', 'p')).toThrow(InputError);
    expect(() => recordsFromTrace(text, 'pump.csv', 'p')).toThrow(/pump\.csv: line 2: has pump insulin/);
  });
});
