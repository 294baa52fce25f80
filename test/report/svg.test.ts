import { describe, expect, it } from 'vitest';
import { bucketSums, gapDetector, groupMeals, minMaxIndices, toSteps } from '../../src/report/downsample.js';
import {
  type GlucoseTraceInput,
  cvgaPlotSvg,
  dailyLineChartSvg,
  glucoseTraceInputFromTrace,
  glucoseTraceSvg,
} from '../../src/report/svg.js';
import { escapeXml, niceDomain, num } from '../../src/report/svgCore.js';

// ---------------------------------------------------------------------------
// A small, strict XML 1.0 well-formedness checker (no DTDs, no CDATA — our
// SVGs use neither): one root element, properly nested and closed tags,
// quoted unique attributes, and every `&` a known entity or character
// reference. It returns the element tree so tests can count elements.

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

function decodeEntities(s: string, where: string): string {
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & in ${where}: ${JSON.stringify(s.slice(0, 80))}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body];
    const dec = /^#([0-9]+)$/.exec(body);
    if (dec) return String.fromCodePoint(Number(dec[1]));
    const hex = /^#x([0-9a-fA-F]+)$/.exec(body);
    if (hex) return String.fromCodePoint(parseInt(hex[1], 16));
    throw new Error(`unknown entity &${body}; in ${where}`);
  });
}

function parseXml(src: string): XmlElement {
  let i = 0;
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(src)) throw new Error('control character not allowed in XML 1.0');
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const chunk = lt < 0 ? src.slice(i) : src.slice(i, lt);
    if (chunk.length > 0) {
      if (stack.length === 0) {
        if (chunk.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(chunk.slice(0, 40))}`);
      } else {
        if (chunk.includes(']]>')) throw new Error(']]> in text');
        stack[stack.length - 1].text += decodeEntities(chunk, 'text');
      }
    }
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (src.startsWith('</', i)) {
      const m = NAME.exec(src.slice(i + 2));
      if (!m) throw new Error(`bad end tag at ${i}`);
      const close = src.indexOf('>', i);
      if (src.slice(i + 2 + m[0].length, close).trim() !== '') throw new Error(`junk in end tag at ${i}`);
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`</${m[0]}> does not close <${open?.name}>`);
      i = close + 1;
      continue;
    }
    const m = NAME.exec(src.slice(i + 1));
    if (!m) throw new Error(`bad tag at ${i}: ${JSON.stringify(src.slice(i, i + 20))}`);
    const elem: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(elem);
    else if (root) throw new Error('more than one root element');
    else root = elem;
    i += 1 + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i))![0];
      i += ws.length;
      if (src.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (src[i] === '>') {
        i += 1;
        stack.push(elem);
        break;
      }
      if (ws.length === 0) throw new Error(`missing space before attribute in <${elem.name}> at ${i}`);
      const an = NAME.exec(src.slice(i));
      if (!an) throw new Error(`bad attribute in <${elem.name}> at ${i}: ${JSON.stringify(src.slice(i, i + 20))}`);
      i += an[0].length;
      if (src[i] !== '=') throw new Error(`attribute ${an[0]} without value`);
      const q = src[i + 1];
      if (q !== '"' && q !== "'") throw new Error(`unquoted attribute ${an[0]}`);
      const end = src.indexOf(q, i + 2);
      if (end < 0) throw new Error('unterminated attribute');
      const raw = src.slice(i + 2, end);
      if (raw.includes('<')) throw new Error(`< in attribute ${an[0]}`);
      if (an[0] in elem.attrs) throw new Error(`duplicate attribute ${an[0]} in <${elem.name}>`);
      elem.attrs[an[0]] = decodeEntities(raw, `attribute ${an[0]}`);
      i = end + 1;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

function all(e: XmlElement): XmlElement[] {
  return [e, ...e.children.flatMap(all)];
}

function byClass(root: XmlElement, cls: string): XmlElement[] {
  return all(root).filter((e) => (e.attrs.class ?? '').split(/\s+/).includes(cls));
}

function allText(e: XmlElement): string {
  return [e.text, ...e.children.map(allText)].join(' ');
}

/** Parses, checks the root is a sized SVG and that no attribute holds NaN/Infinity/undefined. */
function checkSvg(svg: string): XmlElement {
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
  const w = Number(root.attrs.width);
  const h = Number(root.attrs.height);
  expect(w).toBeGreaterThan(0);
  expect(h).toBeGreaterThan(0);
  expect(root.attrs.viewBox).toBe(`0 0 ${w} ${h}`);
  expect(root.children[0].name).toBe('title');
  for (const e of all(root)) {
    for (const [k, v] of Object.entries(e.attrs)) {
      expect(v, `<${e.name} ${k}>`).not.toMatch(/NaN|Infinity|undefined|null/);
    }
  }
  return root;
}

/** Numbers of a path's `d`, paired as x,y after each M/L command. */
function pathCommands(d: string): { cmd: string; x: number; y: number }[] {
  return [...d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)].map((m) => ({ cmd: m[1], x: Number(m[2]), y: Number(m[3]) }));
}

describe('the XML checker itself', () => {
  it('accepts good XML and rejects the usual breakages', () => {
    expect(parseXml('<?xml version="1.0"?>\n<a x="1"><b>t &amp; &#60;</b><c/></a>\n').children.length).toBe(2);
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a>x < y</a>')).toThrow();
    expect(() => parseXml('<a>R&D</a>')).toThrow();
    expect(() => parseXml('<a x=1/>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
    expect(() => parseXml('<a>')).toThrow();
    expect(() => parseXml('<a t="<"/>')).toThrow();
  });
});

// ---------------------------------------------------------------------------

describe('svg helpers', () => {
  it('escapes markup and drops characters XML cannot hold', () => {
    expect(escapeXml(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
    expect(escapeXml('x\u0001y\uD800z')).toBe('x\uFFFDy\uFFFDz');
    expect(escapeXml('ok 😀')).toBe('ok 😀');
  });

  it('formats numbers compactly and refuses NaN', () => {
    expect(num(12.3456)).toBe('12.35');
    expect(num(12)).toBe('12');
    expect(num(-0.0001)).toBe('0');
    expect(num(1.5, 0)).toBe('2');
    expect(() => num(NaN)).toThrow(RangeError);
    expect(() => num(Infinity)).toThrow(RangeError);
  });

  it('makes nice domains', () => {
    expect(niceDomain(0, 0.87, 5)).toEqual({ lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    const d = niceDomain(3, 97, 5);
    expect(d.lo).toBe(0);
    expect(d.hi).toBe(100);
    expect(d.ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceDomain(5, 5).ticks.length).toBeGreaterThan(1);
  });
});

describe('downsampling', () => {
  it('keeps every sample under the budget, and both extremes of each bucket over it', () => {
    const t = Float64Array.from({ length: 14400 }, (_, i) => i);
    const v = Float64Array.from(t, (i) => 120 + 40 * Math.sin(i / 200));
    v[7001] = 39; // a one-minute dip
    v[12345] = 420; // a one-minute spike
    const idx = minMaxIndices(t, v, 2000);
    expect(idx.length).toBeLessThanOrEqual(2000);
    expect(idx.length).toBeGreaterThan(1000);
    expect([...idx]).toContain(7001);
    expect([...idx]).toContain(12345);
    for (let k = 1; k < idx.length; k++) expect(idx[k]).toBeGreaterThan(idx[k - 1]);
    expect(minMaxIndices(t.subarray(0, 50), v.subarray(0, 50), 2000).length).toBe(50);
  });

  it('skips missing values and detects gaps between kept samples', () => {
    const v = [1, NaN, 3, 4, NaN, NaN, 7];
    const idx = minMaxIndices([0, 1, 2, 3, 4, 5, 6], v, 100);
    expect([...idx]).toEqual([0, 2, 3, 6]);
    const gap = gapDetector(v);
    expect(gap(0, 2)).toBe(true);
    expect(gap(2, 3)).toBe(false);
    expect(gap(3, 6)).toBe(true);
  });

  it('turns rates into change points and caps them by averaging', () => {
    const s = toSteps([0, 1, 2, 3, 4, 5], [1, 1, 2, 2, NaN, 1], 100);
    expect(s).toEqual({ t: [0, 2, 4, 5], v: [1, 2, NaN, 1], end: 6 });
    const t = Array.from({ length: 1000 }, (_, i) => i);
    const v = t.map((i) => (i % 2 === 0 ? 0 : 2));
    const capped = toSteps(t, v, 10);
    expect(capped.t.length).toBe(10);
    for (const x of capped.v) expect(x).toBeCloseTo(1, 12);
  });

  it('sums amounts per bin and groups meals', () => {
    expect(bucketSums([0, 1, 2, 10, 11], [1, 0, 2, 0.5, NaN], 0, 5)).toEqual({ t: [0, 10], sum: [3, 0.5] });
    const carbs = new Float64Array(100);
    for (let m = 10; m < 22; m++) carbs[m] = 5; // 60 g over 12 min
    carbs[25] = 3; // 3 min later: same meal
    carbs[60] = 20; // a separate snack
    const t = Float64Array.from({ length: 100 }, (_, i) => i);
    expect(groupMeals(t, carbs, 5)).toEqual([
      { t: 10, grams: 63 },
      { t: 60, grams: 20 },
    ]);
  });
});

describe('cvgaPlotSvg', () => {
  const pts = [
    { label: 'adult#001', group: 'adults', minMgDl: 100, maxMgDl: 150 }, // A
    { label: 'adult#002', group: 'adults', minMgDl: 80, maxMgDl: 250 }, // B
    { label: 'child#001', group: 'children', minMgDl: 40, maxMgDl: 450 }, // E (clamped)
    { label: 'child#002', group: 'children', minMgDl: 130, maxMgDl: 100 }, // A (clamped to 110,110)
  ];

  it('draws nine labelled zones, one point per patient and a legend per group', () => {
    const svg = cvgaPlotSvg(pts, { title: 'CVGA — last 5 days' });
    const root = checkSvg(svg);
    const zones = all(root).find((e) => e.attrs.class === 'zones')!;
    expect(zones.children.filter((c) => c.name === 'rect').length).toBe(9);
    const labels = zones.children.filter((c) => c.name === 'text').map((c) => c.text);
    expect(labels.sort()).toEqual(['A zone', 'B zone', 'E zone', 'Lower B', 'Lower C', 'Lower D', 'Upper B', 'Upper C', 'Upper D']);
    const points = byClass(root, 'point');
    expect(points.length).toBe(4);
    expect(new Set(points.map((p) => p.attrs.fill)).size).toBe(2);
    const legendText = allText(all(root).find((e) => e.attrs.class === 'legend')!);
    expect(legendText).toContain('adults (n=2, A+B 100%)');
    expect(legendText).toContain('children (n=2, A+B 50%)');
    const caption = allText(all(root).find((e) => e.attrs.class === 'caption')!);
    expect(caption).toContain('n = 4. A+B 75%');
    expect(caption).toContain('A 50%');
    expect(caption).toContain('E 25%');
    expect(allText(root)).toContain('CVGA — last 5 days');
  });

  it('reverses the x axis (110 on the left) and puts high max BG at the top', () => {
    const root = checkSvg(cvgaPlotSvg(pts));
    const [a, b, e, clamped] = byClass(root, 'point').map((p) => ({ x: Number(p.attrs.cx), y: Number(p.attrs.cy) }));
    expect(e.x).toBeGreaterThan(b.x); // min 50 right of min 80
    expect(b.x).toBeGreaterThan(a.x); // min 80 right of min 100
    expect(e.y).toBeLessThan(b.y); // 400 above 250
    expect(b.y).toBeLessThan(a.y);
    expect(clamped.x).toBeLessThan(a.x); // min clamped to 110: the left edge
    expect(clamped.y).toBeGreaterThan(a.y); // max clamped to 110: the bottom edge
  });

  it('escapes labels and group names', () => {
    const svg = cvgaPlotSvg([{ label: '<script>&x', group: 'A&B <"arm">', minMgDl: 100, maxMgDl: 150 }], { title: 'T <&>' });
    expect(svg).not.toContain('<script>');
    const root = checkSvg(svg);
    expect(allText(root)).toContain('<script>&x');
    expect(allText(root)).toContain('A&B <"arm">');
    expect(root.attrs['aria-label']).toBe('T <&>');
  });

  it('skips points without readings and copes with no points at all', () => {
    const root = checkSvg(cvgaPlotSvg([...pts, { label: 'x', group: 'adults', minMgDl: NaN, maxMgDl: NaN }]));
    expect(byClass(root, 'point').length).toBe(4);
    expect(allText(root)).toContain('1 patient without BG readings not shown');
    const empty = checkSvg(cvgaPlotSvg([]));
    expect(byClass(empty, 'point').length).toBe(0);
    expect(allText(empty)).toContain('No patients to plot');
  });
});

describe('dailyLineChartSvg', () => {
  const opts = { title: 'Daily LBGI', yLabel: 'LBGI', xLabel: 'Day' };

  it('draws one line with one marker per finite value per series', () => {
    const series = [
      { name: 'adults', values: [1, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.4, 0.4, 0.3] },
      { name: 'adolescents', values: [1.5, 1.2, 1, NaN, 0.8, 0.7, 0.6, 0.6, 0.5, 0.5] },
      { name: 'children', values: Float64Array.from([4, 3, 2.5, 2, 1.8, 1.6, 1.5, 1.4, 1.3, 1.2]) },
    ];
    const root = checkSvg(dailyLineChartSvg(series, opts));
    const groups = byClass(root, 'series');
    expect(groups.map((g) => g.attrs['data-name'])).toEqual(['adults', 'adolescents', 'children']);
    expect(groups.map((g) => byClass(g, 'marker').length)).toEqual([10, 9, 10]);
    const lines = groups.map((g) => byClass(g, 'line')[0]);
    expect(pathCommands(lines[0].attrs.d).length).toBe(10);
    // The missing day breaks the line: two sub-paths.
    expect(pathCommands(lines[1].attrs.d).filter((c) => c.cmd === 'M').length).toBe(2);
    // Higher LBGI is drawn higher (smaller y).
    const c = pathCommands(lines[2].attrs.d);
    expect(c[0].y).toBeLessThan(c[9].y);
    // Days left to right.
    expect(c[9].x).toBeGreaterThan(c[0].x);
    const legendText = allText(all(root).find((e) => e.attrs.class === 'legend')!);
    for (const s of series) expect(legendText).toContain(s.name);
    expect(allText(root)).toContain('Daily LBGI');
  });

  it('escapes names and handles empty or all-missing input', () => {
    const root = checkSvg(dailyLineChartSvg([{ name: 'arm <A> & "B"', values: [1, 2] }], { ...opts, title: '<t>' }));
    expect(allText(root)).toContain('arm <A> & "B"');
    const empty = checkSvg(dailyLineChartSvg([], opts));
    expect(allText(empty)).toContain('No data');
    const missing = checkSvg(dailyLineChartSvg([{ name: 'x', values: [NaN, NaN] }, { name: 'y', values: [] }], opts));
    expect(byClass(missing, 'marker').length).toBe(0);
    expect(byClass(missing, 'line').length).toBe(0);
    const single = checkSvg(dailyLineChartSvg([{ name: 'one', values: [2.5] }], opts));
    expect(byClass(single, 'marker').length).toBe(1);
  });
});

/** A synthetic closed-loop-like trace: meals, boluses, basal changing every 5 min, CGM every 5 min. */
function syntheticTrace(days: number): GlucoseTraceInput & { meals: number } {
  const n = days * 1440;
  const timesMin = Float64Array.from({ length: n }, (_, i) => i);
  const bgMgDl = new Float64Array(n);
  const cgmMgDl = new Float64Array(n).fill(NaN);
  const carbsG = new Float64Array(n);
  const bolusU = new Float64Array(n);
  const basalUPerH = new Float64Array(n);
  let meals = 0;
  for (let d = 0; d < days; d++) {
    for (const [at, grams] of [
      [7 * 60, 45],
      [12 * 60 + 30, 80],
      [19 * 60, 90],
      [22 * 60 + 30, 25],
    ] as const) {
      const m0 = d * 1440 + at;
      for (let k = 0; k < grams / 5; k++) carbsG[m0 + k] = 5;
      bolusU[m0] = grams / 10;
      meals++;
    }
  }
  for (let i = 0; i < n; i++) {
    bgMgDl[i] = 130 + 60 * Math.sin((2 * Math.PI * i) / 330) + 15 * Math.sin(i / 17);
    if (i % 5 === 0) cgmMgDl[i] = bgMgDl[i] + 6 * Math.sin(i / 3);
    basalUPerH[i] = 0.6 + 0.3 * Math.sin(Math.floor(i / 5) / 7);
  }
  return { timesMin, bgMgDl, cgmMgDl, carbsG, bolusU, basalUPerH, meals };
}

/** Drawn meal labels do not overlap within their row (≈6 px per character at 10 px). */
function expectMealLabelsApart(root: XmlElement): number {
  const labels = byClass(root, 'meal-label').map((e) => ({ x: Number(e.attrs.x), y: e.attrs.y, w: e.text.length * 6 }));
  for (const row of new Set(labels.map((l) => l.y))) {
    const xs = labels.filter((l) => l.y === row).sort((a, b) => a.x - b.x);
    for (let k = 1; k < xs.length; k++) expect(xs[k].x - xs[k].w / 2).toBeGreaterThanOrEqual(xs[k - 1].x + xs[k - 1].w / 2);
  }
  return labels.length;
}

describe('glucoseTraceSvg', () => {
  it('keeps a 10-day, 1-min trace small and every line within budget', () => {
    const tr = syntheticTrace(10);
    const svg = glucoseTraceSvg(tr, { title: 'adult#001', startTimeOfDayMin: 6 * 60 });
    expect(svg.length).toBeLessThan(120_000);
    const root = checkSvg(svg);
    const bg = byClass(root, 'bg-line')[0];
    const bgPts = pathCommands(bg.attrs.d);
    expect(bgPts.length).toBeLessThanOrEqual(2000);
    expect(bgPts.length).toBeGreaterThan(1500);
    expect(Number(bg.attrs['data-points'])).toBe(bgPts.length);
    const cgm = byClass(root, 'cgm-dots')[0];
    const dots = (cgm.attrs.d.match(/h0/g) ?? []).length;
    expect(dots).toBeLessThanOrEqual(2000);
    expect(dots).toBeGreaterThan(1000);
    const meals = byClass(root, 'meal');
    expect(meals.length).toBe(tr.meals);
    expect(meals[2].children[0].text).toBe('90 g at day 1 01:00'); // tooltip; the clock starts at 06:00
    // Labels that are drawn do not overlap within their row (≈6 px per character at 10 px).
    expectMealLabelsApart(root);
    const bars = byClass(root, 'bolus-bars')[0];
    expect(Number(bars.attrs['data-bars'])).toBeLessThanOrEqual(400);
    expect(Number(bars.attrs['data-bars'])).toBe(tr.meals); // bins are 36 min wide: one meal bolus each
    const basal = byClass(root, 'basal-steps')[0];
    expect(Number(basal.attrs['data-steps'])).toBeLessThanOrEqual(2000);
    expect(byClass(root, 'target-band').length).toBe(1);
    // Day ticks for a 10-day span.
    expect(allText(root)).toContain('day 10');
    // The band lies between the 70 and 180 grid positions: 180 above 70.
    const band = byClass(root, 'target-band')[0];
    expect(Number(band.attrs.height)).toBeGreaterThan(0);
  });

  it('draws every sample of a short trace, with clock ticks and boluses one by one', () => {
    const tr = syntheticTrace(1);
    const root = checkSvg(glucoseTraceSvg(tr, { title: 'one day', startTimeOfDayMin: 0 }));
    expect(pathCommands(byClass(root, 'bg-line')[0].attrs.d).length).toBe(1440);
    expect((byClass(root, 'cgm-dots')[0].attrs.d.match(/h0/g) ?? []).length).toBe(288);
    expect(Number(byClass(root, 'bolus-bars')[0].attrs['data-bars'])).toBe(4);
    expect(allText(root)).toMatch(/\b12:00\b/);
    expect(byClass(root, 'meal-label').map((e) => e.text)).toEqual(['45 g', '80 g', '90 g', '25 g']);
  });

  it('leaves out meal labels that cannot fit, keeping every marker', () => {
    const n = 1440;
    const timesMin = Float64Array.from({ length: n }, (_, i) => i);
    const carbsG = new Float64Array(n);
    for (let m = 0; m < n; m += 20) carbsG[m] = 10 + (m % 7);
    const root = checkSvg(glucoseTraceSvg({ timesMin, bgMgDl: new Float64Array(n).fill(120), carbsG }, { title: 'snacker', width: 500 }));
    expect(byClass(root, 'meal').length).toBe(72);
    const shown = expectMealLabelsApart(root);
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(72);
  });

  it('breaks the BG line at gaps and never writes NaN', () => {
    const tr = syntheticTrace(1);
    const bg = Float64Array.from(tr.bgMgDl);
    bg.fill(NaN, 100, 200);
    bg[0] = NaN;
    const basal = Float64Array.from(tr.basalUPerH!);
    basal.fill(NaN, 300, 400);
    const root = checkSvg(glucoseTraceSvg({ ...tr, bgMgDl: bg, basalUPerH: basal }, { title: 'gaps' }));
    const cmds = pathCommands(byClass(root, 'bg-line')[0].attrs.d);
    expect(cmds.filter((c) => c.cmd === 'M').length).toBe(2);
    expect(cmds.length).toBe(1440 - 101);
    expect((byClass(root, 'basal-steps')[0].attrs.d.match(/M/g) ?? []).length).toBe(2);
  });

  it('copes with empty input and optional series, and rejects mismatched lengths', () => {
    const empty = checkSvg(glucoseTraceSvg({ timesMin: [], bgMgDl: [] }, { title: 'empty' }));
    expect(allText(empty)).toContain('No glucose data');
    expect(byClass(empty, 'bg-line').length).toBe(0);
    const allNaN = checkSvg(glucoseTraceSvg({ timesMin: [0, 1, 2], bgMgDl: [NaN, NaN, NaN], cgmMgDl: [NaN, NaN, NaN] }, { title: 'nan' }));
    expect(allText(allNaN)).toContain('No glucose data');
    const bgOnly = checkSvg(glucoseTraceSvg({ timesMin: [0, 1, 2], bgMgDl: [100, 110, 120] }, { title: 'bg only' }));
    expect(byClass(bgOnly, 'cgm-dots').length).toBe(0);
    expect(byClass(bgOnly, 'meal').length).toBe(0);
    expect(() => glucoseTraceSvg({ timesMin: [0, 1], bgMgDl: [100] }, { title: 'x' })).toThrow(RangeError);
  });

  it('clamps extreme readings into the panel and widens the axis for them', () => {
    const root = checkSvg(glucoseTraceSvg({ timesMin: [0, 1, 2, 3], bgMgDl: [20, 100, 480, 100] }, { title: 'extremes' }));
    const axisText = allText(all(root).find((e) => (e.attrs.class ?? '').includes('axis-left'))!);
    expect(axisText).toContain('500');
  });

  it('escapes the title and builds its input from a simulator trace', () => {
    const minutes = 30;
    const trace = {
      minutes,
      bgMgDl: new Float64Array(minutes).fill(140),
      cgmMgDl: new Float64Array(minutes).fill(NaN),
      carbsEatenG: new Float64Array(minutes),
      basalUPerMin: new Float64Array(minutes).fill(1 / 60),
      bolusU: new Float64Array(minutes),
    };
    const input = glucoseTraceInputFromTrace(trace);
    expect(input.basalUPerH![5]).toBeCloseTo(1, 12);
    expect(input.timesMin[29]).toBe(29);
    const svg = glucoseTraceSvg(input, { title: 'child#001 <R&D>' });
    expect(svg).toContain('child#001 &lt;R&amp;D&gt;');
    checkSvg(svg);
  });
});
