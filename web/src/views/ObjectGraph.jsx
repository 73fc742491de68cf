// The object graph of a small heap: roots on the left, then objects by
// their distance from a root, the unreachable last. Nodes take their
// colour (with a letter: W, G, B) and edges their pointers; the edge a
// barrier just fired on is orange, a black-to-white edge the verifier
// found is vermillion and dashed, and an object freed while still reachable
// stays as a dashed ghost.
import { useRef, useState } from 'preact/hooks';
import { useCanvas, canvasPoint } from './canvas.js';
import { COLORS } from '#tricolor/layout';
import { OBJECT_CSS, OBJECT_EDGE, HIGHLIGHT, hex } from '../palette.js';

const MARGIN = 16, ROOT_X = 26, MAX_HEIGHT = 460;

function layout(g, width) {
  const index = new Map(g.nodes.map((n, i) => [n.addr, i]));
  const depth = new Array(g.nodes.length).fill(-1);
  const out = g.nodes.map(() => []);
  for (const e of g.edges) out[index.get(e.from)].push(index.get(e.to));
  const layers = [];
  let frontier = [];
  for (const r of g.roots) {
    const i = index.get(r.target);
    if (depth[i] < 0) { depth[i] = 0; frontier.push(i); }
  }
  while (frontier.length) {
    layers.push(frontier);
    const next = [];
    for (const i of frontier) for (const j of out[i]) if (depth[j] < 0) { depth[j] = layers.length; next.push(j); }
    frontier = next;
  }
  const unreachable = g.nodes.map((_, i) => i).filter((i) => depth[i] < 0);
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const L = widest > layers.length ? topDown(layers, width) : leftRight(layers, width);
  let y0 = L.height;
  if (unreachable.length) { // the garbage, in rows at the bottom
    L.bandTops.push({ y: y0, garbage: true });
    const step = Math.max(16, L.dy * 1.4);
    const cols = Math.max(1, Math.floor((width - 2 * MARGIN - ROOT_X) / step));
    unreachable.forEach((i, k) => { L.pos[i] = { x: MARGIN + ROOT_X + (k % cols) * step, y: y0 + 20 + Math.floor(k / cols) * step }; });
    L.height = y0 + 20 + Math.ceil(unreachable.length / cols) * step;
  }
  L.index = index;
  return L;
}

// Layers as columns, left to right, wrapped into bands: lists and chains.
function leftRight(layers, width) {
  const dx = 46, pos = [], bandTops = [];
  const perBand = Math.max(2, Math.floor((width - ROOT_X - 2 * MARGIN) / dx));
  const bands = [];
  layers.forEach((layer, k) => (bands[Math.floor(k / perBand)] ??= []).push(layer));
  const rows = bands.reduce((n, b) => n + Math.max(...b.map((l) => l.length)) + 1, 0);
  const dy = Math.max(12, Math.min(28, Math.floor(MAX_HEIGHT / Math.max(1, rows))));
  let y0 = MARGIN + dy / 2;
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

export function ObjectGraph({ controller }) {
  const cache = useRef({ ghosts: new Map() }).current;
  const [note, setNote] = useState(null);
  const [hover, setHover] = useState(null);
  const draw = (canvas, source, state) => {
    const g = source.graph();
    if (g.unavailable || g.tooBig) {
      const text = g.unavailable || `${g.tooBig} objects: the graph is drawn for heaps of up to 400; the span view shows them all.`;
      if (cache.note !== text) { cache.note = text; setNote(text); }
      if (canvas.height !== 1) canvas.height = 1;
      cache.layout = null;
      return;
    }
    if (cache.note) { cache.note = null; setNote(null); }
    const L = layout(g, canvas.width);
    if (canvas.height !== Math.max(80, L.height)) canvas.height = Math.max(80, L.height);
    cache.layout = L;
    cache.graph = g;
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const r = Math.max(4, Math.min(10, L.dy / 2.4));
    ctx.font = '11px system-ui, sans-serif';
    for (const t of L.bandTops) {
      if (!t.garbage) continue;
      ctx.fillStyle = '#5b6470';
      ctx.fillText('not reachable from any root', MARGIN, t.y + 8);
    }
    // remember where objects were, for ghosts of those freed while reachable
    g.nodes.forEach((n, i) => cache.ghosts.set(n.addr, L.pos[i]));
    const h = source.history;
    const lastBarrier = h.barriers[h.barriers.length - 1];
    const owner = (slot) => g.nodes.find((n) => slot >= n.addr && slot < n.addr + n.size);
    const hot = lastBarrier && owner(lastBarrier.slot);
    // edges
    ctx.lineWidth = 1;
    for (const e of g.edges) {
      const a = L.pos[L.index.get(e.from)], b = L.pos[L.index.get(e.to)];
      const isHot = hot && hot.addr === e.from && lastBarrier.value === e.to && lastBarrier.slot === e.slot;
      const bad = h.violations.some((v) => v.slot === e.slot && v.target === e.to);
      ctx.strokeStyle = ctx.fillStyle = bad ? HIGHLIGHT.violation : isHot ? HIGHLIGHT.barrier : '#9aa3ad';
      ctx.lineWidth = bad || isHot ? 2.5 : 1;
      ctx.setLineDash(bad ? [5, 3] : []);
      arrow(ctx, a.x, a.y, b.x, b.y, r);
    }
    ctx.setLineDash([]);
    // ghosts: reachable objects that sweeping freed
    for (const addr of h.freedWhileReachable) {
      const p = cache.ghosts.get(addr);
      if (!p) continue;
      const from = h.violations.find((v) => v.target === addr);
      const src = from && L.index.has(from.object) ? L.pos[L.index.get(from.object)] : null;
      ctx.strokeStyle = ctx.fillStyle = HIGHLIGHT.violation;
      ctx.setLineDash([4, 3]);
      if (src) arrow(ctx, src.x, src.y, p.x, p.y, r);
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillText('freed!', p.x + r + 3, p.y + 4);
    }
    // roots
    for (const root of g.roots) {
      const b = L.pos[L.index.get(root.target)];
      ctx.fillStyle = ctx.strokeStyle = '#1f2630';
      ctx.lineWidth = 1;
      if (L.roots === 'left') {
        ctx.fillRect(MARGIN - 5, b.y - 5, 10, 10);
        arrow(ctx, MARGIN + 5, b.y, b.x, b.y, r);
      } else {
        ctx.fillRect(b.x - 4, MARGIN - 4, 8, 8);
        arrow(ctx, b.x, MARGIN + 4, b.x, b.y, r);
      }
    }
    // nodes
    g.nodes.forEach((n, i) => {
      const p = L.pos[i];
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.fillStyle = OBJECT_CSS[n.colour];
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = OBJECT_EDGE;
      ctx.stroke();
      const sel = state.selection?.address === n.addr;
      const shaded = lastBarrier && ((lastBarrier.shaded & 1 && lastBarrier.old === n.addr) || (lastBarrier.shaded & 2 && lastBarrier.value === n.addr));
      const lost = h.violations.some((v) => v.target === n.addr);
      if (sel || shaded || lost) {
        ctx.beginPath();
        ctx.arc(p.x, p.y, r + 3, 0, 2 * Math.PI);
        ctx.lineWidth = 2;
        ctx.strokeStyle = sel ? HIGHLIGHT.selected : lost ? HIGHLIGHT.violation : HIGHLIGHT.barrier;
        ctx.stroke();
      }
      if (r >= 7) { // the colour's letter, so colour is not the only cue
        ctx.fillStyle = n.colour === 3 ? '#ffffff' : '#1f2630';
        ctx.font = `bold ${Math.round(r)}px system-ui, sans-serif`;
        ctx.fillText('·WGB'[n.colour], p.x - r / 3, p.y + r / 3);
      }
      if (n.label) {
        ctx.fillStyle = '#1f2630';
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(n.label, p.x + r + 3, p.y - r);
      }
    });
  };
  const ref = useCanvas(controller, draw);
  const nodeAt = (e) => {
    const L = cache.layout, g = cache.graph;
    if (!L) return null;
    const { x, y } = canvasPoint(ref.current, e);
    const rr = Math.max(6, L.dy / 2);
    const i = L.pos.findIndex((p) => p && (p.x - x) ** 2 + (p.y - y) ** 2 <= rr * rr);
    return i >= 0 ? g.nodes[i] : null;
  };
  return (
    <div class="canvas-box" onMouseLeave={() => setHover(null)}>
      {note && <p class="hint">{note}</p>}
      <canvas ref={ref} data-view="graph" aria-label="Object graph: roots, objects and pointers"
        onClick={(e) => { const n = nodeAt(e); if (n) controller.actions.select({ address: n.addr }); }}
        onMouseMove={(e) => {
          const n = nodeAt(e);
          setHover(n ? { x: e.offsetX, y: e.offsetY,
            text: `${n.label ? `${n.label}: ` : ''}${hex(n.addr)}, ${n.size} bytes, ${COLORS[n.colour]}` } : null);
        }} />
      {hover && <div class="tooltip" style={{ left: hover.x + 14, top: hover.y + 10 }}>{hover.text}</div>}
    </div>
  );
}
