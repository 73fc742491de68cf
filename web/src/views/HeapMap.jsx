// The heap map: every page of linear memory (or, replaying a trace, of the
// arenas the trace touched), one cell per 8 KiB page, 128 to a row (1 MiB),
// coloured by state. A darker left edge starts a span; a line above a row
// starts an arena. Hover for details, click to select a span.
import { useRef, useState } from 'preact/hooks';
import { useCanvas, canvasPoint, pixels, fillBlock } from './canvas.js';
import { PAGE_SIZE } from '#tricolor/layout';
import { PAGE_KINDS, PAGE_KIND, PAGE_PACKED, HIGHLIGHT, packed, hex, bytes } from '../palette.js';

const COLS = 128;
const EDGE = packed('#1f2630');
const MARK_DARK = packed('#1f2630');
const MARK_LIGHT = packed('#8c96a3');
const BACKGROUND = packed('#ffffff');
const MARK_WHITE = packed('#ffffff');

function layout(canvas, pages) {
  const cell = Math.max(2, Math.min(14, Math.floor(canvas.width / COLS)));
  return { cell, rows: Math.max(1, Math.ceil(pages / COLS)) };
}

function runAt(map, page) {
  return map.runs.find((r) => page >= r.first && page < r.first + r.n) || null;
}

function addressOf(map, page) {
  const seg = map.segments.find((s) => page >= s.first && page < s.first + s.n) || map.segments[0];
  return seg.base + (page - seg.first) * PAGE_SIZE;
}

export function describePage(map, page) {
  if (page < 0 || page >= map.pages) return null;
  const addr = addressOf(map, page);
  const run = runAt(map, page);
  const kind = PAGE_KINDS[map.kind[page]];
  const lines = [`page ${hex(addr)}: ${kind.name}`];
  if (run) {
    lines.push(`${run.n} page${run.n > 1 ? 's' : ''} from ${hex(run.base)} (${bytes(run.n * PAGE_SIZE)}), arena ${hex(run.arena)}`);
    if (run.sizeclass) lines.push(`size class ${run.sizeclass} (span class ${run.spanclass}): ${run.allocated} of ${run.objects} objects in use`);
  } else if (map.kind[page] === PAGE_KIND.reserved && map.segments.length > 1) {
    lines.push('no span of the traced heap');
  }
  return { addr, run, lines };
}

export function HeapMap({ controller }) {
  const cache = useRef({}).current;
  const [hover, setHover] = useState(null);
  const draw = (canvas, source, state) => {
    // Pages change state far less often than frames come: redraw only when
    // one has, and then at most ten times a second unless the selection moved.
    const view = `${canvas.width}:${state.selection?.span ?? state.selection?.address}:${state.selectedCycle}:${source.kind}`;
    const now = performance.now();
    if (view === cache.view && now - cache.drawnAt < 100) return;
    const sig = source.mapSignature();
    if (sig === cache.sig && view === cache.view) return;
    cache.sig = sig;
    cache.view = view;
    cache.drawnAt = now;
    const map = cache.map = source.memoryMap(cache.map);
    const { cell, rows } = layout(canvas, map.pages);
    const h = rows * cell;
    if (canvas.height !== h) canvas.height = h;
    const { ctx, image, u32, width } = pixels(canvas, cache);
    u32.fill(BACKGROUND);
    const gap = cell >= 4 ? 1 : 0, inner = cell - gap;
    for (let p = 0; p < map.pages; p++) {
      const x = (p % COLS) * cell, y = ((p / COLS) | 0) * cell;
      if (x + cell > width) continue;
      const k = map.kind[p], colour = PAGE_PACKED[k];
      for (let j = 0, at = y * width + x; j < inner; j++, at += width) for (let i = 0; i < inner; i++) u32[at + i] = colour;
      if (map.start[p] && cell >= 4) fillBlock(u32, width, x, y, 1, inner, EDGE);
      if (map.arena[p] && y > 0) fillBlock(u32, width, 0, y - 1 + gap, COLS * cell, 1, EDGE);
      if (cell >= 6) {
        const mark = PAGE_KINDS[k].mark;
        if (mark === 'dot') fillBlock(u32, width, x + (inner >> 1) - 1, y + (inner >> 1) - 1, 2, 2, MARK_DARK);
        else if (mark === 'bar') fillBlock(u32, width, x + 1, y + (inner >> 1), inner - 2, 1, MARK_WHITE);
        else if (mark === 'hatch') {
          for (let j = 0; j < inner; j++) {
            const i = (j * 3 + 1) % inner;
            u32[(y + j) * width + x + i] = MARK_LIGHT;
          }
        }
      }
    }
    ctx.putImageData(image, 0, 0);
    // outlines: the selected span, and the spans the selected cycle took
    const outline = (page, n, colour, w) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = w;
      for (let q = page; q < page + n; q++) {
        ctx.strokeRect((q % COLS) * cell + 0.5, ((q / COLS) | 0) * cell + 0.5, inner - 1 || 1, inner - 1 || 1);
      }
    };
    const selected = state.selection && (state.selection.span ?? state.selection.address);
    if (state.selectedCycle != null) {
      const cycle = source.history.cycles.find((c) => c.n === state.selectedCycle);
      const taken = new Set(cycle ? cycle.spans : []);
      for (const run of map.runs) if (taken.has(run.base)) outline(run.first, run.n, HIGHLIGHT.barrier, 1);
    }
    if (selected != null) {
      const run = map.runs.find((r) => selected >= r.base && selected < r.base + r.n * PAGE_SIZE);
      if (run) outline(run.first, run.n, HIGHLIGHT.selected, 2);
    }
  };
  const ref = useCanvas(controller, draw);
  const pageAt = (e) => {
    const c = ref.current, { cell } = layout(c, cache.map?.pages || 1);
    const { x, y } = canvasPoint(c, e);
    const col = Math.floor(x / cell);
    return col >= COLS ? -1 : Math.floor(y / cell) * COLS + col;
  };
  const onMove = (e) => {
    if (!cache.map) return;
    const d = describePage(cache.map, pageAt(e));
    setHover(d ? { lines: d.lines, x: e.offsetX, y: e.offsetY } : null);
  };
  const onClick = (e) => {
    if (!cache.map) return;
    const d = describePage(cache.map, pageAt(e));
    if (d?.run) controller.actions.selectInSpan(d.run.base, d.addr);
  };
  return (
    <div class="canvas-box heapmap" onMouseLeave={() => setHover(null)}>
      <canvas ref={ref} data-view="heapmap" aria-label="Heap map: every page of memory by state"
        onMouseMove={onMove} onClick={onClick} />
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
