// A canvas that fills its box and redraws every frame through the
// controller: the hook every canvas view uses.
import { useEffect, useRef } from 'preact/hooks';

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

// Fills a w x h block of a Uint32Array image.
export function fillBlock(u32, stride, x, y, w, h, colour) {
  for (let j = 0; j < h; j++) u32.fill(colour, (y + j) * stride + x, (y + j) * stride + x + w);
}
