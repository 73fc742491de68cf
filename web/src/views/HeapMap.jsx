// The heap map: the runtime's arenas page by page, one cell per 8 KiB page,
// 128 to a row (1 MiB), each arena from a new row, coloured by state with
// a mark (palette.js). The rest of linear memory (the module's own data
// and stack, tricolor's metadata outside arenas, memory not used yet) is
// collapsed into a line above, and shown in full on asking. A darker left
// edge starts a span; a line above a row starts an arena. Zoom and pan;
// hover for details, click to select a span. A replay maps the arenas its
// trace touched.
import { useRef, useState } from 'preact/hooks';
import { useScrollCanvas, ZoomControl, canvasPoint, pixels, fillBlock, fitCanvas, cellMark, strokeHighlight, label } from './canvas.jsx';
import { PAGE_SIZE } from '#tricolor/layout';
import { PAGE_KINDS, PAGE_KIND, PAGE_PACKED, HIGHLIGHTS, INK, packed, hex, bytes, luminance } from '../palette.js';

const COLS = 128;
const EDGE = packed(INK);
const BACKGROUND = packed('#ffffff');
const MARK_INK = PAGE_KINDS.map((k) => packed(luminance(k.css) > 0.4 ? '#5b6470' : '#ffffff')); // marks light on dark, dark on light
const GUTTER = 84;

function geometry(width, pages, zoom) {
  const gutter = width >= 560 ? GUTTER : 0;
  const fit = Math.max(2, Math.min(14, Math.floor((width - gutter) / COLS)));
  const cell = zoom || fit;
  return { cell, gutter, rows: Math.max(1, Math.ceil(pages / COLS)) };
}

function runAt(map, page) {
  return map.runs.find((r) => page >= r.first && page < r.first + r.n) || null;
}

function addressOf(map, page) {
  const seg = map.segments.find((s) => page >= s.first && page < s.first + s.n) || map.segments[0];
  return seg ? seg.base + (page - seg.first) * PAGE_SIZE : page * PAGE_SIZE;
}

function describePage(map, page) {
  if (page < 0 || page >= map.pages) return null;
  const addr = addressOf(map, page);
  const run = runAt(map, page);
  const kind = PAGE_KINDS[map.kind[page]];
  const lines = [`page ${hex(addr)}: ${kind.name}`];
  if (run) {
    lines.push(`${run.n} page${run.n > 1 ? 's' : ''} from ${hex(run.base)} (${bytes(run.n * PAGE_SIZE)}), arena ${hex(run.arena)}`);
    if (run.sizeclass) lines.push(`size class ${run.sizeclass} (span class ${run.spanclass}): ${run.allocated} of ${run.objects} objects in use`);
  } else if (map.kind[page] === PAGE_KIND.reserved) {
    lines.push('reserved in an arena, not yet used');
  }
  return { addr, run, lines };
}

export function HeapMap({ controller }) {
  const cache = useRef({}).current;
  const wrap = useRef(null);
  const [hover, setHover] = useState(null);
  const [whole, setWhole] = useState(false);
  const [collapsed, setCollapsed] = useState(null);
  const wholeRef = useRef(whole);
  wholeRef.current = whole;
  const draw = (canvas, source, state, view) => {
    // Pages change state far less often than frames come: a new map only
    // when one has, and a redraw only then or when the view moved.
    const now = performance.now();
    const due = now - (cache.mappedAt || 0) >= 100 || cache.kind !== source.kind || cache.whole !== wholeRef.current;
    const sig = due ? `${source.mapSignature()}:${wholeRef.current}` : cache.sig;
    if (sig !== cache.sig || !cache.map) {
      cache.map = source.memoryMap(cache.map, { whole: wholeRef.current });
      cache.sig = sig;
      cache.kind = source.kind;
      cache.whole = wholeRef.current;
      const text = (cache.map.collapsed || []).filter((c) => c.bytes > 0).map((c) => `${PAGE_KINDS[c.kind].name} ${bytes(c.bytes)}`).join(' · ');
      if (text !== cache.collapsed) { cache.collapsed = text; setCollapsed(text); }
    }
    if (due) cache.mappedAt = now;
    const map = cache.map;
    const g = geometry(view.width, map.pages, view.zoom);
    const contentH = g.rows * g.cell, contentW = g.gutter + COLS * g.cell;
    const viewKey = `${sig}:${view.width}:${view.top}:${view.left}:${view.zoom}:${state.selection?.span ?? state.selection?.address}:${state.selectedCycle}`;
    if (viewKey === cache.viewKey) return { width: contentW, height: contentH };
    cache.viewKey = viewKey;
    cache.g = g;
    const H = Math.min(view.height, Math.max(contentH, g.cell));
    fitCanvas(canvas, view.width, H);
    const { ctx, image, u32, width } = pixels(canvas, cache);
    u32.fill(BACKGROUND);
    const { cell, gutter } = g;
    const gap = cell >= 4 ? 1 : 0, inner = cell - gap;
    const firstRow = Math.max(0, Math.floor(view.top / cell)), lastRow = Math.min(g.rows, Math.ceil((view.top + H) / cell) + 1);
    for (let p = firstRow * COLS; p < Math.min(map.pages, lastRow * COLS); p++) {
      const x = gutter + (p % COLS) * cell - view.left, y = ((p / COLS) | 0) * cell - view.top;
      if (x + cell <= 0 || x >= width) continue;
      const k = map.kind[p];
      fillBlock(u32, width, x, y, inner, inner, PAGE_PACKED[k]);
      if (map.start[p] && cell >= 4) fillBlock(u32, width, x, y, 1, inner, EDGE);
      if (map.arena[p] && y > 0) fillBlock(u32, width, gutter - view.left, y - 1 + gap, COLS * cell, 1, EDGE);
      if (cell >= 6 && x >= 0 && x + inner <= width && y >= 0 && y + inner <= H) cellMark(u32, width, x, y, inner, PAGE_KINDS[k].mark, MARK_INK[k]);
    }
    ctx.putImageData(image, 0, 0);
    if (gutter) { // each arena's address at its first row
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillStyle = INK;
      for (const s of map.segments) {
        const y = Math.floor(s.first / COLS) * cell - view.top + 10;
        if (y > 0 && y < H + 10) label(ctx, hex(s.base), 2 - view.left, y);
      }
    }
    // outlines: the selected span, and the spans the selected cycle took
    const outline = (run, style) => {
      const q = run.first, x = gutter + (q % COLS) * cell - view.left, y = ((q / COLS) | 0) * cell - view.top;
      const w = Math.min(run.n, COLS - (q % COLS)) * cell - gap;
      if (y > -cell && y < H) strokeHighlight(ctx, style, x, y, w, inner);
    };
    if (state.selectedCycle != null) {
      const cycle = source.history.cycles.find((c) => c.n === state.selectedCycle);
      const taken = new Set(cycle ? cycle.spans : []);
      for (const run of map.runs) if (taken.has(run.base)) outline(run, HIGHLIGHTS.barrier);
    }
    const selected = state.selection && (state.selection.span ?? state.selection.address);
    if (selected != null) {
      const run = map.runs.find((r) => selected >= r.base && selected < r.base + r.n * PAGE_SIZE);
      if (run) outline(run, HIGHLIGHTS.selected);
    }
    return { width: contentW, height: contentH };
  };
  const { box, sizer, canvas, zoom, setZoom } = useScrollCanvas(controller, draw, { maxHeight: 360 });
  const pageAt = (e) => {
    const g = cache.g;
    if (!g) return -1;
    const p = canvasPoint(canvas.current, e);
    const x = p.x + box.current.scrollLeft - g.gutter, y = p.y + box.current.scrollTop;
    const col = Math.floor(x / g.cell);
    return col < 0 || col >= COLS ? -1 : Math.floor(y / g.cell) * COLS + col;
  };
  const onMove = (e) => {
    if (!cache.map) return;
    const d = describePage(cache.map, pageAt(e));
    const r = wrap.current.getBoundingClientRect();
    setHover(d ? { lines: d.lines, x: e.clientX - r.left, y: e.clientY - r.top } : null);
  };
  const onClick = (e) => {
    if (!cache.map) return;
    const d = describePage(cache.map, pageAt(e));
    if (d?.run) controller.actions.selectInSpan(d.run.base, d.addr);
  };
  return (
    <div class="tooltip-frame" ref={wrap} onMouseLeave={() => setHover(null)}>
      <div class="view-tools">
        <ZoomControl zoom={zoom} setZoom={setZoom} label="the heap map" />
        <label class="check"><input type="checkbox" name="whole-memory" checked={whole} onChange={(e) => { setWhole(e.target.checked); cache.sig = null; }} /> all of linear memory</label>
      </div>
      {collapsed && !whole && <p class="hint collapsed" data-collapsed="1">Not drawn: {collapsed}.</p>}
      <div class="scroll-box heapmap" ref={box} style={{ maxHeight: '360px' }}>
        <canvas ref={canvas} data-view="heapmap" aria-label="Heap map: every page of the runtime's arenas by state"
          onMouseMove={onMove} onClick={onClick} />
        <div class="sizer" ref={sizer} />
      </div>
      {hover && <div class="tooltip" style={{ left: hover.x + 14, top: hover.y + 10 }}>
        {hover.lines.map((l) => <div>{l}</div>)}
      </div>}
    </div>
  );
}

export function PageLegend() {
  return (
    <ul class="legend">
      {PAGE_KINDS.map((k) => (
        <li><span class={`swatch mark-${k.mark}`} style={{ background: k.css }} />{k.name}</li>
      ))}
    </ul>
  );
}
