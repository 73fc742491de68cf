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
import { COLORS, PAGE_SIZE } from '#tricolor/layout';
import {
  OBJECT_PACKED, OBJECT_STYLES, CELL_BACKGROUND, HIGHLIGHTS, OKABE_ITO, INK, packed, hex, bytes,
} from '../palette.js';

const BACKGROUND = packed('#ffffff');
const ROW_BACKGROUND = packed(CELL_BACKGROUND);
const UNSWEPT = packed(OKABE_ITO.purple);
const MARKS = COLORS.map((c) => OBJECT_STYLES[c].mark);
const MARK_INK = COLORS.map((c) => packed(c === 'grey' ? '#ffffff' : '#7f8b99'));
const GUTTER = 104, BAND_GAP = 6, COL_GAP = 6, LABEL_MIN = 14, MARKER = 4;

// Spans grouped into bands, and where each band and row goes for a view
// `width` wide at `zoom` (0: fit maxHeight).
function layout(spans, width, zoom, maxHeight) {
  const bands = new Map();
  for (const s of spans) {
    const key = s.sizeclass ? s.sizeclass * 2 + (s.noscan ? 1 : 0) : 1e6; // large objects last
    let b = bands.get(key);
    if (!b) bands.set(key, b = { key, sizeclass: s.sizeclass, noscan: s.noscan, objectSize: s.objectSize, n: s.objects, spans: [] });
    b.spans.push(s);
    if (!s.sizeclass) b.n = 1;
  }
  const list = [...bands.values()].sort((x, y) => x.key - y.key);
  const gutter = width >= 520 ? GUTTER : 0;
  const avail = Math.max(40, width - gutter - MARKER);
  // A band's cells shrink to fit its spans in the view's width, but no
  // smaller than `floor` (a small heap keeps cells big enough for their
  // marks, and a long span pans instead).
  let cells = 0;
  for (const s of spans) cells += s.objects;
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
  else { // the biggest cells that fit the height
    let c = 16;
    for (size = place(c); size.height > maxHeight && c > 1; size = place(--c));
  }
  return { bands: list, gutter, ...size };
}

export function SpanView({ controller }) {
  const cache = useRef({ colours: new Uint8Array(1 << 16), spans: [], layout: null }).current;
  const draw = (canvas, source, state, view) => {
    // one pass over the spans: each span's record and its colours, into one buffer
    let used = 0, k = 0;
    const spans = cache.spans;
    source.forEachGcSpan((span, colours) => {
      if (used + span.objects > cache.colours.length) {
        const grown = new Uint8Array(Math.max(cache.colours.length * 2, used + span.objects));
        grown.set(cache.colours.subarray(0, used));
        cache.colours = grown;
      }
      cache.colours.set(colours.subarray(0, span.objects), used);
      const s = spans[k] ??= {};
      s.base = span.base; s.sizeclass = span.sizeclass; s.noscan = span.noscan; s.objects = span.objects;
      s.objectSize = span.objectSize; s.swept = span.swept; s.at = used; s.pages = span.pages;
      used += span.objects;
      k++;
    });
    spans.length = k;
    const L = cache.layout = layout(spans, view.width, view.zoom, view.maxHeight);
    const height = Math.min(view.height, Math.max(L.height, 24));
    fitCanvas(canvas, view.width, height);
    const { ctx, image, u32, width } = pixels(canvas, cache);
    u32.fill(BACKGROUND);
    const top = view.top, left = view.left, H = canvas.height;
    const colours = cache.colours;
    const where = cache.where ??= new Map();
    where.clear();
    for (const b of L.bands) {
      if (b.y + b.h < top || b.y > top + H) { // off screen: only remember where its spans are
        b.spans.forEach((s, i) => where.set(s.base, { b, i }));
        continue;
      }
      const { cell, gap, rowW, rowH, cols } = b;
      b.spans.forEach((s, i) => {
        where.set(s.base, { b, i });
        const rx = L.gutter + MARKER + (i % cols) * (rowW + MARKER + COL_GAP) - left;
        const ry = b.y + 1 + Math.floor(i / cols) * rowH - top;
        if (ry + cell <= 0 || ry >= H || rx >= width || rx + rowW <= 0) return;
        // the row's background, a pixel wider all round than its cells (a
        // white object at the row's end is framed too), then each cell
        const y0 = Math.max(0, ry), y1 = Math.min(H, ry + cell);
        const frame = cell >= 3 ? 1 : 0;
        for (let y = Math.max(0, ry - frame); y < Math.min(H, ry + cell + frame); y++) {
          const at = y * width;
          u32.fill(ROW_BACKGROUND, at + Math.max(0, rx - frame), at + Math.min(width, rx + rowW + frame));
        }
        if (!s.swept) for (let y = y0; y < y1; y++) for (let x = rx - MARKER - 1; x < rx - 2; x++) if (x >= 0 && x < width) u32[y * width + x] = UNSWEPT;
        const step = cell + gap, n = s.objects;
        if (cell === 1) { // the common case at scale: one pixel an object
          if (ry < 0 || ry >= H) return;
          const at = ry * width + rx;
          for (let o = 0; o < n; o++) {
            const x = rx + o;
            if (x >= 0 && x < width) u32[at + o] = OBJECT_PACKED[colours[s.at + o]];
          }
          return;
        }
        for (let o = 0; o < n; o++) {
          const x = rx + o * step;
          if (x + cell <= 0 || x >= width) continue;
          const c = colours[s.at + o], colour = OBJECT_PACKED[c];
          const xa = Math.max(0, x), xb = Math.min(width, x + cell);
          for (let y = y0; y < y1; y++) u32.fill(colour, y * width + xa, y * width + xb);
          if (cell >= 5 && x >= 0 && x + cell <= width && ry >= 0 && ry + cell <= H) cellMark(u32, width, x, ry, cell, MARKS[c], MARK_INK[c]);
        }
      });
    }
    ctx.putImageData(image, 0, 0);
    // band labels, in the gutter
    if (L.gutter) {
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = INK;
      for (const b of L.bands) {
        const y = b.y - top + 10;
        if (y < 0 || y > H + 10) continue;
        const name = b.sizeclass ? `class ${b.sizeclass} ${b.noscan ? 'noscan' : 'scan'}` : 'large objects';
        label(ctx, name, 2 - left, y);
        if (b.h >= 26) label(ctx, `${b.sizeclass ? `${b.objectSize} B, ` : ''}${b.spans.length} span${b.spans.length > 1 ? 's' : ''}`, 2 - left, y + 12);
      }
    }
    // highlights
    const box = (addr) => {
      const s = spanOf(spans, addr);
      if (!s) return null;
      const w = where.get(s.base);
      if (!w) return null;
      const { b, i } = w, o = Math.floor((addr - s.base) / s.objectSize);
      return { x: L.gutter + MARKER + (i % b.cols) * (b.rowW + MARKER + COL_GAP) + o * (b.cell + b.gap) - left,
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
    cache.cells = used;
    return { width: L.width, height: L.height };
  };
  const { box, sizer, canvas, zoom, setZoom } = useScrollCanvas(controller, draw, { maxHeight: 460 });
  const onClick = (e) => {
    const L = cache.layout;
    if (!L) return;
    const p = canvasPoint(canvas.current, e);
    const x = p.x + box.current.scrollLeft, y = p.y + box.current.scrollTop;
    for (const b of L.bands) {
      if (y < b.y || y >= b.y + b.rows * b.rowH) continue;
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
        <canvas ref={canvas} data-view="spans" aria-label="Objects of every span, a row per span, by size class" onClick={onClick} />
        <div class="sizer" ref={sizer} />
      </div>
    </div>
  );
}

function spanOf(spans, addr) {
  for (const s of spans) if (addr >= s.base && addr < s.base + s.objects * s.objectSize) return s;
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
