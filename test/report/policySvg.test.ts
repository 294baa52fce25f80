/**
 * The policy plot (src/report/policySvg.ts): a well-formed SVG document,
 * one panel per slot in the definition's order, and in each panel a bar
 * group exactly at the levels with a learned action (stacked rects only for
 * doses above 0, a short line for a learned "no insulin"), a light no-data
 * band at every other level, visit counts under the bars.
 */
import { describe, expect, it } from 'vitest';
import { parseMdpDefinition } from '../../src/control/mdp/definitionFile.js';
import { newCounts, solveMdp } from '../../src/control/mdp/model.js';
import { policyDocument } from '../../src/control/mdp/policyFile.js';
import { actionIndex, stateIndex } from '../../src/control/mdp/space.js';
import { type PolicyPlotInput, policySvg } from '../../src/report/policySvg.js';

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/**
 * A small well-formedness check (no DTD, CDATA or comments: the plot uses
 * none): XML declaration, one root, tags nested and closed, attributes
 * double-quoted and unique, no bare '&' or '<' in text or attributes.
 */
function parseXml(src: string): Node {
  expect(src.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = src.slice(src.indexOf('?>') + 2);
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const stack: Node[] = [];
  let root: Node | undefined;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const chunk = body.slice(i, lt < 0 ? body.length : lt);
    if (entity.test(chunk)) throw new Error(`bare & in text: ${chunk.slice(0, 60)}`);
    if (stack.length === 0 && chunk.trim() !== '') throw new Error(`text outside the root: ${chunk.slice(0, 60)}`);
    if (stack.length > 0) stack[stack.length - 1]!.text += chunk;
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) throw new Error(`bad tag at ${lt}: ${body.slice(lt, lt + 60)}`);
    const [whole, closing, name, attrText, selfClosing] = m as unknown as [string, string, string, string, string];
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} in <${name}>`);
        if (entity.test(a[2]!)) throw new Error(`bare & in attribute ${a[1]}`);
        attrs[a[1]!] = a[2]!;
      }
      const node: Node = { name, attrs, children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
      else if (root) throw new Error('two root elements');
      else root = node;
      if (!selfClosing) stack.push(node);
    }
    i = lt + whole.length;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root');
  return root;
}

const all = (n: Node): Node[] => [n, ...n.children.flatMap(all)];
const hasClass = (n: Node, cls: string) => (n.attrs.class ?? '').split(/\s+/).includes(cls);
const byClass = (n: Node, cls: string) => all(n).filter((e) => hasClass(e, cls));
const allText = (n: Node): string => [n.text, ...n.children.map(allText)].join(' ');

/** Three slots, 40–200 mg/dL in 40 mg/dL levels (4 levels), regular 0–8, NPH 0/10, long 0/20. */
const DEF = parseMdpDefinition(
  {
    glucose: { minMgDl: 40, maxMgDl: 200, bfcMgDl: 40 },
    slots: [
      { name: 'breakfast', time: '08:00' },
      { name: 'lunch & co', time: '12:00' },
      { name: 'supper', time: '18:00' },
    ],
    actions: { regular: [0, 2, 4, 6, 8], nph: [0, 10], long: [0, 20] },
  },
  'test',
  '',
);

/** A solved policy with learned actions at: breakfast levels 2 and 3 (regular 4 + NPH 10; regular 8 + long 20), lunch level 1 (no insulin). */
function document() {
  const s = (level: number, slot: number) => stateIndex(DEF.space, level - 1, slot);
  const a = (r: number, n: number, l: number) => actionIndex(DEF.actions, r, n, l);
  const counts = newCounts(DEF);
  counts.add(s(2, 0), a(2, 1, 0), s(2, 1), 3);
  counts.add(s(3, 0), a(4, 0, 1), s(2, 1), 2);
  counts.add(s(1, 1), a(0, 0, 0), s(2, 2), 5);
  return policyDocument(DEF, counts, solveMdp(DEF, counts), { test: true });
}

describe('policySvg', () => {
  const doc = document();
  const svg = policySvg(doc, { subtitle: 'records.csv, a & b' });
  const root = parseXml(svg);

  it('is a well-formed, sized SVG document with a title and axis labels with units', () => {
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(Number(root.attrs.width)).toBeGreaterThan(0);
    expect(Number(root.attrs.height)).toBeGreaterThan(0);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    const text = allText(root);
    expect(text).toContain('Learned insulin policy');
    expect(text).toContain('records.csv, a &amp; b');
    expect(text).toContain('glucose at the reading (mg/dL)');
    expect(text).toContain('dose (U)');
  });

  it('draws one panel per slot, in the definition\'s order', () => {
    const panels = byClass(root, 'panel');
    expect(panels.map((p) => p.attrs['data-slot'])).toEqual(['breakfast', 'lunch &amp; co', 'supper']);
    expect(allText(panels[0]!)).toContain('breakfast (08:00)');
    expect(panels.map((p) => p.attrs['data-learned'])).toEqual(['2', '1', '0']);
  });

  it('bars only where an action was learned; a no-data band at every other level', () => {
    const panels = byClass(root, 'panel');
    const levels = (p: Node, cls: string) => byClass(p, cls).map((e) => e.attrs['data-level']);
    expect(levels(panels[0]!, 'learned')).toEqual(['2', '3']);
    expect(levels(panels[0]!, 'no-data')).toEqual(['1', '4']);
    expect(levels(panels[1]!, 'learned')).toEqual(['1']);
    expect(levels(panels[1]!, 'no-data')).toEqual(['2', '3', '4']);
    expect(levels(panels[2]!, 'learned')).toEqual([]);
    expect(levels(panels[2]!, 'no-data')).toEqual(['1', '2', '3', '4']);
    // Every bar lies in a learned group.
    const barsInGroups = byClass(root, 'learned').flatMap((g) => byClass(g, 'bar'));
    expect(barsInGroups).toHaveLength(byClass(root, 'bar').length);
  });

  it('stacks the doses above 0, regular at the bottom, heights proportional to the units; a learned zero is a line', () => {
    const [level2, level3] = byClass(byClass(root, 'panel')[0]!, 'learned');
    const bars = (g: Node) => byClass(g, 'bar').map((b) => ({ cls: b.attrs.class, y: Number(b.attrs.y), h: Number(b.attrs.height) }));
    const b2 = bars(level2!);
    expect(b2.map((b) => b.cls)).toEqual(['bar bar-regular', 'bar bar-nph']);
    expect(b2[1]!.h / b2[0]!.h).toBeCloseTo(10 / 4, 2);
    expect(b2[1]!.y + b2[1]!.h).toBeCloseTo(b2[0]!.y, 1); // NPH sits on regular
    const b3 = bars(level3!);
    expect(b3.map((b) => b.cls)).toEqual(['bar bar-regular', 'bar bar-long']);
    expect(b3[1]!.h / b3[0]!.h).toBeCloseTo(20 / 8, 2);
    const zero = byClass(byClass(root, 'panel')[1]!, 'learned')[0]!;
    expect(byClass(zero, 'bar')).toHaveLength(0);
    expect(byClass(zero, 'bar-zero')).toHaveLength(1);
  });

  it('writes the visits of the chosen pair under each bar', () => {
    expect(byClass(root, 'visits').map((v) => v.text)).toEqual(['3', '2', '5']);
  });

  it('takes plain data, not only a policy document; the same input gives the same text', () => {
    const plain: PolicyPlotInput = {
      definition: { glucose: { minMgDl: 70, maxMgDl: 100, bfcMgDl: 10 }, slots: [{ name: 'day', time: '12:00' }] },
      states: [{ slot: 'day', level: 2, fromMgDl: 80, toMgDl: 90, action: { regular: 1, nph: 0, long: 0 }, visits: 1 }],
    };
    const one = policySvg(plain);
    expect(one).toBe(policySvg(plain));
    const r = parseXml(one);
    expect(byClass(r, 'learned').map((g) => g.attrs['data-level'])).toEqual(['2']);
    expect(byClass(r, 'no-data').map((g) => g.attrs['data-level'])).toEqual(['1', '3']);
    expect(policySvg(doc, { subtitle: 'records.csv, a & b' })).toBe(svg);
  });
});
