// The page's state, in one place: a plain object replaced on every change.
// Listeners hear every change; watch() hears only when the part it selects
// changes, which is how a view re-renders only for what it shows
// (views/useStore.js). No DOM and no preact here: Node's tests import it.

export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  const store = {
    get: () => state,
    // patch: an object of keys to replace, or a function of the state returning one.
    set(patch) {
      state = { ...state, ...(typeof patch === 'function' ? patch(state) : patch) };
      for (const l of [...listeners]) l(state);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    // Calls onChange(next) whenever select(state) changes (compared with
    // ===); returns the selection now and a function that stops watching.
    watch(select, onChange) {
      let last = select(state);
      const stop = store.subscribe((s) => {
        const next = select(s);
        if (next !== last) {
          last = next;
          onChange(next);
        }
      });
      return { value: last, stop };
    },
  };
  return store;
}
