/**
 * The sweep charts of `npm run bench:oidpr` (bench/oidprPlots.ts): log-scale
 * ticks that enclose the data, and a well-formed SVG document with one line
 * per series, a legend, the axis titles and the notes; missing values are
 * skipped, never drawn as NaN.
 */
import { describe, expect, it } from 'vitest';
import { logTicks, sweepChartSvg } from '../../bench/oidprPlots.js';

/** Tags balanced and nested, one root, no NaN anywhere. */
function checkWellFormed(svg: string): void {
  expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  const stack: string[] = [];
  let roots = 0;
  for (const m of svg.slice(svg.indexOf('?>') + 2).matchAll(/<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (closing) expect(stack.pop()).toBe(name);
    else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('logTicks', () => {
  it('encloses the data on 1-2-5 steps', () => {
    expect(logTicks(6.3, 180)).toEqual({ lo: 5, hi: 200, ticks: [5, 10, 20, 50, 100, 200] });
    expect(logTicks(1, 10)).toEqual({ lo: 1, hi: 10, ticks: [1, 2, 5, 10] });
  });

  it('keeps decades only over more than three decades', () => {
    const t = logTicks(0.3, 2000);
    expect(t.lo).toBe(0.2);
    expect(t.hi).toBe(2000);
    expect(t.ticks).toEqual([0.2, 1, 10, 100, 1000, 2000]);
  });

  it('widens a single value', () => {
    const t = logTicks(7, 7);
    expect(t.lo).toBeLessThanOrEqual(7);
    expect(t.hi).toBeGreaterThan(7);
  });
});

describe('sweepChartSvg', () => {
  const xs = [5, 10, 20, 40];
  it('draws a line per series with legend, axis titles and wrapped notes', () => {
    const svg = sweepChartSvg(
      xs,
      [
        { name: 'SecUq', values: [6.5, 8.2, 11.4, 17.9], style: 0 },
        { name: 'SecQ-learning', values: [63, 80, 112, 176], style: 1 },
        { name: 'SecRep', values: [6.2, NaN, 11, 17], style: 2 },
      ],
      { title: 'Communication vs number of states δ', xLabel: 'states δ', yLabel: 'communication (KB)', notes: ['a note '.repeat(40).trim()] },
    );
    checkWellFormed(svg);
    expect(svg.match(/class="series"/g)).toHaveLength(3);
    expect(svg.match(/class="point"/g)).toHaveLength(11);
    expect(svg).toContain('communication (KB) (log scale)');
    expect(svg).toContain('>states δ<');
    expect(svg).toContain('class="legend"');
    // The long note is wrapped onto more than one line.
    expect(svg.match(/>a note/g)!.length).toBeGreaterThan(1);
    // The NaN point breaks SecRep's line into two pieces.
    const secRep = /data-name="SecRep"><path class="line" d="([^"]+)"/.exec(svg)![1]!;
    expect(secRep.match(/M/g)).toHaveLength(2);
  });

  it('says so when there is no data', () => {
    const svg = sweepChartSvg(xs, [{ name: 'SecRep', values: [NaN, NaN, NaN, NaN] }], { title: 't', xLabel: 'x', yLabel: 'y' });
    checkWellFormed(svg);
    expect(svg).toContain('No data');
  });

  it('refuses a series whose length differs from the x values', () => {
    expect(() => sweepChartSvg(xs, [{ name: 'a', values: [1, 2] }], { title: 't', xLabel: 'x', yLabel: 'y' })).toThrow(/2 values for 4 x/);
  });
});
