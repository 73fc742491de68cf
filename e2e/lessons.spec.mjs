// The lessons in Chromium: each walked from its first step to its last
// with Next, what is on screen checked against the runtime's own figures
// at every step (the phase, the named objects' colours, the allocator
// panel's class, waste and level, the invariants' status), Back and deep
// links landing on the same heap, and the last step opening free play on
// the lesson's heap. A screenshot of each lesson goes to e2e/screenshots/.
import path from 'node:path';
import { test, expect, open, settle, shots, namedColours, clippedText } from './helpers.mjs';
import { LESSONS } from '../web/src/lessons.js';

test('the page opens on the lessons, and every lesson is a link to its first step', async ({ page }) => {
  await open(page);
  await expect(page.locator('h2', { hasText: 'Start here: the lessons' })).toBeVisible();
  const items = page.locator('.lesson-list li');
  await expect(items).toHaveCount(LESSONS.length);
  for (const [i, l] of LESSONS.entries()) {
    await expect(items.nth(i).locator('a')).toHaveAttribute('href', `?lesson=${l.id}`);
    await expect(items.nth(i)).toContainText(l.title);
  }
  await items.nth(0).locator('a').click();
  await expect(page).toHaveURL(new RegExp(`\\?lesson=${LESSONS[0].id}$`));
  await expect(page.locator('.lesson-bar')).toHaveAttribute('data-step', '0');
  await page.screenshot({ path: path.join(shots, 'lessons-index.png') });
});

// What the step on screen shows, against the runtime.
async function checkStep(page, l, step) {
  const bar = page.locator('.lesson-bar');
  await expect(bar).toHaveAttribute('data-step', String(step));
  await expect(bar.locator('.lesson-count')).toHaveText(`step ${step + 1} of ${l.steps.length}`);
  const say = (await bar.locator('.say').innerText()).replace(/^(mutator|collector)\s*/i, '');
  expect(say.length, `step ${step}: a sentence`).toBeGreaterThan(20);
  expect(say, `step ${step}: one sentence`).not.toMatch(/[.!?] [A-Z]/);
  await settle(page);
  const phase = await page.evaluate(() => tricolor.live.heap.phase);
  await expect(bar.locator('[data-phase]')).toHaveAttribute('data-phase', phase);
  if (l.panels.includes('graph')) {
    const { onScreen, runtime } = await namedColours(page);
    expect(onScreen, `step ${step}: the named objects' colours`).toEqual(runtime);
  }
  if (l.panels.includes('hand')) {
    const last = await page.evaluate(() => tricolor.live.hand.at(-1) ?? null);
    if (last) {
      const facts = page.locator(`.hand-last[data-hand-last="${last.id}"]`);
      await expect(facts.locator('[data-fact=level]')).toHaveText(last.level);
      if (last.tiny) await expect(facts).toContainText(`at offset ${last.tiny.offset} of the 16-byte block`);
      else if (last.sizeClass) await expect(facts.locator('[data-fact=class]')).toHaveText(String(last.sizeClass));
      if (last.waste != null) await expect(facts.locator('[data-fact=waste]')).toHaveText(String(last.waste));
      await expect(facts.locator('.level-path')).toHaveAttribute('data-level', last.level);
    }
  }
  if (l.status === 'invariants') {
    const expected = await page.evaluate(async () => {
      const { invariants } = tricolor.modules;
      return invariants(tricolor.live.graph(), tricolor.live.heap.phase, tricolor.live.labels).text;
    });
    await expect(bar.locator('.status')).toHaveText(expected);
  }
  return say;
}

for (const [index, l] of LESSONS.entries()) {
  test(`lesson ${index + 1}, ${l.title}: walked with Next, the screen against the runtime at every step`, async ({ page }) => {
    await open(page, `?lesson=${l.id}`);
    const said = [];
    for (let step = 0; step < l.steps.length; step++) {
      said.push(await checkStep(page, l, step));
      if (step === Math.floor(l.steps.length / 2)) {
        await page.screenshot({ path: path.join(shots, `lesson-${String(index + 1).padStart(2, '0')}-${l.id}.png`), fullPage: true });
      }
      if (step < l.steps.length - 1) {
        await page.click('button[name=lesson-next]');
        await expect(page).toHaveURL(new RegExp(`lesson=${l.id}&step=${step + 1}$`));
      }
    }
    expect(new Set(said).size, 'a sentence of its own for every step').toBe(said.length);
    // Back rebuilds the step before from a fresh heap: the same sentence (its
    // figures may differ where they count the module's shared page heap,
    // which the heaps before left as they left it) and the same objects
    const before = await page.evaluate(() => ({ objects: tricolor.live.heap.stats().objects, phase: tricolor.live.heap.phase }));
    const words = (x) => x.replace(/[\d.,]+/g, '#');
    await page.click('button[name=lesson-back]');
    const back = await checkStep(page, l, l.steps.length - 2);
    await page.keyboard.press('ArrowRight');
    const again = await checkStep(page, l, l.steps.length - 1);
    if (!l.sharedPageHeap) {
      expect(words(back)).toBe(words(said[said.length - 2]));
      expect(words(again)).toBe(words(said[said.length - 1]));
    }
    expect(await page.evaluate(() => ({ objects: tricolor.live.heap.stats().objects, phase: tricolor.live.heap.phase }))).toEqual(before);
    expect(await clippedText(page)).toEqual([]);
    // the last step: free play on the lesson's heap
    await page.click('button[name=lesson-free]');
    await expect(page).toHaveURL(new RegExp(`lesson=${l.id}&free=1$`));
    await expect(page.locator('.app')).toHaveAttribute('data-view', 'play');
    await expect(page.locator('.scenario-text').first()).toContainText(`Free play from lesson ${index + 1}`);
    await settle(page);
    expect(await page.evaluate(() => tricolor.live.heap.stats().objects)).toBe(before.objects);
    await expect(page.locator('button[name=run]')).toBeEnabled();
  });
}

test('a deep link opens a lesson at its step: the bad case with A black, B grey and C white named on screen', async ({ page }) => {
  await open(page, '?lesson=bad-case&step=2');
  await expect(page.locator('.lesson-bar .say')).toContainText('The collector scanned A: A black, B grey, C white.');
  await settle(page);
  const { onScreen } = await namedColours(page);
  expect(onScreen).toMatchObject({ A: 'black', B: 'grey', C: 'white', D: 'white' });
  await expect(page.locator('.lesson-bar .status')).toHaveText('strong: holds, no black object points to a white one / weak: holds');
  await page.click('button[name=lesson-next]'); // the store into A, a step of its own
  await expect(page.locator('.lesson-bar .status')).toHaveText('strong: broken, A → C / weak: holds, C reachable from grey B');
  await expect(page.locator('[data-view=barriers] tbody tr').first()).toContainText('A.right');
  await expect(page.locator('[data-view=barriers] tbody tr').first()).toContainText('nothing: no barrier');
  await page.click('button[name=lesson-next]'); // the deletion from B, another
  await expect(page.locator('.lesson-bar .status')).toHaveText('strong: broken, A → C / weak: broken, no grey object reaches C through white ones');
  await expect(page.locator('[data-view=barriers] tbody tr').first()).toContainText('B.left');
  await page.click('button[name=lesson-next]'); // marking ends: the verifier's one finding
  await expect(page.locator('.lesson-bar .say')).toContainText('one violation, A → C: black object points to a white object');
  expect(await page.evaluate(() => tricolor.live.heap.colorOf(tricolor.live.scenario.lesson.c))).toBe('white');
  await page.click('button[name=lesson-next]'); // the sweep that frees C, its own step
  expect(await page.evaluate(() => tricolor.live.heap.colorOf(tricolor.live.scenario.lesson.c))).toBe('free');
  await page.locator('#graph').screenshot({ path: path.join(shots, 'bad-case-graph.png') });
});

test('a bad lesson or step in the URL is named, and the page still opens', async ({ page }) => {
  await open(page, '?lesson=bad-case&step=40');
  await expect(page.locator('[data-message=error]')).toContainText('lesson bad-case has steps 0 to 6, not 40');
  await expect(page.locator('.lesson-bar')).toHaveAttribute('data-step', '0');
});
