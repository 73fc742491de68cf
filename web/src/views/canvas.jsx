// Canvases: the hook every canvas view uses (it fills its box and redraws
// every frame through the controller), the scrolling one of the views
// that zoom and pan, text that stays inside its canvas, and the marks that
// carry each state's second cue (palette.js).
import { useEffect, useRef, useState } from 'preact/hooks';

export function useCanvas(controller, draw, { height } = {}) {
  const ref = useRef(null);
  const drawRef = useRef(draw);
  drawRef.current = draw;
  useEffect(() => {
    const canvas = ref.current;
    const fit = () => {
      const w = Math.max(120, Math.floor(canvas.parentElement.clientWidth));
      if (canvas.width !== w) canvas.width = w;
      if (height && canvas.height !== height) canvas.height = height;
    };
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(canvas.parentElement);
    const off = controller.addDrawer((source, state) => {
      const t = performance.now();
      drawRef.current(canvas, source, state);
      controller.timings[canvas.dataset.view] = performance.now() - t;
    });
    return () => { ro.disconnect(); off(); };
  }, [controller]);
  return ref;
}

// A canvas the size of its scrolling box's view, over a sizer as big as
// what it draws: the box scrolls (pans) natively, and draw paints only
// what is in view. draw(canvas, source, state, view) gets view = { left,
// top, width, height, zoom } and returns the size of everything it would
// draw, { width, height }. Zoom is a cell size in pixels, or 0 to fit.
export function useScrollCanvas(controller, draw, { maxHeight = 480 } = {}) {
  const box = useRef(null), sizer = useRef(null), canvas = useRef(null);
  const drawRef = useRef(draw);
  drawRef.current = draw;
  const [zoom, setZoom] = useState(0);
  const zoomRef = useRef(zoom);
  zoomRef.current = zoom;
  useEffect(() => {
    const b = box.current, c = canvas.current, s = sizer.current;
    const off = controller.addDrawer((source, state) => {
      const t = performance.now();
      const width = Math.max(120, b.clientWidth), height = Math.min(maxHeight, Math.max(40, b.clientHeight || maxHeight));
      const view = { left: b.scrollLeft, top: b.scrollTop, width, height, zoom: zoomRef.current, maxHeight };
      const size = drawRef.current(c, source, state, view);
      if (size) {
        const w = `${Math.max(size.width, 1)}px`, h = `${Math.max(size.height, 1)}px`;
        if (s.style.width !== w) s.style.width = w;
        if (s.style.height !== h) s.style.height = h;
      }
      controller.timings[c.dataset.view] = performance.now() - t;
    });
    return off;
  }, [controller]);
  return { box, sizer, canvas, zoom, setZoom };
}

// A canvas sized to the view, reused: the drawer calls this first.
export function fitCanvas(canvas, width, height) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

// The zoom control of a scrolling canvas: fit, or a cell size in pixels.
const ZOOMS = [0, 1, 2, 3, 4, 6, 8, 12, 16];
export function ZoomControl({ zoom, setZoom, label }) {
  const i = ZOOMS.indexOf(zoom);
  return (
    <span class="zoom" role="group" aria-label={`Zoom ${label}`}>
      <button type="button" aria-label={`Zoom out ${label}`} disabled={i <= 1} onClick={() => setZoom(ZOOMS[Math.max(1, i - 1)])}>−</button>
      <button type="button" aria-pressed={zoom === 0 ? 'true' : 'false'} onClick={() => setZoom(0)}>fit</button>
      <button type="button" aria-label={`Zoom in ${label}`} disabled={i === ZOOMS.length - 1} onClick={() => setZoom(ZOOMS[Math.min(ZOOMS.length - 1, Math.max(1, i + 1))])}>+</button>
      <output>{zoom ? `${zoom} px` : 'fit'}</output>
    </span>
  );
}

// The canvas pixel under a mouse event.
export function canvasPoint(canvas, e) {
  const r = canvas.getBoundingClientRect();
  return { x: (e.clientX - r.left) * (canvas.width / r.width), y: (e.clientY - r.top) * (canvas.height / r.height) };
}

// An ImageData over a Uint32Array, remade when the canvas changes size.
export function pixels(canvas, cache) {
  const ctx = canvas.getContext('2d');
  if (!cache.image || cache.image.width !== canvas.width || cache.image.height !== canvas.height) {
    cache.image = ctx.createImageData(canvas.width, canvas.height);
    cache.u32 = new Uint32Array(cache.image.data.buffer);
  }
  return { ctx, image: cache.image, u32: cache.u32, width: canvas.width };
}

// Fills a w x h block of a Uint32Array image (clipped to it).
export function fillBlock(u32, stride, x, y, w, h, colour) {
  const rows = u32.length / stride;
  if (x < 0) { w += x; x = 0; }
  if (x + w > stride) w = stride - x;
  for (let j = Math.max(0, y); j < y + h && j < rows; j++) u32.fill(colour, j * stride + x, j * stride + x + w);
}

// A cell's mark (palette.js), in the pixels of an n x n cell at (x, y):
// most need 5 px or more; a dot and a hatch are drawn from 3 px, as one
// pixel and one diagonal (below that a view is a density map to zoom into).
export function cellMark(u32, stride, x, y, n, mark, colour) {
  if (n < 3 || mark === 'none') return;
  const put = (i, j) => { u32[(y + j) * stride + x + i] = colour; };
  const mid = n >> 1;
  if (n < 5) {
    if (mark === 'dot') put(mid, mid);
    else if (mark === 'hatch') for (let j = 0; j < n; j++) put(n - 1 - j, j);
    return;
  }
  switch (mark) {
  case 'dot': for (let j = mid - 1; j <= mid; j++) for (let i = mid - 1; i <= mid; i++) put(i, j); break;
  case 'dots': put(1, 1); put(n - 2, n - 2); break;
  case 'bar': for (let i = 1; i < n - 1; i++) put(i, mid); break;
  case 'vbar': for (let j = 1; j < n - 1; j++) put(mid, j); break;
  case 'hatch': for (let j = 0; j < n; j++) put((j * 3 + 1) % n, j); break;
  case 'frame': for (let k = 0; k < n; k++) { put(k, 0); put(k, n - 1); put(0, k); put(n - 1, k); } break;
  case 'ring': for (let k = 1; k < n - 1; k++) { put(k, 1); put(k, n - 2); put(1, k); put(n - 2, k); } break;
  case 'cross': for (let k = 1; k < n - 1; k++) { put(k, k); put(n - 1 - k, k); } break;
  default:
  }
}

// A highlight (palette.js HIGHLIGHTS) around the box (x, y, w, h): its
// shape stroked in its colour over its halo.
export function strokeHighlight(ctx, style, x, y, w, h) {
  const pad = 2;
  const path = () => {
    ctx.beginPath();
    const x0 = x - pad, y0 = y - pad, x1 = x + w + pad, y1 = y + h + pad;
    if (style.mark === 'box') {
      ctx.rect(x0, y0, x1 - x0, y1 - y0);
    } else if (style.mark === 'corners') {
      const k = Math.max(3, Math.min(w, h) / 2);
      for (const [cx, cy, dx, dy] of [[x0, y0, 1, 1], [x1, y0, -1, 1], [x0, y1, 1, -1], [x1, y1, -1, -1]]) {
        ctx.moveTo(cx + dx * k, cy);
        ctx.lineTo(cx, cy);
        ctx.lineTo(cx, cy + dy * k);
      }
    } else { // cross
      ctx.moveTo(x0, y0); ctx.lineTo(x1, y1);
      ctx.moveTo(x1, y0); ctx.lineTo(x0, y1);
    }
  };
  ctx.setLineDash([]);
  path();
  ctx.strokeStyle = style.halo;
  ctx.lineWidth = 4;
  ctx.stroke();
  path();
  ctx.strokeStyle = style.css;
  ctx.lineWidth = 2;
  ctx.stroke();
}

// Text drawn inside its canvas: moved left if it would run past the right
// edge (and right if past the left). Every label of a canvas goes through
// here; with globalThis.tricolorTextLog set (the end-to-end tests), each is
// logged with its box, so that a test can check nothing is clipped.
export function label(ctx, text, x, y, align = 'left') {
  const w = ctx.measureText(text).width, W = ctx.canvas.width;
  let x0 = align === 'right' ? x - w : align === 'center' ? x - w / 2 : x;
  x0 = Math.max(1, Math.min(x0, W - w - 1));
  ctx.textAlign = 'left';
  ctx.fillText(text, x0, y);
  const log = globalThis.tricolorTextLog;
  if (log) {
    const view = ctx.canvas.dataset.view || '?';
    (log[view] ??= new Map()).set(text, { x0, x1: x0 + w, width: W, y });
  }
}
