// The hook every DOM view reads the store through: the part of the state
// select picks, re-rendering the component when that part changes.
import { useEffect, useState } from 'preact/hooks';

export function useStore(store, select) {
  const [value, setValue] = useState(() => select(store.get()));
  useEffect(() => {
    const { value: now, stop } = store.watch(select, (next) => setValue(() => next));
    setValue(() => now); // the store may have changed between the render and this effect
    return stop;
  }, [store]);
  return value;
}
