// The tri-color invariants and floating garbage (web/src/invariants.js),
// on graphs made by hand: the seeds' bad case beat by beat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLOR } from '#tricolor/layout';
import { invariants, floatingGarbage } from '../../web/src/invariants.js';

const { WHITE, GREY, BLACK } = COLOR;
const A = 1, B = 2, C = 3, D = 4;
const names = new Map([[A, 'A'], [B, 'B'], [C, 'C'], [D, 'D']]);
const graph = (colours, edges) => ({
  nodes: Object.entries(colours).map(([addr, colour]) => ({ addr: Number(addr), colour })),
  edges: edges.map(([from, to]) => ({ from, to, slot: from * 100 + to })),
  roots: [{ slot: 0, target: A }],
});

test('A black, B grey, C white: both invariants hold', () => {
  const s = invariants(graph({ [A]: BLACK, [B]: GREY, [C]: WHITE, [D]: WHITE }, [[A, B], [B, C], [C, D]]), 'mark', names);
  assert.equal(s.text, 'strong: holds, no black object points to a white one / weak: holds');
});

test('C stored into A: strong broken, weak holds through the grey B', () => {
  const s = invariants(graph({ [A]: BLACK, [B]: GREY, [C]: WHITE, [D]: WHITE }, [[A, B], [B, C], [C, D], [A, C]]), 'mark', names);
  assert.equal(s.text, 'strong: broken, A → C / weak: holds, C reachable from grey B');
  assert.equal(s.strong.holds, false);
  assert.equal(s.weak.holds, true);
});

test('and deleted from B: both broken, C reached by no grey object', () => {
  const s = invariants(graph({ [A]: BLACK, [B]: GREY, [C]: WHITE, [D]: WHITE }, [[A, B], [C, D], [A, C]]), 'mark', names);
  assert.equal(s.text, 'strong: broken, A → C / weak: broken, no grey object reaches C through white ones');
});

test('the weak invariant follows white paths from grey objects, not paths through black ones', () => {
  // grey B -> white D -> white C, and black A -> C: held
  let s = invariants(graph({ [A]: BLACK, [B]: GREY, [C]: WHITE, [D]: WHITE }, [[A, B], [B, D], [D, C], [A, C]]), 'mark', names);
  assert.equal(s.weak.holds, true);
  assert.equal(s.weak.via, B);
  // grey B -> black D -> white C: not held (the path is not through white objects)
  s = invariants(graph({ [A]: BLACK, [B]: GREY, [C]: WHITE, [D]: BLACK }, [[A, B], [B, D], [D, C], [A, C]]), 'mark', names);
  assert.equal(s.weak.holds, false);
});

test('outside marking there is nothing to check', () => {
  for (const phase of ['off', 'sweep']) {
    const s = invariants(graph({ [A]: WHITE }, []), phase, names);
    assert.equal(s.marking, false);
    assert.match(s.text, /^No cycle is marking/);
  }
});

test('floating garbage: marked, and reached by nothing', () => {
  const g = graph({ [A]: BLACK, [B]: BLACK, [C]: GREY, [D]: WHITE }, [[A, B]]);
  assert.deepEqual(floatingGarbage(g), [C]);
});
