import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The HTML report must render in a real browser with every plot visible.
// Uses Debian's Chromium (.ci/run installs it) driven by playwright-core;
// without a Chromium the test is skipped with a message, not failed.
const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
if (!chromiumPath) console.warn('browser.test: no Chromium found (set CHROMIUM_PATH or apt-get install chromium); skipping the report rendering test');

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glucosim-browser-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!chromiumPath)('report.html in headless Chromium', () => {
  const out = join(work, 'run');
  let browser: Browser;
  beforeAll(async () => {
    const run = spawnSync(
      process.execPath,
      // child#003's glucose runs down to 0 (the "< 1" cells and their note).
      [join(root, 'dist', 'src', 'cli', 'main.js'), 'run', 'scenarios/randomised-10day.json', '--cohort', 'adolescent#001,adult#001,child#003', '--out', out, '--quiet'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => browser?.close());

  it('renders every SVG with a non-zero size', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    // Runs in the page (a string, as this project compiles without DOM types).
    const sizes = (await page.evaluate(`Array.from(document.querySelectorAll('svg')).map((svg) => {
      const r = svg.getBoundingClientRect();
      return { width: r.width, height: r.height, marks: svg.querySelectorAll('path, circle, rect, line, polyline').length };
    })`)) as { width: number; height: number; marks: number }[];
    // CVGA, daily LBGI, and one trace per patient.
    expect(sizes.length).toBe(2 + 3);
    for (const s of sizes) {
      expect(s.width).toBeGreaterThan(100);
      expect(s.height).toBeGreaterThan(100);
      expect(s.marks).toBeGreaterThan(5);
    }
    const shot = join(work, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
  });

  it('every table fits a 1000 px page: nothing scrolls sideways', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    const layout = (await page.evaluate(`({
      pageWidth: document.documentElement.scrollWidth,
      tables: Array.from(document.querySelectorAll('table')).map((t) => ({
        caption: t.caption.textContent,
        width: t.getBoundingClientRect().width,
        room: t.parentElement.clientWidth,
      })),
    })`)) as { pageWidth: number; tables: { caption: string; width: number; room: number }[] };
    expect(layout.pageWidth).toBeLessThanOrEqual(1000);
    expect(layout.tables.length).toBeGreaterThanOrEqual(6);
    for (const t of layout.tables) expect(t.width, t.caption).toBeLessThanOrEqual(t.room);
  });
});
