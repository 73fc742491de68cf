// The page's state, in one place: a plain object replaced on every change,
// and a hook that re-renders a component when the part it reads changes.
import { useEffect, useState } from 'preact/hooks';

export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...(typeof patch === 'function' ? patch(state) : patch) };
      for (const l of listeners) l(state);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

// Re-renders when select(state) changes (compared with ===).
export function useStore(store, select) {
  const [value, setValue] = useState(() => select(store.get()));
  useEffect(() => {
    let last = select(store.get());
    setValue(() => last);
    return store.subscribe((s) => {
      const next = select(s);
      if (next !== last) {
        last = next;
        setValue(() => next);
      }
    });
  }, [store]);
  return value;
}
