// The object graph of a small heap: roots on the left, then objects by
// their distance from a root, the unreachable last. Nodes take their
// colour and a shape for it at every size (white a ring, grey a ring with
// a dot, black a disc) and, big enough, its letter (W, G, B); edges are
// pointers. Marks, each a shape of its own (palette.js): the edge a
// barrier just fired on and the objects it shaded; the black-to-white edge
// the verifier found, dashed, and its target crossed; the selected object
// boxed. A pointer the mutator deleted in this cycle stays as a faint
// dashed ghost; an object freed while still reachable stays as a ghost
// too; floating garbage (marked, reached by nothing) is named.
import { useRef, useState } from 'preact/hooks';
import { useCanvas, canvasPoint, strokeHighlight, label } from './canvas.jsx';
import { COLORS, COLOR } from '#tricolor/layout';
import { OBJECT_CSS, OBJECT_EDGE, EDGE_CSS, HIGHLIGHTS, INK, hex } from '../palette.js';
import { floatingGarbage } from '../invariants.js';

const MARGIN = 16, ROOT_X = 26, MAX_HEIGHT = 460, GHOSTS = 8;

// Layers by distance (breadth first) from `starts`, over nodes not yet placed.
function layersFrom(starts, out, depth, base = 0) {
  const layers = [];
  let frontier = [];
  for (const i of starts) if (depth[i] < 0) { depth[i] = base; frontier.push(i); }
  while (frontier.length) {
    layers.push(frontier);
    const next = [];
    for (const i of frontier) for (const j of out[i]) if (depth[j] < 0) { depth[j] = base + layers.length; next.push(j); }
    frontier = next;
  }
  return layers;
}

// Roots on the left or top, objects by distance from a root; below, what
// no root reaches, laid out the same way from the objects nothing points
// to (the tops of garbage subtrees), so its shape shows too.
function layout(g, width) {
  const index = new Map(g.nodes.map((n, i) => [n.addr, i]));
  const depth = new Array(g.nodes.length).fill(-1);
  const out = g.nodes.map(() => []), inDegree = new Array(g.nodes.length).fill(0);
  for (const e of g.edges) { out[index.get(e.from)].push(index.get(e.to)); inDegree[index.get(e.to)]++; }
  const arrange = (layers) => {
    const widest = Math.max(1, ...layers.map((l) => l.length));
    return widest > layers.length ? topDown(layers, width) : leftRight(layers, width);
  };
  const L = arrange(layersFrom(g.roots.map((r) => index.get(r.target)), out, depth));
  const rest = [];
  for (;;) {
    const left = g.nodes.map((_, i) => i).filter((i) => depth[i] < 0);
    if (!left.length) break;
    const tops = left.filter((i) => inDegree[i] === 0);
    rest.push(...layersFrom(tops.length ? tops : [left[0]], out, depth, 1000));
  }
  if (rest.length) { // the garbage, under a line of its own
    const y0 = L.height;
    L.bandTops.push({ y: y0, garbage: true });
    const G = arrange(rest);
    G.pos.forEach((p, i) => { if (p) L.pos[i] = { x: p.x, y: p.y + y0 + 16 }; });
    L.height = y0 + 16 + G.height;
  }
  L.index = index;
  return L;
}

// Layers as columns, left to right, wrapped into bands: lists and chains.
function leftRight(layers, width) {
  const few = layers.length <= 8;
  const dx = few ? 76 : 52, pos = [], bandTops = [];
  const perBand = Math.max(2, Math.floor((width - ROOT_X - 2 * MARGIN) / dx));
  const bands = [];
  layers.forEach((layer, k) => (bands[Math.floor(k / perBand)] ??= []).push(layer));
  const rows = bands.reduce((n, b) => n + Math.max(...b.map((l) => l.length)) + 1, 0);
  const dy = Math.max(14, Math.min(few ? 50 : 34, Math.floor(MAX_HEIGHT / Math.max(1, rows))));
  let y0 = MARGIN + dy / 2 + 6;
  for (const band of bands) {
    bandTops.push({ y: y0 - dy / 2 });
    band.forEach((layer, c) => layer.forEach((i, k) => { pos[i] = { x: MARGIN + ROOT_X + c * dx + dx / 2, y: y0 + k * dy }; }));
    y0 += Math.max(...band.map((l) => l.length)) * dy + dy;
  }
  return { pos, dy, height: Math.ceil(y0), bandTops, roots: 'left' };
}

// Layers as rows, top to bottom, each spread across the width: trees and
// graphs whose layers are wide.
function topDown(layers, width) {
  const pos = [], usable = width - 2 * MARGIN, minDx = 16;
  const cols = Math.max(1, Math.floor(usable / minDx));
  const rowsNeeded = layers.reduce((n, l) => n + Math.ceil(l.length / cols), 0);
  const dyRow = Math.max(24, Math.min(56, Math.floor(MAX_HEIGHT / Math.max(1, rowsNeeded))));
  let y = MARGIN + 26;
  let dx = usable;
  for (const layer of layers) {
    const perRow = Math.min(cols, layer.length);
    dx = Math.min(dx, usable / perRow);
    layer.forEach((i, k) => {
      const row = Math.floor(k / cols), col = k % cols;
      const inRow = Math.min(cols, layer.length - row * cols);
      const step = usable / inRow;
      pos[i] = { x: MARGIN + step * (col + 0.5), y: y + row * dyRow };
    });
    y += Math.ceil(layer.length / cols) * dyRow;
  }
  return { pos, dy: Math.min(dyRow / 1.6, dx), height: Math.ceil(y), bandTops: [], roots: 'top' };
}

function arrow(ctx, x1, y1, x2, y2, r) {
  const a = Math.atan2(y2 - y1, x2 - x1);
  const ex = x2 - Math.cos(a) * r, ey = y2 - Math.sin(a) * r;
  ctx.beginPath();
  ctx.moveTo(x1 + Math.cos(a) * r, y1 + Math.sin(a) * r);
  ctx.lineTo(ex, ey);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(ex, ey);
  ctx.lineTo(ex - 6 * Math.cos(a - 0.45), ey - 6 * Math.sin(a - 0.45));
  ctx.lineTo(ex - 6 * Math.cos(a + 0.45), ey - 6 * Math.sin(a + 0.45));
  ctx.closePath();
  ctx.fill();
}

// A node: its colour, and a shape for it at every size.
function node(ctx, x, y, r, colour) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = OBJECT_CSS[colour];
  ctx.fill();
  ctx.lineWidth = colour === COLOR.WHITE ? 2 : 1;
  ctx.strokeStyle = colour === COLOR.WHITE ? INK : OBJECT_EDGE;
  ctx.stroke();
  if (colour === COLOR.GREY) { // grey: a white dot
    ctx.beginPath();
    ctx.arc(x, y, Math.max(1.5, r / 3.2), 0, 2 * Math.PI);
    ctx.fillStyle = '#ffffff';
    ctx.fill();
  }
}

const names = (source) => source.labels ?? source.decor?.labels ?? new Map();

// source: the graph's source when it is not the controller's (the side-by-side view's heaps).
export function ObjectGraph({ controller, source: ownSource, compact }) {
  const cache = useRef({}).current;
  const [note, setNote] = useState(null);
  const [hover, setHover] = useState(null);
  const draw = (canvas, controllerSource, state) => {
    const source = ownSource ? ownSource() : controllerSource;
    if (!source) return;
    const g = source.graph();
    if (g.unavailable || g.tooBig) {
      const text = g.unavailable || `${g.tooBig.toLocaleString('en')} objects: the graph is drawn for heaps of up to 400; the span view shows them all.`;
      if (cache.note !== text) { cache.note = text; setNote(text); }
      if (canvas.height !== 1) canvas.height = 1;
      cache.layout = null;
      return;
    }
    if (cache.note) { cache.note = null; setNote(null); }
    const h = source.history, cycle = h.cycles[h.cycles.length - 1];
    // objects freed while still reachable stay in the graph as ghosts, where a pointer still leads
    const present = new Set(g.nodes.map((n) => n.addr));
    for (const addr of h.freedWhileReachable) {
      const v = h.violations.find((x) => x.target === addr);
      if (present.has(addr) || !v || !present.has(v.object)) continue;
      g.nodes.push({ addr, size: 0, colour: COLOR.FREE, ghost: true, label: names(source).get(addr) });
      g.edges.push({ from: v.object, to: addr, slot: v.slot, ghost: true });
      present.add(addr);
    }
    const L = layout(g, canvas.width);
    const height = Math.max(compact ? 60 : 80, L.height);
    if (canvas.height !== height) canvas.height = height;
    cache.layout = L;
    cache.graph = g;
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const r = Math.max(5, Math.min(13, L.dy / 2.6));
    const floating = new Set(floatingGarbage(g));
    ctx.font = '11px system-ui, sans-serif';
    for (const t of L.bandTops) {
      if (!t.garbage) continue;
      ctx.fillStyle = '#5b6470';
      label(ctx, g.rootsScanned ? 'not reached from the roots the last root scan found' : 'not reachable from any root', MARGIN, t.y + 12);
    }
    const owner = (slot) => g.nodes.find((n) => slot >= n.addr && slot < n.addr + n.size);
    const lastBarrier = h.barriers[h.barriers.length - 1];
    const recent = cycle ? h.barriers.filter((b) => b.cycle === cycle.n) : [];
    const hot = lastBarrier && owner(lastBarrier.slot);
    // ghosts of deleted pointers: stores this cycle that overwrote a pointer no edge holds now
    ctx.setLineDash([3, 4]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = ctx.fillStyle = '#9aa3ad';
    const live = new Set(g.edges.map((e) => `${e.slot}:${e.to}`));
    for (const b of recent.slice(-GHOSTS)) {
      const from = owner(b.slot);
      if (!from || !b.old || !L.index.has(b.old) || live.has(`${b.slot}:${b.old}`)) continue;
      const a = L.pos[L.index.get(from.addr)], t = L.pos[L.index.get(b.old)];
      arrow(ctx, a.x, a.y, t.x, t.y, r);
    }
    ctx.setLineDash([]);
    // edges
    for (const e of g.edges) {
      const a = L.pos[L.index.get(e.from)], b = L.pos[L.index.get(e.to)];
      const isHot = hot && hot.addr === e.from && lastBarrier.value === e.to && lastBarrier.slot === e.slot;
      const bad = e.ghost || h.violations.some((v) => v.slot === e.slot && v.target === e.to);
      ctx.strokeStyle = ctx.fillStyle = bad ? HIGHLIGHTS.violation.css : isHot ? INK : EDGE_CSS;
      ctx.lineWidth = bad || isHot ? 2.5 : 1.2;
      ctx.setLineDash(bad ? [5, 3] : []);
      arrow(ctx, a.x, a.y, b.x, b.y, r);
    }
    ctx.setLineDash([]);

    // roots
    for (const root of g.roots) {
      const b = L.pos[L.index.get(root.target)];
      ctx.fillStyle = ctx.strokeStyle = INK;
      ctx.lineWidth = 1;
      if (L.roots === 'left') {
        ctx.fillRect(MARGIN - 5, b.y - 5, 10, 10);
        arrow(ctx, MARGIN + 5, b.y, b.x, b.y, r);
      } else { // just above its object: layers wrapped onto several rows would cross the arrows of the rows above
        const y = b.y - Math.max(2 * r + 6, L.dy * 0.9);
        ctx.fillRect(b.x - 4, y - 4, 8, 8);
        arrow(ctx, b.x, y + 4, b.x, b.y, r);
      }
    }
    // nodes
    const shadedNow = new Set();
    if (lastBarrier && (!cycle || lastBarrier.cycle === cycle.n)) {
      if (lastBarrier.shaded & 1) shadedNow.add(lastBarrier.old);
      if (lastBarrier.shaded & 2) shadedNow.add(lastBarrier.value);
    }
    g.nodes.forEach((n, i) => {
      const p = L.pos[i];
      if (n.ghost) { // freed while reachable: a dashed ghost, crossed
        ctx.setLineDash([4, 3]);
        ctx.strokeStyle = HIGHLIGHTS.violation.css;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.setLineDash([]);
        strokeHighlight(ctx, HIGHLIGHTS.violation, p.x - r, p.y - r, 2 * r, 2 * r);
        ctx.fillStyle = INK;
        ctx.font = '12px system-ui, sans-serif';
        label(ctx, `${n.label ? `${n.label}: ` : ''}freed while reachable`, p.x + r + 4, p.y - r);
        return;
      }
      node(ctx, p.x, p.y, r, n.colour);
      if (r >= 8) { // the colour's letter
        ctx.fillStyle = n.colour === COLOR.BLACK ? '#ffffff' : INK;
        ctx.font = `bold ${Math.round(r * 0.9)}px system-ui, sans-serif`;
        if (n.colour !== COLOR.GREY) ctx.fillText('·WGB'[n.colour], p.x - r / 3, p.y + r / 3);
      }
      const lost = h.violations.some((v) => v.target === n.addr);
      if (shadedNow.has(n.addr)) strokeHighlight(ctx, HIGHLIGHTS.barrier, p.x - r, p.y - r, 2 * r, 2 * r);
      if (lost) strokeHighlight(ctx, HIGHLIGHTS.violation, p.x - r, p.y - r, 2 * r, 2 * r);
      if (state.selection?.address === n.addr && !ownSource) strokeHighlight(ctx, HIGHLIGHTS.selected, p.x - r - 2, p.y - r - 2, 2 * r + 4, 2 * r + 4);
      const words = [n.label, floating.has(n.addr) ? 'floating' : null].filter(Boolean).join(': ');
      if (words) {
        ctx.fillStyle = INK;
        ctx.font = '12px system-ui, sans-serif';
        label(ctx, words, p.x + r + 3, p.y - r);
      }
    });
  };
  const ref = useCanvas(controller, draw);
  const nodeAt = (e) => {
    const L = cache.layout, g = cache.graph;
    if (!L) return null;
    const { x, y } = canvasPoint(ref.current, e);
    const rr = Math.max(8, L.dy / 2);
    const i = L.pos.findIndex((p) => p && (p.x - x) ** 2 + (p.y - y) ** 2 <= rr * rr);
    return i >= 0 ? g.nodes[i] : null;
  };
  return (
    <div class="canvas-box tooltip-frame" onMouseLeave={() => setHover(null)}>
      {note && <p class="hint" data-graph-note="1">{note}</p>}
      <canvas ref={ref} data-view={ownSource ? 'compare-graph' : 'graph'} aria-label="Object graph: roots, objects and pointers"
        onClick={(e) => { const n = nodeAt(e); if (n && !ownSource) controller.actions.select({ address: n.addr }); }}
        onMouseMove={(e) => {
          const n = nodeAt(e);
          setHover(n ? { x: e.offsetX, y: e.offsetY,
            text: `${n.label ? `${n.label}: ` : ''}${hex(n.addr)}, ${n.size} bytes, ${COLORS[n.colour]}` } : null);
        }} />
      {hover && <div class="tooltip" style={{ left: hover.x + 14, top: hover.y + 10 }}>{hover.text}</div>}
      {!note && !compact && <GraphLegend />}
    </div>
  );
}

export function GraphLegend() {
  return (
    <ul class="legend inline graph-legend">
      <li><span class="node-key white" />white</li>
      <li><span class="node-key grey" />grey</li>
      <li><span class="node-key black" />black</li>
      <li><span class="line dashed" style={{ borderColor: '#9aa3ad' }} />a pointer deleted this cycle</li>
      <li><span class="line dashed" style={{ borderColor: HIGHLIGHTS.violation.css }} />black → white, found by the verifier</li>
      <li><span class="swatch hl hl-corners" style={{ '--hl': HIGHLIGHTS.barrier.css, '--halo': HIGHLIGHTS.barrier.halo }} />shaded by the last barrier</li>
      <li><span class="swatch hl hl-cross" style={{ '--hl': HIGHLIGHTS.violation.css }} />left white (the verifier)</li>
    </ul>
  );
}

// The graph's objects and their colours, as text: the second cue, and
// what a screen reader reads of the canvas.
export function GraphNames({ names }) {
  if (!names) return null;
  const { objects, counts, floating } = names;
  const total = ['white', 'grey', 'black'].filter((c) => counts[c]).map((c) => `${counts[c]} ${c}`).join(', ');
  return (
    <div class="graph-names" aria-label="Objects and their colours">
      {objects.length > 0 && (
        <ul>
          {objects.map((n) => <li data-object={n.name} data-colour={n.colour}><b>{n.name}</b> {n.colour}{n.floating ? ', floating garbage' : ''}</li>)}
        </ul>
      )}
      <span data-counts="1">{total || 'no objects'}{floating ? `; ${floating} floating (marked, reached by nothing)` : ''}</span>
    </div>
  );
}
