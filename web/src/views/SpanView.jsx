// The collected heap's objects, span by span: one cell per object slot,
// coloured free / white / grey / black (lightness alone tells them apart).
// A cell with a bar before each span starts it; the cell is purple while
// sweeping has not reached the span yet this cycle. The selected object is outlined in blue, objects a
// barrier just shaded in orange, objects the verifier found unmarked but
// reachable in vermillion. Drawn straight from the spans' bitmaps.
import { useRef } from 'preact/hooks';
import { useCanvas, canvasPoint, pixels } from './canvas.js';
import { COLORS, PAGE_SIZE } from '#tricolor/layout';
import { OBJECT_PACKED, OBJECT_CSS, CELL_BACKGROUND, HIGHLIGHT, OKABE_ITO, packed, hex, bytes } from '../palette.js';

const UNSWEPT = packed(OKABE_ITO.purple);
const BACKGROUND = packed(CELL_BACKGROUND);
const SWEPT = packed('#eef1f4');
const DIVIDER = packed('#1f2630');
const MAX_HEIGHT = 420;

export function SpanView({ controller }) {
  // Where each span's cells start, as parallel typed arrays reused frame to
  // frame: first cell, objects, base, object size.
  const cache = useRef({ total: 1, count: 0, first: new Float64Array(256), n: new Float64Array(256),
    base: new Float64Array(256), size: new Float64Array(256) }).current;
  const draw = (canvas, source, state) => {
    const width = canvas.width;
    const cell = Math.max(2, Math.min(16, Math.floor(Math.sqrt((width * MAX_HEIGHT) / Math.max(1, cache.total)))));
    const cols = Math.max(1, Math.floor(width / cell));
    const rows = Math.max(1, Math.ceil(cache.total / cols));
    const h = Math.max(cell, rows * cell);
    if (canvas.height !== h) canvas.height = h;
    const { ctx, image, u32 } = pixels(canvas, cache);
    u32.fill(BACKGROUND);
    const gap = cell >= 5 ? 1 : 0, inner = cell - gap;
    let at = 0, count = 0;
    const place = (i, colour) => { // the hot loop: 100 000 cells a frame
      const x = (i % cols) * cell, y = ((i / cols) | 0) * cell;
      if (y + inner > h) return;
      let at = y * width + x;
      for (let j = 0; j < inner; j++, at += width) for (let k = 0; k < inner; k++) u32[at + k] = colour;
    };
    source.forEachGcSpan((span, colours) => {
      place(at, span.swept ? SWEPT : UNSWEPT);
      if (inner >= 4) { // a bar down the middle: a span starts here, not an object
        const x = (at % cols) * cell + (inner >> 1) - 1, y = ((at / cols) | 0) * cell;
        for (let j = 0; j < inner && y + j < h; j++) u32[(y + j) * width + x] = u32[(y + j) * width + x + 1] = DIVIDER;
      }
      if (count === cache.first.length) {
        for (const k of ['first', 'n', 'base', 'size']) {
          const grown = new Float64Array(count * 2);
          grown.set(cache[k]);
          cache[k] = grown;
        }
      }
      cache.first[count] = at + 1;
      cache.n[count] = span.objects;
      cache.base[count] = span.base;
      cache.size[count] = span.objectSize;
      count++;
      at++;
      for (let i = 0; i < span.objects; i++) place(at + i, OBJECT_PACKED[colours[i]]);
      at += span.objects;
    });
    cache.total = at;
    cache.count = count;
    cache.cell = cell;
    cache.cols = cols;
    ctx.putImageData(image, 0, 0);
    // highlights
    const cellOf = (addr) => { // spans come in address order
      let lo = 0, hi = count - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (addr < cache.base[mid]) hi = mid - 1;
        else if (addr >= cache.base[mid] + cache.n[mid] * cache.size[mid]) lo = mid + 1;
        else return cache.first[mid] + Math.floor((addr - cache.base[mid]) / cache.size[mid]);
      }
      return -1;
    };
    const ring = (addr, colour) => {
      const i = cellOf(addr);
      if (i < 0) return;
      const x = (i % cols) * cell, y = ((i / cols) | 0) * cell;
      ctx.strokeStyle = colour;
      ctx.lineWidth = cell >= 6 ? 2 : 1;
      ctx.strokeRect(x - 0.5, y - 0.5, inner + 1, inner + 1);
    };
    const h0 = source.history;
    for (const b of h0.barriers.slice(-6)) {
      if (b.shaded & 1) ring(b.old, HIGHLIGHT.barrier);
      if (b.shaded & 2) ring(b.value, HIGHLIGHT.barrier);
    }
    for (const v of h0.violations.slice(-8)) ring(v.target, HIGHLIGHT.violation);
    if (state.selection?.address) ring(state.selection.address, HIGHLIGHT.selected);
  };
  const ref = useCanvas(controller, draw);
  const onClick = (e) => {
    const { x, y } = canvasPoint(ref.current, e);
    const i = Math.floor(y / cache.cell) * cache.cols + Math.floor(x / cache.cell);
    for (let k = 0; k < cache.count; k++) {
      if (i >= cache.first[k] && i < cache.first[k] + cache.n[k]) {
        controller.actions.select({ address: cache.base[k] + (i - cache.first[k]) * cache.size[k] });
        return;
      }
    }
  };
  return (
    <div class="canvas-box">
      <canvas ref={ref} data-view="spans" aria-label="Objects of every span, by colour" onClick={onClick} />
    </div>
  );
}

export function ObjectLegend() {
  const names = { free: 'free slot', white: 'white: not (yet) marked', grey: 'grey: marked, not yet scanned',
    black: 'black: marked and scanned' };
  return (
    <ul class="legend">
      {COLORS.map((c, i) => <li><span class={`swatch obj-${c}`} style={{ background: OBJECT_CSS[i] }} />{names[c]}</li>)}
      <li><span class="swatch ring" style={{ borderColor: HIGHLIGHT.barrier }} />shaded by a barrier just now</li>
      <li><span class="swatch ring" style={{ borderColor: HIGHLIGHT.violation }} />reachable but left white (verifier)</li>
      <li><span class="swatch ring" style={{ borderColor: HIGHLIGHT.selected }} />selected</li>
      <li><span class="swatch divider" />a span starts</li>
      <li><span class="swatch divider" style={{ background: OKABE_ITO.purple }} />a span sweeping has not reached yet</li>
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
