// The rule every view keeps (web/src/palette.js): two states a view tells
// apart differ in luminance by 3:1 or more, or carry different marks; the
// marks drawn over cells and nodes show on every cell and background; the
// lines, bars and lanes stand 3:1 off what they are drawn on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLORS } from '#tricolor/layout';
import {
  OBJECT_STYLES, CELL_BACKGROUND, HIGHLIGHTS, SERIES, PAGE_KINDS, CYCLE_STYLES, CYCLE_EDGE, LANE_BACKGROUND, EDGE_CSS,
  PANEL, contrast, luminance,
} from '../../web/src/palette.js';

const pairs = (xs) => xs.flatMap((x, i) => xs.slice(i + 1).map((y) => [x, y]));
const apart = ([x, y]) => contrast(x.css, y.css) >= 3 || x.mark !== y.mark;

test('contrast is WCAG\'s: 21:1 black on white, 1:1 for a colour against itself', () => {
  assert.equal(contrast('#000000', '#ffffff').toFixed(2), '21.00');
  assert.equal(contrast('#5b6470', '#5b6470'), 1);
  assert.ok(Math.abs(luminance('#808080') - 0.2159) < 1e-3);
});

test('object states: white, grey and black 3:1 apart; free slots and the cells\' background told by marks or luminance', () => {
  const states = COLORS.map((c) => ({ name: c, ...OBJECT_STYLES[c] }));
  const lum = ['white', 'grey', 'black'].map((c) => OBJECT_STYLES[c].css);
  for (const [x, y] of pairs(lum)) assert.ok(contrast(x, y) >= 3, `${x} / ${y}: ${contrast(x, y).toFixed(2)}`);
  const withBackground = [...states, { name: 'background', css: CELL_BACKGROUND, mark: 'none' }];
  for (const p of pairs(withBackground)) assert.ok(apart(p), `${p[0].name} / ${p[1].name}`);
});

test('highlights: each a shape of its own, and visible on every cell, the cells\' background and the panel', () => {
  const marks = Object.values(HIGHLIGHTS).map((h) => h.mark);
  assert.equal(new Set(marks).size, marks.length, 'no two highlights share a shape');
  const behind = [...COLORS.map((c) => OBJECT_STYLES[c].css), CELL_BACKGROUND, PANEL];
  for (const [name, h] of Object.entries(HIGHLIGHTS)) {
    for (const b of behind) {
      const best = Math.max(contrast(h.css, b), contrast(h.halo, b));
      assert.ok(best >= 3, `${name} on ${b}: ${best.toFixed(2)}`);
    }
    assert.ok(contrast(h.css, h.halo) >= 3, `${name}: its colour on its halo`);
  }
});

test('heap map: every pair of page kinds 3:1 apart or differently marked', () => {
  for (const p of pairs(PAGE_KINDS)) assert.ok(apart(p), `${p[0].key} / ${p[1].key}: ${contrast(p[0].css, p[1].css).toFixed(2)}, both ${p[0].mark}`);
});

test('lines, bars, lanes and edges stand 3:1 or more off what they are drawn on', () => {
  for (const k of ['live', 'goal', 'spans']) assert.ok(contrast(SERIES[k], PANEL) >= 3, `chart line ${k}`);
  for (const c of SERIES.levels) assert.ok(contrast(c, PANEL) >= 3, `bar ${c}`);
  for (const k of ['stop', 'step', 'assist']) assert.ok(contrast(SERIES[k], LANE_BACKGROUND) >= 3, `timeline ${k}`);
  assert.ok(contrast(CYCLE_EDGE, LANE_BACKGROUND) >= 3, 'a cycle\'s outline');
  assert.ok(apart([{ ...CYCLE_STYLES.marking }, { ...CYCLE_STYLES.sweeping }]), 'marking and sweeping');
  assert.ok(contrast(EDGE_CSS, PANEL) >= 3, 'the graph\'s pointers');
});
