// The visualiser in Chromium: it loads clean, every scenario runs a cycle
// with the runtime's own figures on screen, barrier none shows the
// violation, traces replay (and bad ones are refused), 100 000 objects draw
// at 30 frames a second or more, bad URLs and inputs get messages, the
// layout holds from 1280x800 down to a narrow window, and every view draws
// what the runtime holds. Screenshots of each view go to e2e/screenshots/.
import { test as base, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLORS, OBJECT } from '#tricolor/layout';
import { OBJECT_CSS, PAGE_KINDS, CYCLE_CSS, OKABE_ITO } from '../web/src/palette.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const results = path.join(here, 'results');
const shots = path.join(here, 'screenshots');
mkdirSync(results, { recursive: true });
mkdirSync(shots, { recursive: true });

// Every test fails on a console error or warning, an uncaught exception, or
// a request to any other host.
const test = base.extend({
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
    await use(page);
    expect(problems, 'console errors and warnings, and requests to other hosts').toEqual([]);
  },
});

async function open(page, query = '') {
  await page.goto(`/${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20_000 });
}

// Lets the frame loop run and the panels refresh.
async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(300);
}

const stat = (page, key) => page.locator(`[data-stat=${key}] b`).innerText();

// As the page writes a byte count.
function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const runtimeStats = (page) => page.evaluate(() => {
  const s = tricolor.live.heap.stats();
  return { objects: s.objects, cycles: s.cycles, phase: s.phase, live: s.heapLive, spans: s.heapSpans };
});

// Objects the span view draws (non-free cells), from the same source as its canvas.
const drawnObjects = (page) => page.evaluate(() => {
  let n = 0;
  tricolor.source.forEachGcSpan((s, c) => { for (let i = 0; i < s.objects; i++) n += c[i] !== 0; });
  return n;
});

// The size-class table's objects in use plus its large objects.
async function tableObjects(page) {
  const cells = await page.locator('[data-view=sizeclasses] tbody tr td:nth-child(7)').allInnerTexts();
  const large = /Large objects: (\d+)/.exec(await page.locator('[data-view=sizeclasses] p').innerText());
  return cells.reduce((n, t) => n + Number(t || 0), 0) + Number(large[1]);
}

test('the page loads with every view, no console errors and nothing from other hosts', async ({ page }) => {
  await open(page);
  for (const id of ['heapmap', 'spans', 'graph', 'barriers', 'stats', 'pacing', 'inspector', 'sizeclasses']) {
    await expect(page.locator(`#${id}`)).toBeVisible();
  }
  await expect(page.locator('h1')).toContainText('tricolor');
  await settle(page);
  expect(await stat(page, 'phase')).toBe('off');
});

for (const scenario of ['list', 'tree', 'graph', 'churn', 'badcase']) {
  test(`scenario ${scenario}: full cycles, with the runtime's own figures on screen`, async ({ page }) => {
    await open(page, `?scenario=${scenario}&speed=400`);
    await page.click('button[name=finish]');
    await page.click('button[name=run]');
    await page.waitForTimeout(1500);
    await page.click('button[name=run]'); // pause
    await page.click('button[name=finish]'); // and end on a whole cycle
    await settle(page);
    const rt = await runtimeStats(page);
    expect(rt.cycles).toBeGreaterThanOrEqual(1);
    expect(rt.phase).toBe('off');
    expect(await stat(page, 'phase')).toBe('off');
    expect(await stat(page, 'cycles')).toBe(String(rt.cycles));
    expect(await stat(page, 'objects')).toBe(rt.objects.toLocaleString('en'));
    expect(await stat(page, 'live')).toBe(bytes(rt.live));
    expect(await stat(page, 'spans')).toBe(bytes(rt.spans));
    expect(await drawnObjects(page)).toBe(rt.objects);
    expect(await tableObjects(page)).toBe(rt.objects);
    // the verifier agrees with the runtime's own check of the heap
    expect(await page.evaluate(() => tricolor.live.heap.verify().violations)).toBe(0);
    // the cycles are on the pacing view: the last one's figures open on a click
    const n = await page.evaluate(() => tricolor.source.history.cycles.at(-1).n);
    await page.evaluate((c) => tricolor.actions.selectCycle(c), n);
    await expect(page.locator(`[data-cycle="${n}"]`)).toBeVisible();
    await page.screenshot({ path: path.join(shots, `scenario-${scenario}.png`), fullPage: true });
  });
}

test('barrier none: the verifier finds the black-to-white edge and sweeping frees a reachable object', async ({ page }) => {
  await open(page, '?scenario=badcase&barrier=none&speed=60&run=1');
  const lesson = page.locator('[data-lesson=violation]');
  await expect(lesson).toBeVisible({ timeout: 20_000 });
  await expect(lesson).toContainText('A (black) → C (white)');
  await expect(lesson.locator('[data-freed="1"]')).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('[data-view=barriers]')).toContainText('A.right = C');
  const r = await page.evaluate(() => {
    const { a, c } = tricolor.live.scenario.lesson;
    const h = tricolor.live.heap;
    return { violations: h.verify(true).violations, cFreed: h.colorOf(c) === 'free', aAlive: h.colorOf(a) !== 'free' };
  });
  expect(r.violations).toBeGreaterThanOrEqual(1);
  expect(r.cFreed && r.aAlive).toBe(true);
  await page.locator('#graph').screenshot({ path: path.join(shots, 'graph-barrier-none.png') });
  await page.screenshot({ path: path.join(shots, 'barrier-none.png'), fullPage: true });
});

for (const barrier of ['hybrid', 'dijkstra', 'yuasa']) {
  test(`barrier ${barrier}: the bad case stays correct`, async ({ page }) => {
    await open(page, `?scenario=badcase&barrier=${barrier}&speed=60&run=1`);
    await expect(page.locator('[data-lesson=safe]')).toBeVisible({ timeout: 20_000 });
    await expect(page.locator('[data-lesson=violation]')).toHaveCount(0);
    const alive = await page.evaluate(() => tricolor.live.heap.colorOf(tricolor.live.scenario.lesson.c) !== 'free');
    expect(alive).toBe(true);
    if (barrier !== 'dijkstra') await expect(page.locator('[data-view=barriers] tbody tr')).not.toHaveCount(0);
  });
}

test('stepping by object, mark step and phase, from the keyboard and the buttons', async ({ page }) => {
  await open(page, '?scenario=badcase&barrier=yuasa');
  await page.keyboard.press('o'); // starts a cycle
  await settle(page);
  expect(await stat(page, 'phase')).toBe('mark');
  await page.keyboard.press('o'); // scans A: A black, B grey
  const colours = await page.evaluate(() => {
    const { a, b, c } = tricolor.live.scenario.lesson;
    const h = tricolor.live.heap;
    return [h.colorOf(a), h.colorOf(b), h.colorOf(c)];
  });
  expect(colours).toEqual(['black', 'grey', 'grey']); // the mutator struck; Yuasa shaded C as B let go of it
  await page.click('button[name=step-phase]');
  await settle(page);
  expect(['mark termination', 'sweep', 'off']).toContain(await stat(page, 'phase'));
  await page.keyboard.press('f');
  await settle(page);
  expect(await stat(page, 'phase')).toBe('off');
  expect(await stat(page, 'cycles')).toBe('1');
  await page.keyboard.press('b'); // next barrier mode
  await expect(page.locator('select[name=barrier]')).toHaveValue('none');
  await page.keyboard.press('?');
  await expect(page.locator('.help')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.locator('.help')).toHaveCount(0);
  await page.keyboard.press('2');
  await expect(page.locator('select[name=scenario]')).toHaveValue('tree');
  await page.keyboard.press(' ');
  await expect(page.locator('button[name=run]')).toHaveAttribute('aria-pressed', 'true');
  await page.waitForTimeout(500);
  await page.keyboard.press(' ');
  await expect(page.locator('button[name=run]')).toHaveAttribute('aria-pressed', 'false');
  expect(await page.evaluate(() => tricolor.live.ops)).toBeGreaterThan(0);
});

test('the inspector: an object, its pointers, the path from a root; and garbage', async ({ page }) => {
  await open(page, '?scenario=tree&objects=63');
  const leaf = await page.evaluate(() => {
    const h = tricolor.live.heap;
    let n = h.rootSlots()[0][1];
    for (let d = 0; d < 5; d++) n = h.read(n, 1);
    tricolor.actions.select({ address: n });
    return n;
  });
  const inspector = page.locator(`[data-inspector="${leaf}"]`);
  await expect(inspector).toBeVisible();
  await expect(inspector.locator('ol.path')).toHaveAttribute('data-path-length', '6'); // the root and five edges down
  await expect(inspector).toContainText('Pointers (2)');
  await expect(inspector).toContainText('size class');
  // replace subtrees until some object is garbage, then inspect one
  for (let i = 0; i < 5; i++) await page.click('button[name=mutate]');
  const garbage = await page.evaluate(({ words, address }) => {
    const objs = tricolor.live.heap.objects();
    for (let i = 0; i < objs.length; i += words) if (!tricolor.live.pathTo(objs[i + address])) return objs[i + address];
    return 0;
  }, { words: OBJECT.words, address: OBJECT.address });
  expect(garbage).not.toBe(0);
  await page.evaluate((a) => tricolor.actions.select({ address: a }), garbage);
  await expect(page.locator(`[data-inspector="${garbage}"] [data-path=none]`)).toBeVisible();
  // a click on the span view selects the object under the pointer
  await page.evaluate(() => tricolor.actions.select(null));
  const canvas = page.locator('canvas[data-view=spans]');
  for (let x = 3; x < 60; x += 4) {
    await canvas.click({ position: { x, y: 4 } });
    if (await page.locator('.inspector').count()) break;
  }
  await expect(page.locator('.inspector')).toBeVisible();
  // hovering the heap map tells what a page is
  await page.locator('canvas[data-view=heapmap]').hover({ position: { x: 4, y: 4 } });
  await expect(page.locator('.heapmap .tooltip')).toContainText("module's static data and stack");
});

// --- trace replay ------------------------------------------------------------------------

function writeTrace(name, args, cmd) {
  const file = path.join(results, name);
  execFileSync(cmd[0], [...cmd.slice(1), 'trace', ...args, '--out', file], { cwd: root, stdio: 'pipe' });
  const info = execFileSync(path.join(root, 'build/native/tricolor'), ['trace-info', file], { encoding: 'utf8' });
  const count = (kind) => Number(new RegExp(`^\\s+${kind}\\s+(\\d+)`, 'm').exec(info)?.[1] || 0);
  return { file, events: Number(/(\d+) events in/.exec(info)[1]), objects: count('alloc') - count('free'), cycles: count('phase') ? null : 0 };
}

test('trace replay: a native trace opens, plays, scrubs and steps', async ({ page }) => {
  const t = writeTrace('native.trace', ['binarytrees', '-d', '10'], [path.join(root, 'build/native/tricolor')]);
  await open(page);
  await page.setInputFiles('input[name=trace]', t.file);
  const panel = page.locator('[data-view=replay]');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('64-bit addresses');
  await expect(page.locator('[data-replay-at]')).toHaveAttribute('data-replay-at', String(t.events));
  await settle(page);
  expect(await stat(page, 'objects')).toBe(t.objects.toLocaleString('en'));
  expect(Number(await stat(page, 'cycles'))).toBeGreaterThan(0);
  expect(await drawnObjects(page)).toBe(t.objects);
  await page.locator('#heapmap').screenshot({ path: path.join(shots, 'replay-heapmap.png') });
  await page.screenshot({ path: path.join(shots, 'replay.png'), fullPage: true });
  // back to the start: nothing allocated yet
  await page.locator('input[name=scrub]').fill('0');
  await settle(page);
  expect(await stat(page, 'objects')).toBe('0');
  await page.getByRole('button', { name: 'Next phase' }).click();
  await settle(page);
  expect(Number(await page.locator('[data-replay-at]').getAttribute('data-replay-at'))).toBeGreaterThan(0);
  expect(await stat(page, 'phase')).toBe('mark setup');
  await page.getByRole('button', { name: 'Next event' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(800);
  expect(Number(await page.locator('[data-replay-at]').getAttribute('data-replay-at'))).toBeGreaterThan(2);
  await page.getByRole('button', { name: 'Back to the live heap' }).click();
  await expect(page.locator('[data-view=replay]')).toHaveCount(0);
});

test('trace replay: a WASI trace, 32-bit addresses', async ({ page }) => {
  const t = writeTrace('wasi.trace', ['binarytrees', '-d', '9'], ['node', path.join(root, 'wasm/run-wasi.mjs')]);
  await open(page);
  await page.setInputFiles('input[name=trace]', t.file);
  await expect(page.locator('[data-view=replay]')).toContainText('wasm32 addresses');
  await settle(page);
  expect(await stat(page, 'objects')).toBe(t.objects.toLocaleString('en'));
});

test('trace replay: malformed files are refused with a clear message', async ({ page }) => {
  const good = readFileSync(writeTrace('small.trace', ['binarytrees', '-d', '6'], [path.join(root, 'build/native/tricolor')]).file);
  const bad = {
    'garbage.trace': [Buffer.from('hello, this is not a trace at all, not even close to one'), 'not a tricolor trace'],
    'truncated.trace': [good.subarray(0, good.length - 100), 'truncated'],
    'corrupt.trace': [Buffer.from(good).fill(0x55, 2000, 2010), 'corrupt: checksum'],
    'newer.trace': [(() => { const b = Buffer.from(good); b.writeUInt32LE(9, 8); return b; })(), 'trace version 9 is newer than this reader'],
  };
  await open(page);
  for (const [name, [bytes, why]] of Object.entries(bad)) {
    const file = path.join(results, name);
    writeFileSync(file, bytes);
    await page.setInputFiles('input[name=trace]', file);
    await expect(page.locator('[data-message=error]').last()).toContainText(`Trace ${name}: ${why}`);
  }
  await expect(page.locator('[data-view=replay]')).toHaveCount(0); // still on the live heap
  await page.keyboard.press('o');
  await settle(page);
  expect(await stat(page, 'phase')).toBe('mark');
});

// --- speed -----------------------------------------------------------------------------------

test('100 000 objects on screen at 30 frames a second or more', async ({ page }) => {
  await open(page, '?scenario=churn&objects=100000&speed=20000&run=1');
  await page.waitForTimeout(2500);
  const m = await page.evaluate(() => new Promise((resolve) => {
    const t0 = performance.now();
    let frames = 0;
    const f = () => {
      frames++;
      if (performance.now() - t0 < 5000) requestAnimationFrame(f);
      else resolve({ frames, ms: performance.now() - t0, fps: tricolor.store.get().fps, ops: tricolor.live.ops });
    };
    requestAnimationFrame(f);
  }));
  const objects = await drawnObjects(page);
  const cycles = (await runtimeStats(page)).cycles;
  const fps = m.frames / (m.ms / 1000);
  const report = { fps: Number(fps.toFixed(1)), objects, workMsPerFrame: Number(m.fps.workMs.toFixed(2)),
    drawMsPerFrame: Number(m.fps.drawMs.toFixed(2)), mutatorOps: m.ops, cycles };
  writeFileSync(path.join(results, 'fps.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${report.fps} frames/s with ${objects} objects on screen; ${report.drawMsPerFrame} ms drawing and ${report.workMsPerFrame} ms of mutator and collector work a frame; ${cycles} cycles\n`);
  await page.locator('#spans').screenshot({ path: path.join(shots, 'spans-100k.png') });
  expect(objects).toBeGreaterThanOrEqual(100_000);
  expect(cycles).toBeGreaterThanOrEqual(1);
  expect(fps).toBeGreaterThanOrEqual(30);
});

// --- bad input and layout ---------------------------------------------------------------------

test('bad URL parameters get a clear message and the defaults, not a blank page', async ({ page }) => {
  await open(page, '?scenario=spiral&gogc=-5&speed=fast&barrier=sideways&colour=red');
  const msgs = page.locator('[data-message=error]');
  await expect(msgs).toHaveCount(5);
  const text = (await msgs.allInnerTexts()).join('\n');
  expect(text).toContain("scenario must be one of list, tree, graph, churn, badcase, not 'spiral'");
  expect(text).toContain('gogc must be a whole number');
  expect(text).toContain("speed must be a whole number from 1 to 20000, not 'fast'");
  expect(text).toContain("barrier must be one of hybrid, dijkstra, yuasa, none, not 'sideways'");
  expect(text).toContain("unknown parameter 'colour'");
  await expect(page.locator('select[name=scenario]')).toHaveValue('tree');
  await page.keyboard.press('f');
  await settle(page);
  expect(await stat(page, 'cycles')).toBe('1');
});

test('a bad value typed into a control is refused with a message', async ({ page }) => {
  await open(page, '?scenario=list');
  const gogc = page.locator('input[name=gogc]');
  await gogc.fill('lots');
  await gogc.press('Enter');
  await expect(page.locator('.field-error')).toContainText("GOGC: a whole number from 10 to 1000, or 'off'");
  await gogc.fill('250');
  await gogc.press('Enter');
  await expect(page.locator('.field-error')).toHaveCount(0);
  await expect(page).toHaveURL(/gogc=250/);
  const objects = page.locator('input[name=objects]');
  await objects.fill('9999999');
  await objects.press('Enter');
  await expect(page.locator('.field-error')).toContainText('objects: a whole number from 1 to 200000');
});

for (const [w, h] of [[1280, 800], [900, 700], [600, 900]]) {
  test(`the layout holds at ${w}x${h}`, async ({ page }) => {
    await page.setViewportSize({ width: w, height: h });
    await open(page, '?scenario=graph');
    await page.keyboard.press('f');
    await settle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const id of ['heapmap', 'spans', 'graph', 'stats', 'pacing']) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(w + 0.5);
    }
    await page.screenshot({ path: path.join(shots, `layout-${w}x${h}.png`), fullPage: false });
  });
}

// Mid-cycle on a small tree, with an object selected: every canvas has
// drawn what the runtime holds (the object colours it has, and only
// those; the GC's spans on the heap map; the cycle on the pacing views),
// and every panel shows the selection. Screenshots of each view are kept.
test('every view shows the heap mid-cycle and the selected object', async ({ page }) => {
  await open(page, '?scenario=tree&objects=63');
  await page.click('button[name=finish]');
  for (let i = 0; i < 4; i++) await page.click('button[name=mutate]');
  for (let i = 0; i < 10; i++) await page.keyboard.press('o');
  const selected = await page.evaluate(() => {
    const h = tricolor.live.heap;
    const address = h.read(h.rootSlots()[0][1], 0);
    tricolor.actions.select({ address });
    return address;
  });
  await settle(page);
  const rt = await runtimeStats(page);
  expect(rt.phase).toBe('mark');
  const held = await page.evaluate(({ words, colour }) => {
    const objs = tricolor.live.heap.objects(), held = new Set();
    for (let i = 0; i < objs.length; i += words) held.add(objs[i + colour]);
    return [...held];
  }, { words: OBJECT.words, colour: OBJECT.colour });
  const heldColours = held.map((c) => COLORS[c]).sort();
  expect(heldColours).toEqual(['black', 'grey', 'white']); // mid-mark: all three
  const colours = (view, css) => page.evaluate(({ view, css }) => {
    const canvas = document.querySelector(`canvas[data-view=${view}]`);
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const want = css.map((c) => parseInt(c.slice(1), 16));
    const counts = css.map(() => 0);
    let drawn = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      drawn++;
      const rgb = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
      const k = want.indexOf(rgb);
      if (k >= 0 && px[i + 3] === 255) counts[k]++;
    }
    return { drawn, ...Object.fromEntries(css.map((c, k) => [c, counts[k]])) };
  }, { view, css });
  const objectColours = ['white', 'grey', 'black'];
  const objectCss = objectColours.map((c) => OBJECT_CSS[COLORS.indexOf(c)]);
  for (const view of ['spans', 'graph']) {
    const seen = await colours(view, objectCss);
    objectColours.forEach((c, k) => expect(seen[objectCss[k]] > 0, `${view}: ${c} objects drawn`).toBe(heldColours.includes(c)));
  }
  const kind = (key) => PAGE_KINDS.find((k) => k.key === key).css.toUpperCase();
  const map = await colours('heapmap', [kind('module'), kind('gcscan')].map((c) => c.toLowerCase()));
  expect(Object.values(map).every((n) => n > 0), `heap map: the module and the GC's spans (${JSON.stringify(map)})`).toBe(true);
  const timeline = await colours('timeline', [CYCLE_CSS.marking]);
  expect(timeline[CYCLE_CSS.marking], 'timeline: the cycles marking').toBeGreaterThan(0);
  const bars = await colours('cycles', [OKABE_ITO.sky.toLowerCase()]);
  expect(bars[OKABE_ITO.sky.toLowerCase()], 'cycle bars: the finished cycle').toBeGreaterThan(0);
  expect((await colours('chart', [])).drawn, 'heap chart').toBeGreaterThan(0);
  // the panels: the selected object, its span, the figures, the size classes
  await expect(page.locator(`[data-inspector="${selected}"]`)).toContainText('Pointers (2)');
  const span = await page.evaluate((a) => tricolor.live.spanBits(a).base, selected);
  await expect(page.locator(`.span-detail[data-span="${span}"]`)).toBeVisible();
  expect(await stat(page, 'objects')).toBe(rt.objects.toLocaleString('en'));
  expect(await tableObjects(page)).toBe(rt.objects);
  await expect(page.locator('[data-phase]')).toHaveAttribute('data-phase', 'mark');
  for (const id of ['heapmap', 'spans', 'graph', 'barriers', 'stats', 'pacing', 'inspector', 'sizeclasses']) {
    await page.locator(`#${id}`).screenshot({ path: path.join(shots, `${id}.png`) });
  }
  await page.screenshot({ path: path.join(shots, 'page.png'), fullPage: true });
});
