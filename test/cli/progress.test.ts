/** The progress line: time left from the rate so far, and a line at least every 10 s off a terminal. */
import { describe, expect, it } from 'vitest';
import { estimatedSecondsLeft, formatDuration, progressReporter } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written };
}

describe('progress', () => {
  it('formats durations as s, min s, h min', () => {
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7620)).toBe('2 h 07 min');
  });

  it('estimates time left from patient-days per second so far, once there is enough to go on', () => {
    const p = { patientsDone: 3, patients: 30, patientDaysDone: 1000, patientDays: 10950 };
    // 1000 patient-days in 20 s: 9950 left take 199 s.
    expect(estimatedSecondsLeft(p, 20_000)).toBeCloseTo(199, 9);
    expect(estimatedSecondsLeft({ ...p, patientDaysDone: 0 }, 20_000)).toBeUndefined();
    expect(estimatedSecondsLeft({ ...p, patientDaysDone: 10950 }, 20_000)).toBeUndefined();
    // 1 % done after 1 s: start-up still dominates, no estimate yet.
    expect(estimatedSecondsLeft({ ...p, patientDaysDone: 100 }, 1_000)).toBeUndefined();
  });

  it('off a terminal: a line per finished patient, and one every 10 s while a long patient runs', () => {
    let now = 0;
    const { stream, written } = fakeStream(false);
    const progress = progressReporter('run long.json', stream, () => now);
    const at = (ms: number, patientDaysDone: number, patientsDone = 0) => {
      now = ms;
      progress.update({ patientsDone, patients: 2, patientDaysDone, patientDays: 730 });
    };
    at(500, 1);
    at(5_000, 50); // same patients, 4.5 s later: silent
    at(10_600, 100); // 10.1 s since the last line
    at(11_000, 110);
    at(12_000, 365, 1); // a patient finished
    expect(written).toEqual([
      'run long.json: 0/2 patients, 1/730 patient-days, 0.5 s\n',
      'run long.json: 0/2 patients, 100/730 patient-days, 10.6 s, about 1 min 07 s left\n',
      'run long.json: 1/2 patients, 365/730 patient-days, 12.0 s, about 12 s left\n',
    ]);
  });

  it('on a terminal: the line is rewritten in place, at most every 100 ms, and ends with a newline', () => {
    let now = 0;
    const { stream, written } = fakeStream(true);
    const progress = progressReporter('run x.json', stream, () => now);
    for (let ms = 150; ms <= 400; ms += 50) {
      now = ms;
      progress.update({ patientsDone: 0, patients: 1, patientDaysDone: ms / 50, patientDays: 100 });
    }
    progress.finish();
    expect(written.length).toBe(4); // 150, 250, 350 and the final newline
    expect(written[0]).toBe('\rrun x.json: 0/1 patients, 3/100 patient-days, 0.1 s, about 5 s left\x1b[K'); // 3 % in 0.15 s
    expect(written.at(-1)).toBe('\n');
  });
});
