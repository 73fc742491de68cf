// Colours, names and the legend. Object colours are told apart by
// lightness (free, white, grey, black), never by hue alone; page states use
// the Okabe-Ito palette, which stays distinct under every common colour
// vision deficiency, and each also carries a mark (dot, bar, hatch) where
// cells are big enough, and a name in every tooltip.
import { COLORS, LEVELS } from '#tricolor/layout';

// The runtime's own names (phases, barriers, colours, levels) come from
// '#tricolor/layout'. A collected heap's allocations are served at the same
// levels as malloc's, under other names: its current span plays the thread
// cache, its own partial spans the central list.
const GC_LEVEL_NAMES = { 'thread cache': 'span cache', 'central list': 'heap lists' };
export const GC_LEVELS = LEVELS.map((name) => GC_LEVEL_NAMES[name] ?? name);

export const OKABE_ITO = {
  orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442',
  blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7', black: '#000000',
};

// Objects, by colour (COLORS: free slot, white, grey, black).
const OBJECT_COLOUR_CSS = { free: '#c9d1da', white: '#ffffff', grey: '#8d8d8d', black: '#111111' };
export const OBJECT_CSS = COLORS.map((c) => OBJECT_COLOUR_CSS[c]);
export const CELL_BACKGROUND = '#5b6470'; // between object cells: darker than white and grey, lighter than black
export const OBJECT_EDGE = '#5b6470';
export const HIGHLIGHT = { barrier: OKABE_ITO.orange, violation: OKABE_ITO.vermillion, selected: OKABE_ITO.blue };
// A cycle on the pacing timeline, by what it is doing.
export const CYCLE_CSS = { marking: '#bfe1f6', sweeping: '#b8e3d4' };

// Page kinds of the heap map: the allocator's states, split by who owns a span.
export const PAGE_KINDS = [
  { key: 'module', name: "module's static data and stack", css: '#3b4350', mark: 'none' },
  { key: 'meta', name: "tricolor's metadata, outside arenas", css: '#6b7380', mark: 'hatch' },
  { key: 'unused', name: 'memory not used yet', css: '#f1f3f6', mark: 'none' },
  { key: 'reserved', name: 'reserved, not yet used', css: '#e3e8ee', mark: 'none' },
  { key: 'free', name: 'free pages', css: '#cfd6de', mark: 'none' },
  { key: 'released', name: 'released pages (reused first)', css: '#eef1f4', mark: 'hatch' },
  { key: 'small', name: "malloc's small-object span", css: OKABE_ITO.sky, mark: 'none' },
  { key: 'large', name: "malloc's large object", css: OKABE_ITO.blue, mark: 'bar' },
  { key: 'gcscan', name: 'GC span, objects with pointers', css: OKABE_ITO.vermillion, mark: 'dot' },
  { key: 'gcnoscan', name: 'GC span, pointer-free objects', css: OKABE_ITO.yellow, mark: 'none' },
  { key: 'gclarge', name: 'GC large object', css: OKABE_ITO.purple, mark: 'bar' },
];
export const PAGE_KIND = Object.fromEntries(PAGE_KINDS.map((k, i) => [k.key, i]));

// CSS colour -> 0xAABBGGRR, the byte order of ImageData on little-endian machines.
export function packed(css) {
  const n = parseInt(css.slice(1), 16);
  return (0xff000000 | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
}

export const OBJECT_PACKED = Uint32Array.from(OBJECT_CSS, packed);
export const PAGE_PACKED = Uint32Array.from(PAGE_KINDS, (k) => packed(k.css));

export const hex = (n) => `0x${n.toString(16).padStart(8, '0')}`;

export function bytes(n) {
  if (n == null || Number.isNaN(n)) return '–';
  if (!Number.isFinite(n)) return '∞';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function duration(ns) {
  if (ns < 1000) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}
