// The visualiser in Chromium, beyond the lessons (lessons.spec.mjs): free
// play's scenarios with the runtime's own figures on screen, the bad case
// played beat by beat, the barriers side by side, stepping back through
// the live heap, the allocator by hand, what GOGC costs, trace replay
// (with its graph) and refusal, the bugs fixed (each tested here or in
// tests/web), 1 000 000 object cells drawn at speed, bad URLs and inputs,
// and the layout from 1280x800 down to a phone. Screenshots go to
// e2e/screenshots/.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COLORS, OBJECT } from '#tricolor/layout';
import { OBJECT_CSS, PAGE_KINDS, CYCLE_CSS, SERIES } from '../web/src/palette.js';
import {
  test, expect, open, settle, stat, bytes, runtimeStats, drawnObjects, namedColours, clippedText, root, results, shots,
} from './helpers.mjs';

// The size-class table's objects in use plus its large objects.
async function tableObjects(page) {
  const cells = await page.locator('[data-view=sizeclasses] tbody tr td:nth-child(7)').allInnerTexts();
  const large = /Large objects: (\d+)/.exec(await page.locator('[data-view=sizeclasses] p').innerText());
  return cells.reduce((n, t) => n + Number(t || 0), 0) + Number(large[1]);
}

for (const scenario of ['list', 'tree', 'graph', 'churn', 'badcase']) {
  test(`free play, ${scenario}: full cycles, with the runtime's own figures on screen`, async ({ page }) => {
    await open(page, `?scenario=${scenario}&speed=400`);
    await page.click('button[name=finish]');
    await page.click('button[name=run]');
    await page.waitForTimeout(1500);
    if (await page.locator('button[name=run][aria-pressed=true]').count()) await page.click('button[name=run]'); // pause
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
    if (scenario !== 'badcase') expect(await page.evaluate(() => tricolor.live.heap.verify().violations)).toBe(0);
    const n = await page.evaluate(() => tricolor.source.history.cycles.at(-1).n);
    await page.evaluate((c) => tricolor.actions.selectCycle(c), n);
    await expect(page.locator(`[data-cycle="${n}"]`)).toBeVisible();
    // the object graph comes first while the heap is small enough to draw
    const first = await page.locator('main > .panel').first().getAttribute('id');
    expect(first).toBe(rt.objects <= 400 ? 'graph' : 'heapmap');
    await page.screenshot({ path: path.join(shots, `play-${scenario}.png`), fullPage: true });
  });
}

test('the bad case in free play, a beat a Mutate: the verdict names one violation, and the sweep frees C', async ({ page }) => {
  await open(page, '?scenario=badcase&barrier=none');
  const beat = async () => { await page.click('button[name=mutate]'); await settle(page); };
  await beat(); // mark setup
  await beat(); // the collector scans A
  let { onScreen } = await namedColours(page);
  expect(onScreen).toMatchObject({ A: 'black', B: 'grey', C: 'white' });
  await expect(page.locator('#graph [data-status-panel]')).toHaveText('strong: holds, no black object points to a white one / weak: holds');
  await beat(); // A.right = C
  await expect(page.locator('[data-view=barriers]')).toContainText('A.right = C');
  await beat(); // B.left = null
  await expect(page.locator('#graph [data-status-panel]')).toContainText('weak: broken');
  await beat(); // marking ends
  const verdict = page.locator('[data-verdict=violation]');
  await expect(verdict).toContainText('The verifier found a violation');
  await expect(verdict).toContainText('A (black) → C (white), through A.right: “black object points to a white object”');
  await expect(verdict.locator('[data-freed]')).toHaveCount(0);
  expect(await page.evaluate(() => tricolor.live.heap.colorOf(tricolor.live.scenario.lesson.c))).toBe('white');
  await beat(); // the sweep, a step of its own
  await expect(verdict.locator('[data-freed="1"]')).toBeVisible();
  ({ onScreen } = await namedColours(page));
  expect(onScreen.C).toBeUndefined();
  expect(await page.evaluate(() => tricolor.live.heap.verify(true).violations)).toBe(1);
  await page.screenshot({ path: path.join(shots, 'play-badcase-none.png'), fullPage: true });
});

test('barriers side by side: four heaps in lockstep, each column what its runtime did', async ({ page }) => {
  await open(page, '?compare=badcase');
  const count = Number(/of (\d+)/.exec(await page.locator('[data-compare-step]').innerText())[1]);
  for (let k = 1; k <= count; k++) {
    await page.click('button[name=compare-next]');
    await expect(page.locator('.compare')).toHaveAttribute('data-step', String(k));
    await expect(page).toHaveURL(new RegExp(`compare=badcase&step=${k}$`));
    const phases = await page.evaluate(() => tricolor.compare.runtimes.map((r) => r.heap.phase));
    for (const [i, b] of ['none', 'dijkstra', 'yuasa', 'hybrid'].entries()) {
      await expect(page.locator(`.compare-col[data-barrier=${b}] [data-phase]`)).toHaveAttribute('data-phase', phases[i]);
    }
    if (k === 3) { // the store into A
      await expect(page.locator('.compare-col[data-barrier=dijkstra] .effects')).toContainText('A.right = C: shaded C (new value)');
      await expect(page.locator('.compare-col[data-barrier=yuasa] .effects')).toContainText('A.right = C: nothing: old value null');
      await expect(page.locator('.compare-col[data-barrier=none] .effects')).toContainText('nothing: no barrier');
    }
    if (k === 5) await expect(page.locator('.compare-col[data-barrier=none] .effects')).toContainText('root 2 = E: nothing: roots have no barrier');
  }
  const fact = (b, f) => page.locator(`.compare-col[data-barrier=${b}] [data-fact=${f}]`);
  await expect(fact('none', 'violations')).toHaveText('A → C: black object points to a white object');
  await expect(fact('none', 'freed')).toHaveText('C');
  await expect(fact('dijkstra', 'rescanned')).toHaveText('E (the roots rescanned)');
  await expect(fact('yuasa', 'floating')).toHaveText('D');
  await expect(fact('hybrid', 'floating')).toHaveText('D');
  await expect(fact('dijkstra', 'floating')).toHaveText('none');
  for (const b of ['dijkstra', 'yuasa', 'hybrid']) await expect(fact(b, 'violations')).toHaveText('nothing wrong');
  expect(await page.evaluate(() => tricolor.compare.runtimes.map((r) => r.heap.verify(true).violations))).toEqual([1, 0, 0, 0]);
  await page.screenshot({ path: path.join(shots, 'compare-badcase.png'), fullPage: true });
  // back a beat: rebuilt, the same as before
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('.compare')).toHaveAttribute('data-step', String(count - 1));
  await expect(fact('none', 'freed')).toHaveCount(0);
  // the random graph, same seed on all four
  await page.selectOption('select[name=compare-scenario]', 'graph');
  for (let k = 0; k < 6; k++) await page.click('button[name=compare-next]');
  const objects = await page.evaluate(() => tricolor.compare.runtimes.map((r) => r.heap.stats().allocations));
  expect(new Set(objects).size, 'the same mutator on every heap').toBe(1);
  await page.screenshot({ path: path.join(shots, 'compare-graph.png'), fullPage: true });
});

test('step back through the live heap: as a replay, to exactly what the heap held, and back to now', async ({ page }) => {
  await open(page, '?scenario=tree&objects=31');
  const seen = [];
  const remember = () => page.evaluate(() => {
    const g = tricolor.live.graph();
    return { at: tricolor.live.recorder.end, colours: g.nodes.map((n) => n.colour).join('') };
  });
  await page.click('button[name=finish]');
  for (let i = 0; i < 8; i++) {
    await page.click(i % 2 ? 'button[name=step-object]' : 'button[name=mutate]');
    seen.push(await remember());
  }
  await settle(page);
  await expect(page.locator('[data-view=past] output')).toContainText('now:');
  for (let k = seen.length - 2; k >= 3; k--) {
    await page.click('button[name=step-back]');
    await settle(page);
    await expect(page.locator('[data-view=past] output')).toHaveAttribute('data-past-at', String(seen[k].at));
    const shown = await page.evaluate(() => tricolor.source.graph().nodes.map((n) => n.colour).join(''));
    expect(shown, `back to event ${seen[k].at}`).toBe(seen[k].colours);
  }
  await expect(page.locator('.past-bar')).toHaveClass(/looking/);
  await page.keyboard.press('ArrowLeft'); // an event further back
  await expect(page.locator('[data-view=past] output')).toHaveAttribute('data-past-at', String(seen[3].at - 1));
  await page.screenshot({ path: path.join(shots, 'step-back.png'), fullPage: true });
  await page.click('button[name=now]');
  await expect(page.locator('.past-bar')).not.toHaveClass(/looking/);
  expect(await page.evaluate(() => tricolor.source.kind)).toBe('live');
  // acting from the past returns to now first
  await page.click('button[name=step-back]');
  await page.click('button[name=step-object]');
  await expect(page.locator('.past-bar')).not.toHaveClass(/looking/);
});

test('the allocator by hand: class, waste and level from the runtime; drop, collect, release idle memory', async ({ page }) => {
  await open(page, '?scenario=hand');
  await expect(page.locator('main > .panel').first()).toHaveAttribute('id', 'hand');
  await page.fill('input[name=hand-size]', '33');
  await page.check('input[name=hand-kind][value=noscan]');
  await page.click('button[name=hand-alloc]');
  const last = await page.evaluate(() => tricolor.live.hand.at(-1));
  expect([last.sizeClass, last.classSize, last.waste]).toEqual([4, 48, 15]);
  const facts = page.locator(`.hand-last[data-hand-last="${last.id}"]`);
  await expect(facts.locator('[data-fact=class]')).toHaveText('4');
  await expect(facts.locator('[data-fact=waste]')).toHaveText('15');
  await expect(facts.locator('[data-fact=level]')).toHaveText(last.level);
  await expect(page.locator('.sizeclasses tr.marked')).toHaveAttribute('data-class', '4');
  // fill a span of class 4: its occupancy bar fills its track (it stopped at 60% before)
  await page.fill('input[name=hand-count]', String(last.perSpan - 1));
  await page.click('button[name=hand-alloc]');
  await settle(page);
  const bar = page.locator('.sizeclasses tr[data-class="4"] td.occupancy');
  await expect(bar).toHaveAttribute('data-occupancy', '100');
  const [fill, track] = await Promise.all([bar.locator('.fill').boundingBox(), bar.locator('.track').boundingBox()]);
  expect(Math.abs(fill.width - track.width)).toBeLessThan(1);
  // tiny objects share a block
  await page.fill('input[name=hand-count]', '1');
  for (const size of ['5', '3']) { await page.fill('input[name=hand-size]', size); await page.click('button[name=hand-alloc]'); }
  await expect(page.locator('.tiny-block')).toHaveCount(1);
  await expect(page.locator('.hand-last [data-fact=level]')).toHaveText('tiny block');
  // malloc, freed at once
  await page.check('input[name=hand-kind][value=malloc]');
  await page.fill('input[name=hand-size]', '100');
  await page.click('button[name=hand-alloc]');
  await expect(page.locator('.level-path')).toHaveAttribute('data-level', await page.evaluate(() => tricolor.live.hand.at(-1).level));
  await page.screenshot({ path: path.join(shots, 'by-hand.png'), fullPage: true });
  // drop everything collected, collect, hand idle memory back
  await page.click('button[name=drop-all]');
  await page.click('#hand button[name=collect]');
  await settle(page);
  // all gone but the tiny block the allocator is filling, which it keeps alive (a root of its own)
  expect(await page.evaluate(() => tricolor.live.heap.stats().objects)).toBe(2);
  expect(await page.evaluate(() => tricolor.live.heap.objects().length / 3)).toBe(1);
  await page.click('button[name=release]');
  await expect(page.locator('[data-key=release]')).toContainText('Released');
  // a bad size is refused
  await page.fill('input[name=hand-size]', 'lots');
  await expect(page.locator('button[name=hand-alloc]')).toBeDisabled();
  await expect(page.locator('.hand-form .field-error')).toContainText('bytes: a whole number');
});

test('what GOGC costs: measured on the runtime, more memory and fewer cycles as GOGC grows', async ({ page }) => {
  await open(page, '?view=gogc');
  await expect(page.locator('h2', { hasText: 'What GOGC costs' })).toBeVisible();
  await page.evaluate(() => tricolor.actions.measureGogc({ gogcs: [25, 100, 400], objects: 4000, operations: 40000 }));
  await expect(page.locator('.gogc-table')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const rows = await page.locator('.gogc-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    gogc: Number(tr.dataset.gogc), cycles: Number(tr.querySelector('[data-cycles]').dataset.cycles),
    peak: Number(tr.querySelector('[data-peak]').dataset.peak) })));
  expect(rows.map((r) => r.gogc)).toEqual([25, 100, 400]);
  for (let i = 1; i < rows.length; i++) {
    expect(rows[i].cycles).toBeLessThanOrEqual(rows[i - 1].cycles);
    expect(rows[i].peak).toBeGreaterThanOrEqual(rows[i - 1].peak);
  }
  expect(rows[0].cycles).toBeGreaterThan(rows[2].cycles);
  // the plot draws on the frame after the table's last row: wait for it
  await expect.poll(() => page.evaluate(() => [...(globalThis.tricolorTextLog['gogc-plot']?.keys() ?? [])]
    .filter((t) => t.startsWith('GOGC')).sort())).toEqual(['GOGC 100', 'GOGC 25', 'GOGC 400']);
  await page.screenshot({ path: path.join(shots, 'gogc.png'), fullPage: true });
});

// --- trace replay ------------------------------------------------------------------------

function writeTrace(name, args, cmd) {
  const file = path.join(results, name);
  execFileSync(cmd[0], [...cmd.slice(1), 'trace', ...args, '--out', file], { cwd: root, stdio: 'pipe' });
  const info = execFileSync(path.join(root, 'build/native/tricolor'), ['trace-info', file], { encoding: 'utf8' });
  const count = (kind) => Number(new RegExp(`^\\s+${kind}\\s+(\\d+)`, 'm').exec(info)?.[1] || 0);
  return { file, events: Number(/(\d+) events in/.exec(info)[1]), objects: count('alloc') - count('free') };
}

test('trace replay: a native trace opens, plays, scrubs and steps', async ({ page }) => {
  const t = writeTrace('native.trace', ['binarytrees', '-d', '10'], [path.join(root, 'build/native/tricolor')]);
  await open(page, '?scenario=tree');
  await page.setInputFiles('input[name=trace]', t.file);
  const panel = page.locator('[data-view=replay]');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('64-bit addresses, trace version 2');
  await expect(page.locator('[data-replay-at]')).toHaveAttribute('data-replay-at', String(t.events));
  await settle(page);
  expect(await stat(page, 'objects')).toBe(t.objects.toLocaleString('en'));
  expect(Number(await stat(page, 'cycles'))).toBeGreaterThan(0);
  expect(await drawnObjects(page)).toBe(t.objects);
  await page.locator('#heapmap').screenshot({ path: path.join(shots, 'replay-heapmap.png') });
  await page.locator('input[name=scrub]').fill('0');
  await settle(page);
  expect(await stat(page, 'objects')).toBe('0');
  await page.getByRole('button', { name: 'Next phase' }).click();
  await settle(page);
  expect(await stat(page, 'phase')).toBe('mark setup');
  await page.getByRole('button', { name: 'Next event' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(800);
  expect(Number(await page.locator('[data-replay-at]').getAttribute('data-replay-at'))).toBeGreaterThan(2);
  await page.getByRole('button', { name: 'Back to the live heap' }).click();
  await expect(page.locator('[data-view=replay]')).toHaveCount(0);
});

// The replay's note said the graph was "shown for the live heap" while
// nothing was; a version-2 trace holds every pointer store, and the graph
// is drawn from it.
test('trace replay draws the object graph from the recorded stores', async ({ page }) => {
  const t = writeTrace('graph.trace', ['binarytrees', '-d', '10'], [path.join(root, 'build/native/tricolor')]);
  await open(page, '?scenario=tree');
  await page.setInputFiles('input[name=trace]', t.file);
  await settle(page);
  // early in the run the heap is small enough to draw: objects and the pointers stored into them
  await page.locator('input[name=scrub]').fill('500');
  await settle(page);
  await expect(page.locator('[data-graph-note]')).toHaveCount(0);
  const g = await page.evaluate(() => {
    const g = tricolor.source.graph();
    return { nodes: g.nodes?.length, edges: g.edges?.length, live: tricolor.source.summary().objects };
  });
  expect(g.nodes).toBe(g.live);
  expect(g.nodes).toBeGreaterThan(50);
  expect(g.edges).toBeGreaterThan(g.nodes / 2);
  await expect(page.locator('#graph')).not.toContainText('shown for the live heap');
  await page.locator('#graph').screenshot({ path: path.join(shots, 'replay-graph.png') });
});

test('trace replay: a WASI trace, 32-bit addresses', async ({ page }) => {
  const t = writeTrace('wasi.trace', ['binarytrees', '-d', '9'], ['node', path.join(root, 'wasm/run-wasi.mjs')]);
  await open(page, '?scenario=tree');
  await page.setInputFiles('input[name=trace]', t.file);
  await expect(page.locator('[data-view=replay]')).toContainText('wasm32 addresses');
  await settle(page);
  expect(await stat(page, 'objects')).toBe(t.objects.toLocaleString('en'));
});

// Refused traces piled their messages under the old "Opened" notice: now
// each trace's message replaces the last one.
test('trace replay: malformed files are refused with a clear message, which replaces the last trace\'s', async ({ page }) => {
  const good = readFileSync(writeTrace('small.trace', ['binarytrees', '-d', '6'], [path.join(root, 'build/native/tricolor')]).file);
  const bad = {
    'garbage.trace': [Buffer.from('hello, this is not a trace at all, not even close to one'), 'not a tricolor trace'],
    'truncated.trace': [good.subarray(0, good.length - 100), 'truncated'],
    'corrupt.trace': [Buffer.from(good).fill(0x55, 2000, 2010), 'corrupt: checksum'],
    'newer.trace': [(() => { const b = Buffer.from(good); b.writeUInt32LE(9, 8); return b; })(), 'trace version 9 is newer than this reader'],
  };
  await open(page, '?scenario=tree');
  await page.setInputFiles('input[name=trace]', path.join(results, 'small.trace'));
  await expect(page.locator('[data-key=trace]')).toContainText('Opened small.trace');
  for (const [name, [data, why]] of Object.entries(bad)) {
    const file = path.join(results, name);
    writeFileSync(file, data);
    await page.setInputFiles('input[name=trace]', file);
    await expect(page.locator('[data-key=trace]')).toHaveCount(1);
    await expect(page.locator('[data-key=trace]')).toContainText(`Trace ${name}: ${why}`);
  }
  await page.getByRole('button', { name: 'Back to the live heap' }).click();
  await page.keyboard.press('o');
  await settle(page);
  expect(await stat(page, 'phase')).toBe('mark');
});

// --- the bugs ----------------------------------------------------------------------------------

// Times were quantised to 100 µs: the page was not cross-origin isolated.
test('the page is cross-origin isolated: performance.now() (and the runtime\'s clock) resolve below 100 µs', async ({ page }) => {
  await open(page, '?scenario=tree');
  const r = await page.evaluate(() => {
    let best = Infinity, last = performance.now();
    for (let i = 0; i < 200000 && best > 0.02; i++) {
      const now = performance.now();
      if (now > last) { best = Math.min(best, now - last); last = now; }
    }
    return { isolated: globalThis.crossOriginIsolated, best };
  });
  expect(r.isolated).toBe(true);
  expect(r.best).toBeLessThan(0.1);
  await page.click('button[name=finish]');
  await settle(page);
  const stops = await page.evaluate(() => tricolor.live.history.cycles.at(-1).stops);
  expect(stops.some((ns) => ns % 100000 !== 0), `stops ${stops} are not whole 100 µs`).toBe(true);
});

// The chart's label was clipped ("ms showr"); every canvas label now stays inside its canvas.
test('no canvas clips its text: the chart\'s "shown" label and every other', async ({ page }) => {
  await open(page, '?scenario=churn&speed=2000&run=1');
  await page.waitForTimeout(1500);
  await settle(page);
  const chart = await page.evaluate(() => [...(globalThis.tricolorTextLog.chart?.entries() ?? [])].find(([t]) => t.endsWith(' shown')));
  expect(chart, 'the chart labelled its span of time').toBeTruthy();
  expect(chart[1].x1).toBeLessThanOrEqual(chart[1].width);
  expect(await clippedText(page)).toEqual([]);
});

// In paced mode a cycle that began while the last one swept left that one
// "running" forever (tests/web/history.test.mjs has the case).
test('paced mode: no cycle is left running behind a later one', async ({ page }) => {
  await open(page, '?scenario=churn&objects=3000&gogc=25&speed=20000&run=1');
  await page.waitForTimeout(2500);
  const r = await page.evaluate(() => {
    const cs = tricolor.live.history.cycles;
    return { cycles: cs.length, open: cs.slice(0, -1).filter((c) => c.end === null).length };
  });
  expect(r.cycles).toBeGreaterThan(3);
  expect(r.open).toBe(0);
});

// --- speed -----------------------------------------------------------------------------------

// A million small objects, running: every cell drawn at one pixel in one
// view, at the screen's rate (make bench records it: bench/run.py).
const SCALE_QUERY = process.env.TRICOLOR_SCALE_QUERY || '?scenario=many&objects=1000000&speed=20000&run=1';
test('1 000 000 object cells on screen at speed', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1600, height: 1200 });
  await open(page, SCALE_QUERY);
  await page.waitForTimeout(4000);
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
  const cells = await page.evaluate(() => { let n = 0; tricolor.source.forEachGcSpan((s) => { n += s.objects; }); return n; });
  const objects = await drawnObjects(page);
  const cycles = (await runtimeStats(page)).cycles;
  const fps = m.frames / (m.ms / 1000);
  const report = { query: SCALE_QUERY, fps: Number(fps.toFixed(1)), cells, objects, workMsPerFrame: Number(m.fps.workMs.toFixed(2)),
    drawMsPerFrame: Number(m.fps.drawMs.toFixed(2)), mutatorOps: m.ops, cycles };
  writeFileSync(path.join(results, 'fps.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${report.fps} frames/s with ${cells} object cells (${objects} objects) on screen; ${report.drawMsPerFrame} ms drawing and ${report.workMsPerFrame} ms of mutator and collector work a frame; ${cycles} cycles\n`);
  await page.locator('#spans').screenshot({ path: path.join(shots, 'spans-1m.png') });
  expect(cycles).toBeGreaterThanOrEqual(1);
  if (process.env.TRICOLOR_SCALE_QUERY) return; // another heap, measured for make bench's table only
  expect(cells).toBeGreaterThanOrEqual(1_000_000);
  // The goal is 60 (make bench measures it); a loaded test machine gets some slack.
  expect(fps).toBeGreaterThanOrEqual(30);
});

// --- bad input and layout ---------------------------------------------------------------------

test('bad URL parameters get a clear message and the defaults, not a blank page', async ({ page }) => {
  await open(page, '?scenario=spiral&gogc=-5&speed=fast&barrier=sideways&colour=red');
  const msgs = page.locator('[data-message=error]');
  await expect(msgs).toHaveCount(5);
  const text = (await msgs.allInnerTexts()).join('\n');
  expect(text).toContain("scenario must be one of list, tree, graph, churn, many, badcase, hand, not 'spiral'");
  expect(text).toContain('gogc must be a whole number');
  expect(text).toContain("speed must be a whole number from 1 to 20000, not 'fast'");
  expect(text).toContain("barrier must be one of hybrid, dijkstra, yuasa, none, not 'sideways'");
  expect(text).toContain("unknown parameter 'colour'");
  await expect(page.locator('select[name=scenario]')).toHaveValue('tree');
  await page.keyboard.press('f');
  await settle(page);
  expect(await stat(page, 'cycles')).toBe('1');
});

// The bad case took an object count and ignored it.
test('the bad case takes no object count: the URL\'s is refused, the field is off', async ({ page }) => {
  await open(page, '?scenario=badcase&objects=9');
  await expect(page.locator('[data-message=error]')).toContainText('objects does not apply to the scenario badcase');
  await expect(page.locator('input[name=objects]')).toBeDisabled();
  expect(await page.evaluate(() => tricolor.live.heap.stats().objects)).toBe(5);
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
  await expect(page.locator('.field-error')).toContainText('objects: a whole number from 1 to 1000000');
});

test('keyboard: the shortcuts of free play', async ({ page }) => {
  await open(page, '?scenario=badcase&barrier=yuasa');
  await page.keyboard.press('o'); // starts a cycle
  await settle(page);
  expect(await stat(page, 'phase')).toBe('mark');
  await page.keyboard.press('f');
  await settle(page);
  expect(await stat(page, 'phase')).toBe('off');
  await page.keyboard.press('b');
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

test('a phone, 390x844: one column, the graph before the spans, in free play and in a lesson', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const query of ['?scenario=tree&objects=31', '?lesson=bad-case&step=3']) {
    await open(page, query);
    await settle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, query).toBeLessThanOrEqual(0);
    const graph = await page.locator('#graph').boundingBox(), spans = await page.locator('#spans').boundingBox();
    expect(graph.y, `${query}: the graph first`).toBeLessThan(spans.y);
    expect(graph.width).toBeGreaterThan(300);
    expect(graph.x + graph.width).toBeLessThanOrEqual(390.5);
  }
  await expect(page.locator('.lesson-bar .say')).toBeVisible();
  await page.screenshot({ path: path.join(shots, 'phone-lesson.png'), fullPage: true });
  await open(page, '?compare=badcase&step=4');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(shots, 'phone-compare.png'), fullPage: true });
});

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
    const objs = tricolor.live.heap.objects(), out = new Set();
    for (let i = 0; i < objs.length; i += words) out.add(objs[i + colour]);
    return [...out];
  }, { words: OBJECT.words, colour: OBJECT.colour });
  const heldColours = held.map((c) => COLORS[c]).sort();
  expect(heldColours).toEqual(['black', 'grey', 'white']);
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
  const objectColours = ['grey', 'black'];
  const objectCss = objectColours.map((c) => OBJECT_CSS[COLORS.indexOf(c)].toLowerCase());
  for (const view of ['spans', 'graph']) {
    const seen = await colours(view, objectCss);
    objectColours.forEach((c, k) => expect(seen[objectCss[k]] > 0, `${view}: ${c} objects drawn`).toBe(heldColours.includes(c)));
  }
  const kind = (key) => PAGE_KINDS.find((k) => k.key === key).css.toLowerCase();
  const map = await colours('heapmap', [kind('gcscan')]);
  expect(map[kind('gcscan')], 'heap map: the GC\'s spans').toBeGreaterThan(0);
  await expect(page.locator('#heapmap [data-collapsed]')).toContainText("module's static data and stack");
  const timeline = await colours('timeline', [CYCLE_CSS.marking.toLowerCase()]);
  expect(timeline[CYCLE_CSS.marking.toLowerCase()], 'timeline: the cycles marking').toBeGreaterThan(0);
  const bars = await colours('cycles', [SERIES.spans.toLowerCase()]);
  expect(bars[SERIES.spans.toLowerCase()], 'cycle bars: the finished cycle').toBeGreaterThan(0);
  expect((await colours('chart', [])).drawn, 'heap chart').toBeGreaterThan(0);
  await expect(page.locator(`[data-inspector="${selected}"]`)).toContainText('Pointers (2)');
  await expect(page.locator(`[data-inspector="${selected}"] .pointers`)).toContainText('left →');
  const span = await page.evaluate((a) => tricolor.live.spanBits(a).base, selected);
  await expect(page.locator(`.span-detail[data-span="${span}"]`)).toBeVisible();
  expect(await stat(page, 'objects')).toBe(rt.objects.toLocaleString('en'));
  expect(await tableObjects(page)).toBe(rt.objects);
  for (const id of ['heapmap', 'spans', 'graph', 'barriers', 'stats', 'pacing', 'inspector', 'sizeclasses']) {
    await page.locator(`#${id}`).screenshot({ path: path.join(shots, `${id}.png`) });
  }
  await page.screenshot({ path: path.join(shots, 'page.png'), fullPage: true });
});

test('the inspector: fields by name, the path from a root; and garbage', async ({ page }) => {
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
  await expect(inspector.locator('ol.path')).toHaveAttribute('data-path-length', '6');
  await expect(inspector.locator('ol.path')).toContainText('root 1 →');
  await expect(inspector.locator('ol.path')).toContainText('.right →');
  for (let i = 0; i < 5; i++) await page.click('button[name=mutate]');
  const garbage = await page.evaluate(({ words, address }) => {
    const objs = tricolor.live.heap.objects();
    for (let i = 0; i < objs.length; i += words) if (!tricolor.live.pathTo(objs[i + address])) return objs[i + address];
    return 0;
  }, { words: OBJECT.words, address: OBJECT.address });
  expect(garbage).not.toBe(0);
  await page.evaluate((a) => tricolor.actions.select({ address: a }), garbage);
  await expect(page.locator(`[data-inspector="${garbage}"] [data-path=none]`)).toBeVisible();
  await page.locator('#heapmap .scroll-box canvas').hover({ position: { x: 90, y: 4 } });
  await expect(page.locator('#heapmap .tooltip')).toContainText('page 0x');
});
