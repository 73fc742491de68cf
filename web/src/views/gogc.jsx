// What GOGC costs: memory against collector time over GOGC values,
// measured on the runtime (gogc.js), plotted as the Go GC guide plots its
// model: each GOGC a point, peak heap across, the collector's share of the
// time up; and the figures in a table.
import { useCanvas, label } from './canvas.jsx';
import { SERIES, INK, bytes, duration } from '../palette.js';

// 1, 2 or 5 times a power of ten, at least x.
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((k) => k * p).find((v) => v >= x);
}

export function GogcView({ controller, gogc }) {
  const g = gogc || { state: 'idle', results: null, progress: 0, run: null };
  const draw = (canvas, source, state) => {
    const results = state.gogc?.results;
    const ctx = canvas.getContext('2d');
    const W = canvas.width, H = canvas.height, left = 54, bottom = 34, top = 12, right = 16;
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    if (!results?.length) {
      ctx.fillStyle = '#5b6470';
      label(ctx, 'Measure to plot memory against collector time, a point per GOGC.', left, H / 2);
      return;
    }
    const maxX = Math.max(...results.map((r) => r.peakBytes)) * 1.08;
    const stepY = niceStep(Math.max(0.01, ...results.map((r) => r.gcShare)) / 4);
    const maxY = stepY * Math.ceil((Math.max(...results.map((r) => r.gcShare)) * 1.1) / stepY);
    const X = (v) => left + (v / maxX) * (W - left - right);
    const Y = (v) => H - bottom - (v / maxY) * (H - bottom - top);
    ctx.strokeStyle = '#d7dde4';
    ctx.fillStyle = '#5b6470';
    for (let v = 0; v <= maxY + 1e-9; v += stepY) {
      const y = Y(v);
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(W - right, y); ctx.stroke();
      label(ctx, `${(100 * v).toFixed(stepY < 0.01 ? 1 : 0)}%`, left - 4, y + 4, 'right');
    }
    for (let k = 0; k <= 4; k++) label(ctx, bytes(Math.round((maxX * k) / 4)), X((maxX * k) / 4), H - bottom + 14, 'center');
    // the live heap: what every GOGC must hold at least; GOGC decides how far above it the heap may run
    const live = results.reduce((x, r) => x + r.marked, 0) / results.length;
    ctx.strokeStyle = SERIES.live;
    ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.moveTo(X(live), top); ctx.lineTo(X(live), H - bottom); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = INK;
    label(ctx, `live heap ${bytes(Math.round(live))}`, X(live) + 4, top + 10);
    label(ctx, 'peak heap (bytes in spans)', (left + W - right) / 2, H - 4, 'center');
    ctx.save();
    ctx.translate(11, (top + H - bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('time collecting', -36, 0);
    ctx.restore();
    ctx.strokeStyle = SERIES.spans;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    results.forEach((r, i) => (i ? ctx.lineTo(X(r.peakBytes), Y(r.gcShare)) : ctx.moveTo(X(r.peakBytes), Y(r.gcShare))));
    ctx.stroke();
    for (const r of results) {
      ctx.fillStyle = INK;
      ctx.beginPath();
      ctx.arc(X(r.peakBytes), Y(r.gcShare), 4, 0, 2 * Math.PI);
      ctx.fill();
      label(ctx, `GOGC ${r.gogc}`, X(r.peakBytes) + 6, Y(r.gcShare) - 6);
    }
  };
  const ref = useCanvas(controller, draw, { height: 300 });
  const running = g.state === 'running';
  return (
    <section class="gogc" data-view="gogc" aria-labelledby="gogc-title">
      <h2 id="gogc-title">What GOGC costs</h2>
      <p>
        GOGC sets the heap goal at GOGC percent over what the last cycle found live: a higher value lets the heap grow
        further between cycles, so the collector runs less often and takes less of the time, for more memory. Here the
        trade is measured on the runtime rather than modelled: for each GOGC a fresh heap keeps{' '}
        {(g.run?.objects ?? 20000).toLocaleString('en')} live objects of the churn mutator and runs{' '}
        {(g.run?.operations ?? 400000).toLocaleString('en')} operations under the runtime's own pacer.
      </p>
      <div class="gogc-controls">
        <button type="button" class="primary" name="measure" disabled={running} onClick={() => controller.actions.measureGogc(g.run || undefined)}>
          {g.results?.length && !running ? 'Measure again' : 'Measure'}
        </button>
        {running && <progress max="1" value={g.progress} aria-label="measuring" />}
        {g.state === 'error' && <span class="message error" role="alert">The measurement stopped: {g.error}</span>}
      </div>
      <div class="canvas-box"><canvas ref={ref} data-view="gogc-plot" aria-label="Peak heap against the share of time spent collecting, a point per GOGC" /></div>
      {g.results?.length > 0 && (
        <table class="gogc-table" data-state={g.state}>
          <thead><tr><th>GOGC</th><th>peak heap</th><th>mean heap</th><th>cycles</th><th>time collecting</th><th>of the run's time</th></tr></thead>
          <tbody>
            {g.results.map((r) => (
              <tr data-gogc={r.gogc}>
                <td>{r.gogc}</td><td data-peak={r.peakBytes}>{bytes(r.peakBytes)}</td><td>{bytes(Math.round(r.meanBytes))}</td>
                <td data-cycles={r.cycles}>{r.cycles}</td><td>{duration(r.gcNs)}</td><td>{(100 * r.gcShare).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">
        Memory is deterministic (the same program, the same heap); time is this machine's, now, and varies from run to run.
        Go's GC guide draws the same curve from a model; its memory limit bends it where the limit bites.
      </p>
    </section>
  );
}
