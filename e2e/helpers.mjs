// What the end-to-end tests share: a page that fails its test on any
// console error or warning, uncaught exception or request to another host,
// and that logs the text every canvas draws (views/canvas.jsx) so that a
// test can check none is clipped; opening the page; letting it settle.
import { test as base, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.join(here, '..');
export const results = path.join(here, 'results');
export const shots = path.join(here, 'screenshots');
mkdirSync(results, { recursive: true });
mkdirSync(shots, { recursive: true });

export const test = base.extend({
  page: async ({ page, baseURL }, use) => {
    const problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(baseURL) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`fetched from another host: ${url}`);
    });
    await page.addInitScript(() => { globalThis.tricolorTextLog = {}; });
    await use(page);
    expect(problems, 'console errors and warnings, and requests to other hosts').toEqual([]);
  },
});
export { expect };

export async function open(page, query = '') {
  await page.goto(`/${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20_000 });
}

// Lets the frame loop run and the panels refresh.
export async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(300);
}

export const stat = (page, key) => page.locator(`[data-stat=${key}] b`).innerText();

// As the page writes a byte count.
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export const runtimeStats = (page) => page.evaluate(() => {
  const s = tricolor.live.heap.stats();
  return { objects: s.objects, cycles: s.cycles, phase: s.phase, live: s.heapLive, spans: s.heapSpans };
});

// Objects the span view draws (non-free cells), from the same source as its canvas.
export const drawnObjects = (page) => page.evaluate(() => {
  let n = 0;
  tricolor.source.forEachGcSpan((s, c) => { for (let i = 0; i < s.objects; i++) n += c[i] !== 0; });
  return n;
});

// The labelled objects' colours as the page names them under the graph,
// and as the runtime has them.
export async function namedColours(page) {
  const onScreen = await page.locator('#graph .graph-names li[data-object]').evaluateAll((lis) =>
    Object.fromEntries(lis.map((li) => [li.dataset.object, li.dataset.colour])));
  const runtime = await page.evaluate(() => {
    const rt = tricolor.live, out = {};
    for (const [addr, name] of rt.labels) { const c = rt.heap.colorOf(addr); if (c !== 'free') out[name] = c; }
    return out;
  });
  return { onScreen, runtime };
}

// Every text a canvas drew whose box runs past the canvas's edges.
export const clippedText = (page) => page.evaluate(() => {
  const out = [];
  for (const [view, texts] of Object.entries(globalThis.tricolorTextLog || {})) {
    for (const [text, b] of texts) if (b.x0 < 0 || b.x1 > b.width) out.push(`${view}: '${text}' at ${b.x0.toFixed(0)}..${b.x1.toFixed(0)} of ${b.width}`);
  }
  return out;
});
