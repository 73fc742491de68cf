// Colours, marks, names and the legend. The rule every view keeps (and
// tests/web/palette.test.mjs checks): two states a view tells apart differ
// in luminance by 3:1 or more (WCAG's non-text contrast), or carry
// different marks (a dot, a bar, a hatch, a shape), so that colour is never
// the only cue. Four object states cannot all be 3:1 apart (that would
// take 27:1, and black on white is 21:1): white, grey and black are (3.3:1
// and 5.7:1), and a free slot is hatched. Marks are drawn where cells are
// big enough (3 px and up for an object's, 5 for a page's); below that a
// view is a density map, to zoom into. Hues are Okabe and Ito's, distinct under every common colour
// vision deficiency.
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
export const INK = '#1f2630';
export const PANEL = '#ffffff';

// Objects, by colour (COLORS: free slot, white, grey, black), with their marks.
export const OBJECT_STYLES = {
  free: { css: '#dfe5ec', mark: 'hatch', name: 'free slot' },
  white: { css: '#ffffff', mark: 'none', name: 'white: not (yet) marked' },
  grey: { css: '#8d8d8d', mark: 'dot', name: 'grey: marked, not yet scanned' },
  black: { css: '#111111', mark: 'none', name: 'black: marked and scanned' },
};
export const OBJECT_CSS = COLORS.map((c) => OBJECT_STYLES[c].css);
export const CELL_BACKGROUND = '#5b6470'; // behind object cells: 6:1 from white, 3.2:1 from black; grey has its dot
export const OBJECT_EDGE = '#5b6470';
export const EDGE_CSS = '#6b7380'; // pointers in the graph: 4.8:1 on the panel

// Marks drawn over cells and nodes: each a shape of its own, stroked in
// its colour over a halo, so that it shows on every cell and background.
export const HIGHLIGHTS = {
  barrier: { css: OKABE_ITO.yellow, halo: INK, mark: 'corners', name: 'shaded by a barrier just now' },
  violation: { css: OKABE_ITO.vermillion, halo: PANEL, mark: 'cross', name: 'reachable but left white (the verifier)' },
  selected: { css: OKABE_ITO.blue, halo: PANEL, mark: 'box', name: 'selected' },
};

// Lines, bars and lanes on the panel: 3:1 or more against it.
export const SERIES = {
  live: OKABE_ITO.black, goal: OKABE_ITO.vermillion, spans: OKABE_ITO.blue,
  stop: OKABE_ITO.vermillion, step: OKABE_ITO.blue, assist: '#b85c00',
  levels: [OKABE_ITO.blue, OKABE_ITO.green, OKABE_ITO.vermillion, OKABE_ITO.black],
};
export const LANE_BACKGROUND = '#f3f5f8';
// A cycle on the pacing timeline, by what it is doing; outlined in CYCLE_EDGE.
export const CYCLE_STYLES = {
  marking: { css: '#bfe1f6', mark: 'none', name: 'marking' },
  sweeping: { css: '#b8e3d4', mark: 'hatch', name: 'sweeping' },
};
export const CYCLE_CSS = { marking: CYCLE_STYLES.marking.css, sweeping: CYCLE_STYLES.sweeping.css };
export const CYCLE_EDGE = '#6b7380';

// Page kinds of the heap map: the allocator's states, split by who owns a span.
export const PAGE_KINDS = [
  { key: 'module', name: "module's static data and stack", css: '#3b4350', mark: 'none' },
  { key: 'meta', name: "tricolor's metadata, outside arenas", css: '#6b7380', mark: 'hatch' },
  { key: 'unused', name: 'memory not used yet', css: '#ffffff', mark: 'frame' },
  { key: 'reserved', name: 'reserved, not yet used', css: '#e9edf1', mark: 'dots' },
  { key: 'free', name: 'free pages', css: '#c2ccd6', mark: 'none' },
  { key: 'released', name: 'released pages (reused first)', css: '#eef1f4', mark: 'hatch' },
  { key: 'small', name: "malloc's small-object span", css: OKABE_ITO.sky, mark: 'vbar' },
  { key: 'large', name: "malloc's large object", css: OKABE_ITO.blue, mark: 'bar' },
  { key: 'gcscan', name: 'GC span, objects with pointers', css: OKABE_ITO.vermillion, mark: 'dot' },
  { key: 'gcnoscan', name: 'GC span, pointer-free objects', css: OKABE_ITO.yellow, mark: 'ring' },
  { key: 'gclarge', name: 'GC large object', css: OKABE_ITO.purple, mark: 'cross' },
];
export const PAGE_KIND = Object.fromEntries(PAGE_KINDS.map((k, i) => [k.key, i]));

// CSS colour -> 0xAABBGGRR, the byte order of ImageData on little-endian machines.
export function packed(css) {
  const n = parseInt(css.slice(1), 16);
  return (0xff000000 | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
}

export const OBJECT_PACKED = Uint32Array.from(OBJECT_CSS, packed);
export const PAGE_PACKED = Uint32Array.from(PAGE_KINDS, (k) => packed(k.css));

// WCAG's relative luminance and contrast ratio.
export function luminance(css) {
  const n = parseInt(css.slice(1), 16);
  const lin = (c) => { const x = c / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(n >> 16) + 0.7152 * lin((n >> 8) & 0xff) + 0.0722 * lin(n & 0xff);
}
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => p - q);
  return (y + 0.05) / (x + 0.05);
}

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
