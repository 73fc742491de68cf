// The collected heap's objects, span by span: one row per span, one cell
// per object slot, never a span wrapped onto two rows. Spans are grouped
// in bands by span class (size class, and scan or noscan), labelled at the
// left, in address order within a band; large objects are a band of their
// own. A band's cells are as big as the zoom asks, or smaller where its
// spans have many slots, so that each span fits one row of the view (1 px
// at least; a wider span pans). Cells: free / white / grey / black (palette.js
// marks: free hatched, grey dotted, at 5 px and up); a bar at a row's left:
// sweeping has not reached the span yet. Highlights: the selected object,
// objects a barrier just shaded, objects the verifier found left white.
import { useRef } from 'preact/hooks';
import { useScrollCanvas, ZoomControl, canvasPoint, pixels, fitCanvas, cellMark, strokeHighlight, label } from './canvas.jsx';
import { COLORS, COLOR, PAGE_SIZE, SPAN } from '#tricolor/layout';
import {
  OBJECT_PACKED, OBJECT_STYLES, CELL_BACKGROUND, HIGHLIGHTS, OKABE_ITO, INK, packed, hex, bytes,
} from '../palette.js';

const BACKGROUND = packed('#ffffff');
const ROW_BACKGROUND = packed(CELL_BACKGROUND);
const UNSWEPT = packed(OKABE_ITO.purple);
const MARKS = COLORS.map((c) => OBJECT_STYLES[c].mark);
const MARK_INK = COLORS.map((c) => packed(c === 'grey' ? '#ffffff' : '#7f8b99'));
const GUTTER = 104, BAND_GAP = 6, COL_GAP = 6, LABEL_MIN = 14, MARKER = 4;

// Spans grouped into bands by span class, each span keeping its place in
// its band while it lives (a new span takes the place of one gone, or
// joins the end), so that a span's row stays put frame after frame and
// spans coming and going redraw only their own rows. A band whose places
// are mostly empty is packed again, in address order. `known` maps a
// span's base to its record, which lives as long as the span: a frame
// touches each record, and makes one only for a new span. The live
// heap's spans come as its SPAN table, a model's as records with colours.
function assign(cache, source) {
  const { bands, known } = cache;
  const frame = ++cache.frame;
  const fresh = [];
  let seenKnown = 0;
  if (source.spanTable) {
    const { table: t, count } = source.spanTable();
    const W = SPAN.words, B = SPAN.base, C = SPAN.sizeClass, N = SPAN.noscan, O = SPAN.objects, Z = SPAN.objectSize;
    const S = SPAN.swept, P = SPAN.pages, A = SPAN.allocBits, M = SPAN.markBits, G = SPAN.greyBits;
    for (let w = 0; w < count * W; w += W) {
      const base = t[w + B];
      let r = known.get(base);
      if (r && r.sizeclass === t[w + C] && r.noscan === t[w + N]) {
        seenKnown++;
      } else {
        if (r) known.delete(base); // reused for another class: the old one is gone
        r = { base, sizeclass: t[w + C], noscan: t[w + N], objects: t[w + O], objectSize: t[w + Z] };
        fresh.push(r);
      }
      r.seen = frame;
      r.swept = t[w + S];
      r.pages = t[w + P];
      r.allocBits = t[w + A] >>> 2;
      r.markBits = t[w + M] >>> 2;
      r.greyBits = t[w + G] >>> 2;
    }
  } else {
    for (const s of source.spanRecords()) {
      let r = known.get(s.base);
      if (r && r.sizeclass === s.sizeclass && r.noscan === s.noscan) seenKnown++;
      else {
        if (r) known.delete(s.base);
        r = { base: s.base, sizeclass: s.sizeclass, noscan: s.noscan, objects: s.objects, objectSize: s.objectSize };
        fresh.push(r);
      }
      r.seen = frame;
      r.swept = s.swept;
      r.pages = s.pages;
      r.colours = s.colours;
    }
  }
  // spans gone: their places free (looked for only when some are)
  for (const b of bands.values()) b.gone = [];
  if (seenKnown < cache.placed) {
    for (const b of bands.values()) {
      for (let i = 0; i < b.spans.length; i++) {
        const r = b.spans[i];
        if (r && r.seen !== frame) {
          b.spans[i] = null; b.free.push(i); b.gone.push(i); b.live--; cache.placed--;
          if (known.get(r.base) === r) known.delete(r.base);
        }
      }
    }
  }
  // new spans: a free place, or the end
  for (const r of fresh) {
    const key = r.sizeclass ? r.sizeclass * 2 + (r.noscan ? 1 : 0) : 1e6; // large objects last
    let b = bands.get(key);
    if (!b) bands.set(key, b = { key, sizeclass: r.sizeclass, noscan: r.noscan, objectSize: r.objectSize, n: r.sizeclass ? r.objects : 1,
      spans: [], free: [], gone: [], live: 0 });
    const i = b.free.length ? b.free.pop() : b.spans.length;
    b.spans[i] = r;
    b.live++;
    cache.placed++;
    known.set(r.base, r);
  }
  for (const [key, b] of bands) {
    if (b.live === 0) { bands.delete(key); continue; }
    const empty = b.spans.length - b.live;
    if (empty > 8 && empty > b.spans.length / 2) { // pack it, in address order
      b.spans = b.spans.filter(Boolean).sort((x, y) => x.base - y.base);
      b.free = [];
      b.gone = [];
    }
  }
}

// Where each band and row goes for a view `width` wide at `zoom` (0: fit maxHeight).
function layout(bands, width, zoom, maxHeight) {
  const list = [...bands.values()].sort((x, y) => x.key - y.key);
  const gutter = width >= 520 ? GUTTER : 0;
  const avail = Math.max(40, width - gutter - MARKER);
  // A band's cells shrink to fit its spans in the view's width, but no
  // smaller than `floor` (a small heap keeps cells big enough for their
  // marks, and a long span pans instead).
  let cells = 0;
  for (const b of list) cells += b.n * b.spans.length;
  const floor = cells < 5000 ? 10 : cells < 50000 ? 5 : 1;
  const place = (cellMax) => {
    let y = 0, w = width;
    for (const b of list) {
      b.cell = Math.max(1, Math.min(cellMax, Math.max(Math.floor(avail / b.n), Math.min(cellMax, floor))));
      b.gap = b.cell >= 5 ? 1 : 0;
      b.rowW = b.n * (b.cell + b.gap) - b.gap;
      b.cols = Math.max(1, Math.floor((avail + COL_GAP) / (b.rowW + MARKER + COL_GAP)));
      b.rowH = b.cell + (b.cell >= 3 ? 3 : 0); // a frame above and below, and a line between rows
      b.rows = Math.ceil(b.spans.length / b.cols);
      b.y = y;
      b.h = Math.max(b.rows * b.rowH + 1, gutter ? LABEL_MIN : 0);
      y += b.h + BAND_GAP;
      w = Math.max(w, gutter + MARKER + b.rowW);
    }
    return { height: y, width: w };
  };
  let size;
  if (zoom) size = place(zoom);
  else { // the biggest cells that fit the height, but none smaller than the floor: past it, the view scrolls
    let c = 16;
    for (size = place(c); size.height > maxHeight && c > floor; size = place(--c));
  }
  return { bands: list, gutter, ...size };
}

// Four objects' colours from four bits each of their allocation, mark and
// grey bitmaps: 4096 entries of four pixels, so that a row of a million
// cells is drawn a nibble at a time, not an object at a time.
const { FREE, WHITE, GREY, BLACK } = COLOR;
const NIBBLES = (() => {
  const t = new Uint32Array(4096 * 4);
  for (let idx = 0; idx < 4096; idx++) {
    for (let k = 0; k < 4; k++) {
      const a = (idx >> k) & 1, m = (idx >> (4 + k)) & 1, g = (idx >> (8 + k)) & 1;
      t[idx * 4 + k] = OBJECT_PACKED[!a ? FREE : !m ? WHITE : g ? GREY : BLACK];
    }
  }
  return t;
})();
const colourAt = (mem, s, i) => {
  const w = i >>> 5, bit = 1 << (i & 31);
  return !(mem[s.allocBits + w] & bit) ? FREE : !(mem[s.markBits + w] & bit) ? WHITE : (mem[s.greyBits + w] & bit) ? GREY : BLACK;
};

// One span's row of cells at (rx, ry): from its bitmaps in `mem` (the live
// heap) or its colours (a model's).
function drawRow(u32, width, H, s, mem, rx, ry, cell, gap) {
  const n = s.objects;
  if (cell === 1) { // the common case at scale: one pixel an object, a nibble at a time
    if (ry < 0 || ry >= H) return;
    const row = ry * width;
    if (!mem) {
      for (let o = 0; o < n; o++) { const x = rx + o; if (x >= 0 && x < width) u32[row + x] = OBJECT_PACKED[s.colours[o]]; }
      return;
    }
    for (let w = 0; w * 32 < n; w++) {
      const a = mem[s.allocBits + w], m = mem[s.markBits + w], g = mem[s.greyBits + w];
      const x0 = rx + w * 32, count = Math.min(32, n - w * 32);
      if (x0 < 0 || x0 + count > width) { // at an edge of the view: an object at a time
        for (let o = 0; o < count; o++) if (x0 + o >= 0 && x0 + o < width) u32[row + x0 + o] = OBJECT_PACKED[colourAt(mem, s, w * 32 + o)];
        continue;
      }
      if (a === 0) { u32.fill(OBJECT_PACKED[FREE], row + x0, row + x0 + count); continue; }
      for (let k = 0; k < count; k += 4) {
        const t = ((((a >>> k) & 15) | (((m >>> k) & 15) << 4) | (((g >>> k) & 15) << 8)) << 2);
        const at = row + x0 + k;
        u32[at] = NIBBLES[t];
        if (k + 1 < count) u32[at + 1] = NIBBLES[t + 1];
        if (k + 2 < count) u32[at + 2] = NIBBLES[t + 2];
        if (k + 3 < count) u32[at + 3] = NIBBLES[t + 3];
      }
    }
    return;
  }
  const step = cell + gap;
  const y0 = Math.max(0, ry), y1 = Math.min(H, ry + cell);
  for (let o = 0; o < n; o++) {
    const x = rx + o * step;
    if (x + cell <= 0 || x >= width) continue;
    const c = mem ? colourAt(mem, s, o) : s.colours[o], colour = OBJECT_PACKED[c];
    const xa = Math.max(0, x), xb = Math.min(width, x + cell);
    for (let y = y0; y < y1; y++) u32.fill(colour, y * width + xa, y * width + xb);
    if (cell >= 3 && x >= 0 && x + cell <= width && ry >= 0 && ry + cell <= H) cellMark(u32, width, x, ry, cell, MARKS[c], MARK_INK[c]);
  }
}

// The words of a span's three bitmaps (and whether it is swept), to tell
// next frame whether its row changed.
function sameWords(cache, s, mem) {
  const n32 = (s.objects + 31) >>> 5, size = 3 * n32 + 1;
  let prev = cache.get(s.base);
  let same = !!prev && prev.length === size && prev[3 * n32] === s.swept;
  if (!prev || prev.length !== size) { prev = new Uint32Array(size); cache.set(s.base, prev); }
  for (let w = 0; w < n32; w++) {
    const a = mem[s.allocBits + w], m = mem[s.markBits + w], g = mem[s.greyBits + w];
    if (same && (prev[3 * w] !== a || prev[3 * w + 1] !== m || prev[3 * w + 2] !== g)) same = false;
    prev[3 * w] = a; prev[3 * w + 1] = m; prev[3 * w + 2] = g;
  }
  prev[3 * n32] = s.swept;
  return same;
}

// Where every span goes: changes when a span comes or goes, or the view does.
function layoutKey(L, view, H) {
  let h = 2166136261;
  for (const b of L.bands) h = Math.imul(h ^ b.key ^ (b.spans.length << 12) ^ (b.cell << 4) ^ (b.cols << 20), 16777619);
  return `${h >>> 0}:${view.width}:${H}:${view.top}:${view.left}:${view.zoom}`;
}

export function SpanView({ controller }) {
  const cache = useRef({ layout: null, words: new Map(), bands: new Map(), known: new Map(), frame: 0, placed: 0 }).current;
  const overlay = useRef(null);
  const draw = (canvas, source, state, view) => {
    const mem = source.bits ? source.bits() : null;
    if (cache.kind !== source.kind) { cache.bands = new Map(); cache.known = new Map(); cache.placed = 0; cache.kind = source.kind; }
    assign(cache, source);
    const L = cache.layout = layout(cache.bands, view.width, view.zoom, view.maxHeight);
    const height = Math.min(view.height, Math.max(L.height, 24));
    fitCanvas(canvas, view.width, height);
    const { ctx, image, u32, width } = pixels(canvas, cache);
    const top = view.top, left = view.left, H = canvas.height;
    // A row is drawn again only when its span's bitmaps changed, unless
    // spans came or went or the view moved (then all of them); a model's
    // rows, when it moved to another event.
    const key = `${layoutKey(L, view, H)}:${source.kind}:${mem ? '' : source.version}`;
    const full = key !== cache.key || cache.image !== image;
    if (!full && !mem) return drawOverlay(source, state, view, L, H);
    if (full) { u32.fill(BACKGROUND); cache.words.clear(); cache.key = key; globalThis.__full = (globalThis.__full || 0) + 1; } else globalThis.__inc = (globalThis.__inc || 0) + 1;
    let dirtyTop = full ? 0 : H, dirtyBottom = full ? H : 0;
    for (const b of L.bands) {
      if (b.y + b.h < top || b.y > top + H) continue;
      const { cell, gap, rowW, rowH, cols } = b;
      const frame = cell >= 3 ? 1 : 0;
      const at = (i) => [L.gutter + MARKER + (i % cols) * (rowW + MARKER + COL_GAP) - left, b.y + 1 + Math.floor(i / cols) * rowH - top];
      if (!full) { // the places of spans gone since the last frame, cleared
        for (const i of b.gone || []) {
          const [rx, ry] = at(i);
          for (let y = Math.max(0, ry - frame); y < Math.min(H, ry + cell + frame); y++) {
            u32.fill(BACKGROUND, y * width + Math.max(0, rx - MARKER - 1), y * width + Math.min(width, rx + rowW + frame));
          }
          dirtyTop = Math.min(dirtyTop, Math.max(0, ry - frame));
          dirtyBottom = Math.max(dirtyBottom, Math.min(H, ry + cell + frame));
        }
      }
      for (let i = 0; i < b.spans.length; i++) {
        const s = b.spans[i];
        if (!s) continue;
        const [rx, ry] = at(i);
        if (ry + cell + frame <= 0 || ry - frame >= H || rx >= width || rx + rowW <= 0) continue;
        if (mem && sameWords(cache.words, s, mem) && !full) continue;
        // the row's background, a pixel wider all round than its cells (a
        // white object at the row's end is framed too), then its cells
        for (let y = Math.max(0, ry - frame); y < Math.min(H, ry + cell + frame); y++) {
          const at = y * width;
          u32.fill(ROW_BACKGROUND, at + Math.max(0, rx - frame), at + Math.min(width, rx + rowW + frame));
          for (let x = rx - MARKER - 1; x < rx - 2; x++) if (x >= 0 && x < width) u32[at + x] = s.swept ? BACKGROUND : UNSWEPT;
        }
        drawRow(u32, width, H, s, mem, rx, ry, cell, gap);
        dirtyTop = Math.min(dirtyTop, Math.max(0, ry - frame));
        dirtyBottom = Math.max(dirtyBottom, Math.min(H, ry + cell + frame));
      }
    }
    if (dirtyBottom > dirtyTop) ctx.putImageData(image, 0, 0, 0, dirtyTop, width, dirtyBottom - dirtyTop);
    drawOverlay(source, state, view, L, H);
    return { width: L.width, height: L.height };
  };

  // Labels and highlights, on a canvas of their own over the cells: they
  // change every frame, the cells mostly do not.
  function drawOverlay(source, state, view, L, H) {
    const o = overlay.current;
    if (!o) return { width: L.width, height: L.height };
    fitCanvas(o, view.width, H);
    const ctx = o.getContext('2d');
    ctx.clearRect(0, 0, o.width, o.height);
    const top = view.top, left = view.left;
    if (L.gutter) {
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = INK;
      for (const b of L.bands) {
        const y = b.y - top + 10;
        if (y < 0 || y > H + 10) continue;
        const name = b.sizeclass ? `class ${b.sizeclass} ${b.noscan ? 'noscan' : 'scan'}` : 'large objects';
        label(ctx, name, 2 - left, y);
        const count = b.spans.filter(Boolean).length;
        if (b.h >= 26) label(ctx, `${b.sizeclass ? `${b.objectSize} B, ` : ''}${count} span${count > 1 ? 's' : ''}`, 2 - left, y + 12);
      }
    }
    const where = new Map();
    for (const b of L.bands) b.spans.forEach((s, i) => { if (s) where.set(s.base, { b, i, s }); });
    const box = (addr) => {
      const s = spanOf(cache.known, addr), w = s && where.get(s.base);
      if (!w) return null;
      const { b, i } = w, k = Math.floor((addr - s.base) / s.objectSize);
      return { x: L.gutter + MARKER + (i % b.cols) * (b.rowW + MARKER + COL_GAP) + k * (b.cell + b.gap) - left,
        y: b.y + 1 + Math.floor(i / b.cols) * b.rowH - top, size: b.cell };
    };
    const mark = (addr, style) => {
      const p = box(addr);
      if (p && p.y > -8 && p.y < H + 8) strokeHighlight(ctx, style, p.x, p.y, p.size, p.size);
    };
    const h = source.history, cycle = h.cycles[h.cycles.length - 1];
    for (const b of h.barriers.slice(-6)) {
      if (cycle && b.cycle !== cycle.n) continue;
      if (b.shaded & 1) mark(b.old, HIGHLIGHTS.barrier);
      if (b.shaded & 2) mark(b.value, HIGHLIGHTS.barrier);
    }
    for (const v of h.violations.slice(-8)) mark(v.target, HIGHLIGHTS.violation);
    if (state.selection?.address) mark(state.selection.address, HIGHLIGHTS.selected);
    return { width: L.width, height: L.height };
  }

  const { box, sizer, canvas, zoom, setZoom } = useScrollCanvas(controller, draw, { maxHeight: 460 });
  const onClick = (e) => {
    const L = cache.layout;
    if (!L) return;
    const p = canvasPoint(canvas.current, e);
    const x = p.x + box.current.scrollLeft, y = p.y + box.current.scrollTop;
    for (const b of L.bands) {
      if (y < b.y || y >= b.y + b.rows * b.rowH + 1) continue;
      const col = Math.floor((x - L.gutter - MARKER) / (b.rowW + MARKER + COL_GAP));
      const row = Math.floor((y - b.y - 1) / b.rowH);
      const i = row * b.cols + col;
      const s = b.spans[i];
      if (col < 0 || col >= b.cols || !s) return;
      const o = Math.floor((x - L.gutter - MARKER - col * (b.rowW + MARKER + COL_GAP)) / (b.cell + b.gap));
      if (o >= 0 && o < s.objects) controller.actions.select({ address: s.base + o * s.objectSize });
      return;
    }
  };
  return (
    <div>
      <div class="view-tools"><ZoomControl zoom={zoom} setZoom={setZoom} label="the span view" /></div>
      <div class="scroll-box" ref={box} style={{ maxHeight: '460px' }}>
        <div class="layers">
          <canvas ref={canvas} data-view="spans" aria-label="Objects of every span, a row per span, by size class" />
          <canvas ref={overlay} class="overlay" data-view="spans-marks" aria-hidden="true" onClick={onClick} />
        </div>
        <div class="sizer" ref={sizer} />
      </div>
    </div>
  );
}

// The span holding addr, of those the view knows (by the page it starts on, then a search back).
function spanOf(known, addr) {
  for (let base = addr - (addr % PAGE_SIZE), k = 0; base >= 0 && k < 64; base -= PAGE_SIZE, k++) {
    const s = known.get(base);
    if (s) return addr < s.base + s.objects * s.objectSize ? s : null;
  }
  return null;
}

export function ObjectLegend() {
  return (
    <ul class="legend">
      {COLORS.map((c) => <li><span class={`swatch obj-${c} mark-${OBJECT_STYLES[c].mark}`} style={{ background: OBJECT_STYLES[c].css }} />{OBJECT_STYLES[c].name}</li>)}
      {Object.entries(HIGHLIGHTS).map(([k, h]) => <li><span class={`swatch hl hl-${h.mark}`} style={{ '--hl': h.css, '--halo': h.halo }} />{h.name}</li>)}
      <li><span class="swatch unswept" style={{ background: OKABE_ITO.purple }} />bar at a row's left: sweeping has not reached the span yet</li>
    </ul>
  );
}

// One span up close: its allocation, mark and grey bitmaps side by side,
// and what they make of each object.
export function SpanDetail({ actions, span: s }) {
  if (!s) {
    return <p class="hint">Click a span in the heap map, or an object, to see its bitmaps here.</p>;
  }
  const bit = (words, i) => (words[i >> 5] >>> (i & 31)) & 1;
  const n = Math.min(s.objects, 1024);
  const grid = (name, test, title) => (
    <figure class="bits">
      <figcaption>{name}</figcaption>
      <div class="bitgrid" role="img" aria-label={title}>
        {Array.from({ length: n }, (_, i) => <i class={test(i) ? 'one' : 'zero'} />)}
      </div>
    </figure>
  );
  const colour = (i) => (!bit(s.alloc, i) ? 0 : !bit(s.mark, i) ? 1 : bit(s.grey, i) ? 2 : 3);
  return (
    <div class="span-detail" data-span={s.base}>
      <p>
        Span {hex(s.base)}: {s.pages} page{s.pages > 1 ? 's' : ''} ({bytes(s.pages * PAGE_SIZE)}),{' '}
        {s.sizeclass ? `size class ${s.sizeclass}, ${s.objectSize}-byte objects` : 'one large object'},{' '}
        {s.noscan ? 'no pointers (noscan)' : 'with pointers (scan)'}; {s.allocated} of {s.objects} allocated;{' '}
        {s.swept ? 'swept this cycle' : 'not yet swept'}.
      </p>
      <div class="bitmaps">
        {grid('allocation bits', (i) => bit(s.alloc, i), 'allocation bitmap: filled squares are allocated slots')}
        {grid('mark bits', (i) => bit(s.mark, i), 'mark bitmap: filled squares are marked objects')}
        {grid('grey bits', (i) => bit(s.grey, i), 'grey bitmap: filled squares are marked but not yet scanned')}
        <figure class="bits">
          <figcaption>so each object is</figcaption>
          <div class="bitgrid objects">
            {Array.from({ length: n }, (_, i) => {
              const c = colour(i);
              return <i class={`obj-${COLORS[c]}`} title={`object ${i}: ${COLORS[c]}`}
                onClick={() => c && actions.select({ address: s.base + i * s.objectSize })} />;
            })}
          </div>
        </figure>
      </div>
    </div>
  );
}
