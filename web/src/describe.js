// Words for what the runtime did: a barrier event (what it shaded, or why
// nothing), a store (object.field = value), an address (by its label when
// the scenario gave it one). Shared by the barrier log, the lessons and
// the side-by-side view. No DOM: Node's tests import it.
import { hex } from './palette.js';

// A namer over `source` (the live runtime or a model): labels first, then
// the address.
export function namer(source) {
  const labels = source?.labels ?? source?.decor?.labels ?? new Map();
  return (a) => (a ? labels.get(a) || hex(a) : 'null');
}

// The object holding `slot` and the field's name: 'A.right', or the slot's
// address when no object of the graph holds it.
export function slotName(source, slot, name = namer(source)) {
  const owner = ownerOf(source, slot);
  if (!owner) return hex(slot);
  const field = source.fieldName ? source.fieldName(owner, slot) : source.decor?.fieldName?.(owner, slot);
  return `${name(owner)}.${field ?? `+${slot - owner}`}`;
}

function ownerOf(source, slot) {
  if (source.heap) return source.heap.objectOf(slot)?.address ?? null; // live
  return source.model?.objectAt?.(slot)?.address ?? source.objectAt?.(slot)?.address ?? null;
}

// What a barrier event (history.js's record) shaded, or why it shaded nothing.
export function barrierEffect(b, name) {
  const parts = [];
  if (b.shaded & 1) parts.push(`${name(b.old)} (old value)`);
  if (b.shaded & 2) parts.push(`${name(b.value)} (new value)`);
  if (parts.length) return { shaded: true, text: `shaded ${parts.join(' and ')}` };
  const old = b.old ? `${name(b.old)} already marked` : 'old value null';
  const value = b.value ? `${name(b.value)} already marked` : 'new value null';
  let why;
  switch (b.mode) {
  case 'none': why = 'no barrier'; break;
  case 'dijkstra': why = value; break;
  case 'yuasa': why = old; break;
  default: why = b.rootsScanned ? `${old}; roots scanned, the new value needs none` : `${old}, ${value}`;
  }
  return { shaded: false, text: `nothing: ${why}` };
}
