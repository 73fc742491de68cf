// The DOM panels: barrier log, statistics, size classes, inspector, the
// lesson of the barriers, messages and help: functions of the store's
// state (the snapshot the controller refreshes a few times a second), and
// one canvas, the heap chart.
import { COLORS, EVENTS, LEVELS, PAGE_SIZE } from '#tricolor/layout';
import { useCanvas, label } from './canvas.jsx';
import { OBJECT_CSS, SERIES, GC_LEVELS, hex, bytes, duration } from '../palette.js';

function ColourWord({ colour }) {
  const i = COLORS.indexOf(colour);
  return <span class="colour-word"><span class={`swatch obj-${colour}`} style={{ background: OBJECT_CSS[i] }} />{colour}</span>;
}

// --- barrier log -----------------------------------------------------------------------

export function BarrierLog({ actions, log }) {
  if (!log) return null;
  const { rows, notes, storesOutside } = log;
  return (
    <div class="log" data-view="barriers">
      {notes.length > 0 && <ul class="notes">{notes.map((n) => <li>{n.text}</li>)}</ul>}
      {rows.length === 0 && (log.mode === 'none'
        ? <p class="hint">Barrier none: stores while the collector marks go straight to memory, and nothing is shaded.</p>
        : <p class="hint">No store has met the barrier yet: it works only while a cycle marks. Step into a cycle while the mutator runs.</p>)}
      <table>
        {rows.length > 0 && <thead><tr><th>#</th><th>store</th><th>old → new</th><th>mode</th><th>what the barrier did</th></tr></thead>}
        <tbody>
          {rows.map((b, k) => (
            <tr class={k === 0 ? 'latest' : ''} onClick={() => actions.select({ address: b.slot })} data-shaded={b.shaded ? '1' : '0'}>
              <td>{b.index}</td><td>{b.store}</td><td>{b.old} → {b.value}</td><td>{b.mode}</td>
              <td class={b.shaded ? 'shaded' : 'nothing'}>{b.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {storesOutside > 0 && <p class="hint">{storesOutside.toLocaleString('en')} pointer stores outside marking: no barrier needed, each recorded in the event stream (the graph of a replay, and stepping back, are built from them).</p>}
    </div>
  );
}

// --- the verdict on the bad case ----------------------------------------------------------

export function Verdict({ verdict: l }) {
  if (!l) return null;
  if (l.kind === 'violation') {
    return (
      <div class="verdict bad" role="alert" data-verdict="violation">
        <strong>The verifier found {l.count === 1 ? 'a violation' : `${l.count} violations`} of the tri-color invariant</strong>{' '}
        at mark termination of cycle {l.cycle}: <b>{l.object}</b> (black) → <b>{l.target}</b> (white), through {l.slot}:{' '}
        “{l.reason}”. {l.target} is reachable but was never marked, because with barrier <b>{l.barrier}</b> nothing shaded it
        when the mutator stored it into a black object and deleted its last path from a grey one.{' '}
        {l.freed
          ? <span data-freed="1">Sweeping has now <b>freed {l.target} while it is still reachable</b>: {l.object} points at freed memory.</span>
          : <span>The sweep will free it though it is reachable: step on to see it go.</span>}
      </div>
    );
  }
  return (
    <div class="verdict good" data-verdict="safe">
      <strong>No violation with barrier {l.barrier}.</strong>{' '}
      {l.shadedAs ? <>The barrier shaded C when the mutator {l.shadedAs === 'new' ? 'stored it into A (the new value)' : 'deleted it from B (the old value)'}, so C and what it reaches were marked.</>
        : 'C stayed marked.'}{' '}
      Try barrier none to see what the barrier prevents.
    </div>
  );
}

// --- statistics --------------------------------------------------------------------------

function Bars({ values, names, total }) {
  const sum = total ?? values.reduce((x, y) => x + y, 0);
  const colours = SERIES.levels;
  return (
    <table class="bars">
      <tbody>
        {values.map((v, i) => (
          <tr>
            <th>{names[i]}</th>
            <td class="num">{v.toLocaleString('en')}</td>
            <td class="num">{sum ? `${((100 * v) / sum).toFixed(1)}%` : '–'}</td>
            <td class="bar"><span style={{ width: `${sum ? (100 * v) / sum : 0}%`, background: colours[i] }} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function StatsFigures({ summary: s }) {
  if (!s) return null;
  const fig = (label, value, key) => <div class="fig" data-stat={key}><span>{label}</span><b>{value}</b></div>;
  return (
    <div class="figures">
      {fig('phase', s.phase, 'phase')}
      {fig('cycles', s.cycles, 'cycles')}
      {fig('objects', s.objects.toLocaleString('en'), 'objects')}
      {fig('heap live', bytes(s.heapLive), 'live')}
      {fig('marked last cycle', bytes(s.heapMarked), 'marked')}
      {fig('goal', bytes(s.heapGoal), 'goal')}
      {fig('heap in spans', bytes(s.heapSpans), 'spans')}
      {fig('time collecting', `${(100 * s.gcShare).toFixed(1)}%`, 'gcshare')}
      {fig('stops p50 / p99 / max', `${duration(s.stops.p50)} / ${duration(s.stops.p99)} / ${duration(s.stops.max)}`, 'stops')}
      {fig('steps p50 / p99 / max', `${duration(s.steps.p50)} / ${duration(s.steps.p99)} / ${duration(s.steps.max)}`, 'steps')}
      {fig('barrier', s.barrier + (s.pendingBarrier ? ` (→ ${s.pendingBarrier} after this cycle)` : ''), 'barrier')}
      {s.memory && fig('linear memory', bytes(s.memory.bytes), 'memory')}
      {s.kind === 'replay' && fig('event', `${s.event.toLocaleString('en')} of ${s.events.toLocaleString('en')}`, 'event')}
    </div>
  );
}

export function Served({ summary: s }) {
  if (!s || !s.served) {
    return <p class="hint">{s?.kind === 'past' ? 'How allocations were served is counted by the live heap: return to now to see it.'
      : 'A trace does not record how allocations were served.'}</p>;
  }
  return (
    <div class="served">
      <h4>This heap's allocations, served by</h4>
      <Bars values={s.served} names={GC_LEVELS} />
      <h4>All of the module's mallocs, served by</h4>
      <Bars values={s.mallocServed} names={LEVELS} />
    </div>
  );
}

// Heap live, goal and bytes in spans over time.
export function HeapChart({ controller }) {
  const draw = (canvas, source) => {
    const ctx = canvas.getContext('2d');
    const W = canvas.width, H = canvas.height, pad = 34;
    ctx.clearRect(0, 0, W, H);
    const samples = source.samples;
    if (samples.length < 2) return;
    const t0 = samples[0].t, t1 = samples[samples.length - 1].t || 1;
    let max = 1;
    for (const s of samples) max = Math.max(max, s.spans, s.live, Number.isFinite(s.goal) ? s.goal : 0);
    const X = (t) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (W - pad - 6);
    const Y = (v) => H - 16 - (v / max) * (H - 26);
    ctx.strokeStyle = '#d7dde4';
    ctx.fillStyle = '#5b6470';
    ctx.font = '10px system-ui, sans-serif';
    for (let k = 0; k <= 2; k++) {
      const v = (max * k) / 2;
      ctx.beginPath(); ctx.moveTo(pad, Y(v)); ctx.lineTo(W, Y(v)); ctx.stroke();
      label(ctx, bytes(Math.round(v)), 0, Y(v) + 3);
    }
    const line = (key, colour, dash) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.6;
      ctx.setLineDash(dash);
      ctx.beginPath();
      let started = false;
      for (const s of samples) {
        const v = s[key];
        if (!Number.isFinite(v)) { started = false; continue; }
        if (started) ctx.lineTo(X(s.t), Y(v)); else { ctx.moveTo(X(s.t), Y(v)); started = true; }
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line('spans', SERIES.spans, [2, 2]);
    line('goal', SERIES.goal, [6, 3]);
    line('live', SERIES.live, []);
    ctx.fillStyle = '#5b6470';
    label(ctx, `${duration(t1 - t0)} shown`, W - 2, H - 3, 'right');
  };
  const ref = useCanvas(controller, draw, { height: 150 });
  return (
    <div>
      <div class="canvas-box"><canvas ref={ref} data-view="chart" aria-label="Heap live, goal and bytes in spans over time" /></div>
      <ul class="legend inline">
        <li><span class="line" style={{ borderColor: SERIES.live }} />heap live</li>
        <li><span class="line dashed" style={{ borderColor: SERIES.goal }} />goal</li>
        <li><span class="line dotted" style={{ borderColor: SERIES.spans }} />bytes in spans</li>
      </ul>
    </div>
  );
}

export function SizeClasses({ table, all, mark }) {
  if (!table) return null;
  const { rows, largeSpans, largeBytes } = table;
  const shown = all ? rows : rows.filter((r) => r.spans || r.sizeClass === mark);
  return (
    <div class="table-box" data-view="sizeclasses">
      <table class="sizeclasses">
        <thead>
          <tr><th>class</th><th>bytes</th><th>pages</th><th>objects / span</th><th>tail waste</th><th>spans (scan)</th>
            <th>objects in use</th><th>occupancy</th></tr>
        </thead>
        <tbody>
          {shown.map((r) => {
            const cap = r.spans * r.objects;
            return (
              <tr class={r.sizeClass === mark ? 'marked' : ''} data-class={r.sizeClass}>
                <td>{r.sizeClass}</td><td>{r.size}</td><td>{r.pages}</td><td>{r.objects}</td>
                <td>{r.tailWaste} B ({((100 * r.tailWaste) / (r.pages * PAGE_SIZE)).toFixed(1)}%)</td>
                <td>{r.spans} ({r.scanSpans})</td><td>{r.allocated}</td>
                <td class="bar occupancy" data-occupancy={cap ? ((100 * r.allocated) / cap).toFixed(0) : ''}>
                  <span class="track"><span class="fill" style={{ width: `${cap ? (100 * r.allocated) / cap : 0}%` }} /></span>
                  {cap ? `${((100 * r.allocated) / cap).toFixed(0)}%` : '–'}
                </td>
              </tr>
            );
          })}
          {shown.length === 0 && <tr><td colSpan={8} class="hint">No spans yet.</td></tr>}
        </tbody>
      </table>
      <p class="hint">Large objects: {largeSpans} ({bytes(largeBytes)}). Tail waste is the end of a span too small for one more object; Go's classes keep it under 12.5%.</p>
    </div>
  );
}

export function EventCounts({ summary }) {
  if (!summary) return null;
  return (
    <p class="counts">
      {summary.counts.map((n, i) => (n ? <span>{EVENTS[i]} {n.toLocaleString('en')}</span> : null))}
      {summary.dropped ? <span>dropped {summary.dropped}</span> : null}
    </p>
  );
}

// --- the inspector -------------------------------------------------------------------------

export function Inspector({ actions, inspected }) {
  if (!inspected) return <p class="hint">Click an object in the span view, the graph or a span's detail, or a row of the barrier log.</p>;
  const o = inspected.info;
  if (!o) return <p class="hint" data-inspector="none">{hex(inspected.address)} is not an object (any more): it was freed or never allocated.</p>;
  const select = (a) => actions.select({ address: a });
  const link = (a, text) => <a href="#" onClick={(e) => { e.preventDefault(); select(a); }}>{text}</a>;
  return (
    <div class="inspector" data-inspector={o.address}>
      <dl>
        <dt>object</dt><dd>{o.label ? `${o.label}, ` : ''}{hex(o.address)}</dd>
        <dt>size</dt><dd>{o.size} bytes{o.span?.sizeclass ? `, size class ${o.span.sizeclass}` : ', a large object'}</dd>
        <dt>colour</dt><dd><ColourWord colour={o.colour} /></dd>
        {o.span && <><dt>span</dt><dd><a href="#" onClick={(e) => { e.preventDefault(); actions.select({ span: o.span.base, address: o.address }); }}>{hex(o.span.base)}</a>, {o.span.pages} page{o.span.pages > 1 ? 's' : ''}, object {o.index} of {o.span.objects}</dd></>}
      </dl>
      {o.pointers === null ? <p class="hint">This trace does not record pointer stores (version 1): no pointers or path.</p> : (
        <>
          <h4>Pointers ({o.pointers.length})</h4>
          {o.pointers.length === 0 ? <p class="hint">None: {o.span?.noscan ? 'a pointer-free (noscan) object, never scanned' : 'every slot is null'}.</p> : (
            <ul class="pointers">
              {o.pointers.slice(0, 32).map((p) => (
                <li><b>{p.field ?? hex(p.slot)}</b> → {p.target ? <>{link(p.target, hex(p.target))} <ColourWord colour={p.colour} /></> : 'null'}</li>
              ))}
              {o.pointers.length > 32 && <li>… {o.pointers.length - 32} more</li>}
            </ul>
          )}
          <h4>Kept alive by</h4>
          {o.path ? (
            <ol class="path" data-path-length={o.path.length}>
              {o.path.map((p, i) => (
                <li>{i === 0 ? (p.rootName || 'a root') : <>.{p.field}</>} → {link(p.object, p.name || hex(p.object))}</li>
              ))}
            </ol>
          ) : <p class="hint" data-path="none">Nothing: {o.rootsScanned ? 'no root the last root scan found reaches it' : 'no root reaches it'}. It is garbage; the next sweep after a mark frees it.</p>}
        </>
      )}
    </div>
  );
}

// --- messages and help ---------------------------------------------------------------------

export function Messages({ actions, messages }) {
  if (!messages.length) return null;
  return (
    <div class="messages">
      {messages.map((m, i) => (
        <div class={`message ${m.kind}`} role={m.kind === 'error' ? 'alert' : 'status'} data-message={m.kind} data-key={m.key || ''}>
          <span>{m.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => actions.dismiss(i)}>×</button>
        </div>
      ))}
    </div>
  );
}

export function Help({ actions, shortcuts, open }) {
  if (!open) return null;
  return (
    <div class="help" role="dialog" aria-label="Keyboard shortcuts">
      <h3>Keyboard shortcuts</h3>
      <table>{shortcuts.map(([k, what]) => <tr><th><kbd>{k}</kbd></th><td>{what}</td></tr>)}</table>
      <button type="button" onClick={actions.closeHelp}>Close</button>
    </div>
  );
}
