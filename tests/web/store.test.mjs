// The visualiser's store (web/src/store.js): state replaced, never
// mutated; every listener told of every change; watch() told only when
// the part it selects changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from '../../web/src/store.js';

test('get returns the initial state until a change', () => {
  const initial = { a: 1, b: { c: 2 } };
  const store = createStore(initial);
  assert.equal(store.get(), initial);
});

test('set with an object replaces those keys in a new state object', () => {
  const store = createStore({ a: 1, b: { c: 2 } });
  const before = store.get();
  store.set({ a: 5 });
  const after = store.get();
  assert.notEqual(after, before);
  assert.deepEqual(after, { a: 5, b: { c: 2 } });
  assert.equal(after.b, before.b, 'keys not set keep their values');
  assert.deepEqual(before, { a: 1, b: { c: 2 } }, 'the old state is not mutated');
});

test('set with a function patches from the current state', () => {
  const store = createStore({ n: 1, other: 'x' });
  store.set((s) => ({ n: s.n + 1 }));
  store.set((s) => ({ n: s.n * 10 }));
  assert.deepEqual(store.get(), { n: 20, other: 'x' });
});

test('subscribe: every listener hears every change, with the new state, until it unsubscribes', () => {
  const store = createStore({ n: 0 });
  const heardA = [], heardB = [];
  const offA = store.subscribe((s) => heardA.push(s.n));
  store.subscribe((s) => heardB.push(s.n));
  store.set({ n: 1 });
  store.set({ n: 1 }); // a change of nothing still notifies: set cannot know what a listener reads
  offA();
  store.set({ n: 2 });
  assert.deepEqual(heardA, [1, 1]);
  assert.deepEqual(heardB, [1, 1, 2]);
});

test('a listener that unsubscribes while being notified does not stop the others hearing', () => {
  const store = createStore({ n: 0 });
  const heard = [];
  const off = store.subscribe(() => { heard.push('first'); off(); });
  store.subscribe(() => heard.push('second'));
  store.set({ n: 1 });
  store.set({ n: 2 });
  assert.deepEqual(heard, ['first', 'second', 'second']);
});

test('watch: told only when its selection changes, compared with ===', () => {
  const store = createStore({ selection: null, summary: { cycles: 0 }, fps: 0 });
  const seen = [];
  const { value, stop } = store.watch((s) => s.selection, (v) => seen.push(v));
  assert.equal(value, null);
  store.set({ fps: 60 }); // another key: not told
  const sel = { address: 64 };
  store.set({ selection: sel });
  store.set({ summary: { cycles: 1 } }); // the selection is the same object: not told
  store.set({ selection: { address: 64 } }); // an equal but new object: told
  store.set({ selection: null });
  stop();
  store.set({ selection: sel }); // stopped: not told
  assert.deepEqual(seen, [sel, { address: 64 }, null]);
  assert.equal(seen[0], sel);
});

test('watch: a selection computed from the state is compared by value when it is a primitive', () => {
  const store = createStore({ messages: [] });
  const counts = [];
  store.watch((s) => s.messages.length, (n) => counts.push(n));
  store.set({ messages: [] });
  store.set({ messages: ['a'] });
  store.set({ messages: ['b'] });
  store.set({ messages: ['b', 'c'] });
  assert.deepEqual(counts, [1, 2]);
});
