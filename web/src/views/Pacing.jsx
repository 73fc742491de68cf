// Pacing: each cycle's live heap against its goal, the share of time spent
// collecting, and every stop and step on a timeline, as Go's trace viewer
// lays them out. Click a cycle (on the timeline or its bar) for its
// figures; the spans it took are outlined on the heap map.
import { useRef } from 'preact/hooks';
import { useCanvas, canvasPoint, label } from './canvas.jsx';
import { PHASES, PHASE } from '#tricolor/layout';
import { SERIES, CYCLE_STYLES, CYCLE_EDGE, LANE_BACKGROUND, HIGHLIGHTS, INK, bytes, duration } from '../palette.js';

// A diagonal hatch over a box: sweeping's mark on the timeline.
function hatch(ctx, x, y, w, h) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.strokeStyle = CYCLE_EDGE;
  ctx.lineWidth = 1;
  for (let k = -h; k < w; k += 5) { ctx.beginPath(); ctx.moveTo(x + k, y + h); ctx.lineTo(x + k + h, y); ctx.stroke(); }
  ctx.restore();
}

const SHOW_CYCLES = 12, BAR_CYCLES = 40;
const LANES = [['cycle', 18], ['stops', 14], ['steps', 14], ['assists', 14]];

export function Timeline({ controller }) {
  const cache = useRef({ bands: [] }).current;
  const draw = (canvas, source, state) => {
    const ctx = canvas.getContext('2d');
    const W = canvas.width, H = canvas.height, left = 52;
    ctx.clearRect(0, 0, W, H);
    const h = source.history;
    const cycles = h.cycles.slice(-SHOW_CYCLES);
    const tl = h.timeline;
    if (!cycles.length && !tl.length) {
      ctx.fillStyle = '#5b6470';
      ctx.font = '12px system-ui, sans-serif';
      label(ctx, 'No cycle yet.', left, 30);
      cache.bands = [];
      return;
    }
    const t0 = cycles.length ? cycles[0].start : tl[0].t0;
    let t1 = t0 + 1;
    for (const c of cycles) t1 = Math.max(t1, c.end ?? c.phases[c.phases.length - 1][1]);
    for (let i = tl.length - 1; i >= 0 && tl[i].t1 >= t0; i--) t1 = Math.max(t1, tl[i].t1);
    const X = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - 4);
    ctx.font = '11px system-ui, sans-serif';
    let y = 4;
    const laneY = {};
    for (const [name, height] of LANES) {
      laneY[name] = [y, height];
      ctx.fillStyle = '#5b6470';
      label(ctx, name, 2, y + height - 4);
      ctx.fillStyle = LANE_BACKGROUND;
      ctx.fillRect(left, y, W - left - 4, height);
      y += height + 4;
    }
    cache.bands = [];
    const [cy, ch] = laneY.cycle;
    for (const c of cycles) {
      const end = c.end ?? t1;
      // phases: mark setup .. termination in sky, sweep in green
      for (let k = 0; k < c.phases.length; k++) {
        const [phase, at] = c.phases[k];
        const next = k + 1 < c.phases.length ? c.phases[k + 1][1] : end;
        if (phase === PHASE.OFF) continue;
        ctx.fillStyle = phase === PHASE.SWEEP ? CYCLE_STYLES.sweeping.css : CYCLE_STYLES.marking.css;
        ctx.fillRect(X(at), cy, Math.max(1, X(next) - X(at)), ch);
        if (phase === PHASE.SWEEP) hatch(ctx, X(at), cy, Math.max(1, X(next) - X(at)), ch);
      }
      const x0 = X(c.start), x1 = Math.max(x0 + 2, X(end));
      ctx.strokeStyle = state.selectedCycle === c.n ? HIGHLIGHTS.selected.css : CYCLE_EDGE;
      ctx.lineWidth = state.selectedCycle === c.n ? 2 : 1;
      ctx.strokeRect(x0 + 0.5, cy + 0.5, x1 - x0 - 1, ch - 1);
      if (x1 - x0 > 18) { ctx.fillStyle = INK; label(ctx, `#${c.n}`, x0 + 3, cy + ch - 5); }
      cache.bands.push({ x0, x1, n: c.n });
    }
    const paint = (lane, colour, e) => {
      const [ly, lh] = laneY[lane];
      ctx.fillStyle = colour;
      ctx.fillRect(X(e.t0), ly, Math.max(1.5, X(e.t1) - X(e.t0)), lh);
    };
    for (let i = tl.length - 1; i >= 0 && tl[i].t1 >= t0; i--) {
      const e = tl[i];
      if (e.kind === 'stop') paint('stops', SERIES.stop, e);
      else if (e.kind === 'assist') paint('assists', SERIES.assist, e);
      else paint('steps', SERIES.step, e);
    }
    ctx.fillStyle = '#5b6470';
    label(ctx, `${duration(t1 - t0)} shown`, W - 2, H - 2, 'right');
  };
  const ref = useCanvas(controller, draw, { height: 96 });
  const onClick = (e) => {
    const { x } = canvasPoint(ref.current, e);
    const band = cache.bands.find((b) => x >= b.x0 && x <= b.x1);
    controller.actions.selectCycle(band ? band.n : null);
  };
  return (
    <div>
      <div class="canvas-box"><canvas ref={ref} data-view="timeline" aria-label="Cycles, stops and steps over time" onClick={onClick} /></div>
      <ul class="legend inline">
        <li><span class="swatch" style={{ background: CYCLE_STYLES.marking.css }} />marking</li>
        <li><span class="swatch mark-hatch" style={{ background: CYCLE_STYLES.sweeping.css }} />sweeping (hatched)</li>
        <li><span class="swatch" style={{ background: SERIES.stop }} />stop (mark setup, termination)</li>
        <li><span class="swatch" style={{ background: SERIES.step }} />explicit step</li>
        <li><span class="swatch" style={{ background: SERIES.assist }} />assist (paid by allocation)</li>
      </ul>
    </div>
  );
}

// Per cycle: bytes marked (the live heap it found) as a bar, the goal it ran to as a tick.
export function CycleBars({ controller }) {
  const cache = useRef({ bars: [] }).current;
  const draw = (canvas, source, state) => {
    const ctx = canvas.getContext('2d');
    const W = canvas.width, H = canvas.height, left = 52, bottom = 14;
    ctx.clearRect(0, 0, W, H);
    const cycles = source.history.cycles.filter((c) => c.end !== null).slice(-BAR_CYCLES);
    cache.bars = [];
    if (!cycles.length) return;
    let max = 1;
    for (const c of cycles) max = Math.max(max, c.marked || 0, Number.isFinite(c.goal) && c.goal < 2 ** 60 ? c.goal : 0);
    const bw = Math.max(4, Math.min(26, (W - left) / cycles.length - 3));
    const Y = (v) => H - bottom - (v / max) * (H - bottom - 8);
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#5b6470';
    label(ctx, bytes(max), 0, 10);
    cycles.forEach((c, i) => {
      const x = left + i * (bw + 3);
      ctx.fillStyle = state.selectedCycle === c.n ? INK : SERIES.spans;
      ctx.fillRect(x, Y(c.marked || 0), bw, H - bottom - Y(c.marked || 0));
      if (c.goal && c.goal < 2 ** 60) {
        ctx.fillStyle = SERIES.goal;
        ctx.fillRect(x - 2, Y(c.goal) - 1, bw + 4, 2);
      }
      cache.bars.push({ x0: x, x1: x + bw, n: c.n });
    });
    ctx.fillStyle = '#5b6470';
    label(ctx, `cycles ${cycles[0].n}–${cycles[cycles.length - 1].n}`, left, H - 2);
  };
  const ref = useCanvas(controller, draw, { height: 110 });
  const onClick = (e) => {
    const { x } = canvasPoint(ref.current, e);
    const bar = cache.bars.find((b) => x >= b.x0 - 1 && x <= b.x1 + 1);
    if (bar) controller.actions.selectCycle(bar.n);
  };
  return (
    <div>
      <div class="canvas-box"><canvas ref={ref} data-view="cycles" aria-label="Live heap marked and goal, per cycle" onClick={onClick} /></div>
      <ul class="legend inline">
        <li><span class="swatch" style={{ background: SERIES.spans }} />marked (the live heap the cycle found; the selected cycle's in black)</li>
        <li><span class="line" style={{ borderColor: SERIES.goal }} />the goal it ran to</li>
      </ul>
    </div>
  );
}

export function CycleDetail({ cycle: c }) {
  if (!c) return <p class="hint">Click a cycle on the timeline or a bar for its figures; the spans it took are outlined on the heap map.</p>;
  const end = c.end;
  const stopNs = c.stops.reduce((x, y) => x + y, 0);
  const wall = end != null ? end - c.start : null;
  const row = (k, v) => <><dt>{k}</dt><dd>{v}</dd></>;
  return (
    <dl class="cycle-detail" data-cycle={c.n}>
      {row('cycle', `#${c.n}, barrier ${c.barrier}${end == null ? ' (running)' : ''}`)}
      {row('wall time', wall != null ? duration(wall) : '–')}
      {row('phases', c.phases.map(([p, t]) => `${PHASES[p]} +${duration(t - c.start)}`).join(', '))}
      {row('heap at the last mark', c.markedBefore != null ? bytes(c.markedBefore) : '–')}
      {row('goal / trigger', `${bytes(c.goal)} / ${bytes(c.trigger)}`)}
      {row('marked (live)', c.marked != null ? bytes(c.marked) : '–')}
      {row('next goal', c.nextGoal != null ? bytes(c.nextGoal) : '–')}
      {row('stops', `${c.stops.length}, ${duration(stopNs)} in all, longest ${duration(Math.max(0, ...c.stops))}${c.terminationGreys ? `; the termination stop shaded ${c.terminationGreys} object${c.terminationGreys > 1 ? 's' : ''} (roots rescanned, and what they reach)` : ''}`)}
      {row('steps', `${c.steps} explicit (${duration(c.stepNs)}), ${c.assists} assists (${duration(c.assistNs)})`)}
      {row('scan work', bytes(c.work))}
      {row('time collecting', wall ? `${((100 * (stopNs + c.stepNs + c.assistNs)) / wall).toFixed(1)}%` : '–')}
      {row('spans taken', `${c.spans} (outlined on the heap map)`)}
    </dl>
  );
}
