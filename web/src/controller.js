// The page's controller: one store for the settings and what the panels
// show, the frame loop that runs the mutator and the collector and redraws
// the canvases, the actions behind every control and shortcut, and trace
// replay. Canvases draw straight from the source (the live runtime or a
// replay) each frame; the DOM views render from the store, whose snapshot
// of the source (snapshot.js) is refreshed a few times a second and at
// once after every action.
import { BARRIERS, EVENT, EVENT_KIND } from '#tricolor/layout';
import { createStore } from './store.js';
import { parseParams, toQuery, SCENARIO_DEFAULTS } from './params.js';
import { readTrace, Replay, TraceError } from './trace.js';
import { snapshot } from './snapshot.js';

const SUMMARY_MS = 120;
const FRAME_BUDGET_MS = 10; // mutator and collector work per frame, at most

export function createController(live) {
  const { settings, errors } = parseParams(location.search);
  const store = createStore({
    settings,
    running: settings.run,
    mode: 'live',
    messages: errors.map((e) => ({ kind: 'error', text: `URL: ${e}; using the default instead.` })),
    help: false, // the keyboard shortcuts shown
    selection: null, // { address } of an object, or { span } of a span
    selectedCycle: null,
    replay: null, // { name, count, at, playing, rate, bytes, durationNs, wasm32 }
    fps: { fps: 0, workMs: 0, drawMs: 0 },
    // the source's snapshot (snapshot.js), refreshed by refresh()
    summary: null, barrierLog: null, lesson: null, cycle: null, span: null, inspected: null, sizeClasses: null,
  });
  const drawers = new Set();
  const inspectCache = {};
  let source = live;
  let replay = null;
  let due = 0, last = performance.now(), lastSummary = 0;
  const frames = [];

  function message(kind, text) {
    store.set((s) => ({ messages: [...s.messages.slice(-4), { kind, text }] }));
  }

  function reset(patch = {}) {
    const s = { ...store.get().settings, ...patch };
    live.reset(s);
    source = live;
    replay = null;
    history.replaceState(null, '', toQuery(s));
    refresh(true, { settings: s, mode: 'live', replay: null, selection: null, selectedCycle: null,
      running: patch.run ?? store.get().running });
  }

  function setSetting(key, value) {
    const s = store.get().settings;
    if (key === 'scenario') return reset({ scenario: value, ...SCENARIO_DEFAULTS[value] });
    if (key === 'objects' || key === 'seed' || key === 'collector') return reset({ [key]: value });
    const next = { ...s, [key]: value };
    if (key === 'barrier') live.setBarrier(value);
    if (key === 'gogc') live.setGogc(value);
    history.replaceState(null, '', toQuery(next));
    refresh(true, { settings: next });
  }

  // Runs fn against the live heap, then redraws.
  const act = (fn) => () => {
    if (store.get().mode !== 'live') return;
    fn();
    refresh(true);
  };

  const actions = {
    reset: () => reset(),
    toggleRun: () => {
      if (store.get().mode === 'replay') return replayPlay(!store.get().replay.playing);
      if (!store.get().running && live.done) reset(); // a scenario that has played out starts again
      store.set((s) => ({ running: !s.running }));
      due = 0;
    },
    tick: act(() => live.tick()),
    stepObject: act(() => live.stepObject()),
    stepMark: act(() => live.stepMark()),
    stepPhase: act(() => live.stepPhase()),
    finishCycle: act(() => live.finishCycle()),
    collect: act(() => live.collectNow()),
    setSetting,
    select: (selection) => refresh(true, { selection }),
    selectInSpan,
    selectCycle: (n) => refresh(true, { selectedCycle: n }),
    dismiss: (i) => store.set((s) => ({ messages: s.messages.filter((_, k) => k !== i) })),
    toggleHelp: () => store.set((s) => ({ help: !s.help })),
    closeHelp: () => store.set({ help: false }),
    openTrace,
    replaySeek,
    replayPlay,
    replayStep: (d) => replaySeek(store.get().replay.at + d),
    replayNextPhase,
    backToLive: () => reset(),
  };

  // A span picked on the heap map: select it, and of the collected heap's
  // spans also an object, the one at addr or the next allocated after it.
  function selectInSpan(span, addr) {
    const bits = source.spanBits(addr);
    let address;
    if (bits) {
      const under = Math.floor((addr - bits.base) / bits.objectSize);
      const taken = (i) => (bits.alloc[i >> 5] >>> (i & 31)) & 1;
      for (let i = under, k = 0; k < bits.objects; k++, i = (i + 1) % bits.objects) {
        if (taken(i)) { address = bits.base + i * bits.objectSize; break; }
      }
    }
    refresh(true, { selection: { span, address } });
  }

  // --- trace replay -----------------------------------------------------------------

  async function openTrace(file) {
    if (!file) return;
    try {
      const trace = readTrace(await file.arrayBuffer());
      replay = new Replay(trace);
      source = replay;
      store.set({ mode: 'replay', running: false, selection: null, selectedCycle: null,
        replay: { name: file.name, count: trace.count, at: 0, playing: false, rate: Math.max(50, trace.count / 20),
          bytes: trace.bytes, durationNs: trace.durationNs, wasm32: trace.header.wasm32, workload: trace.header.workload } });
      replaySeek(trace.count); // open at the end: the whole run; the scrubber goes back
      message('info', `Opened ${file.name}: ${trace.count} events of '${trace.header.workload}' (${trace.header.wasm32 ? '32' : '64'}-bit addresses).`);
    } catch (err) {
      const why = err instanceof TraceError ? err.message : `could not read it (${err.message})`;
      message('error', `Trace ${file.name}: ${why}`);
    }
  }

  function replaySeek(k) {
    if (!replay) return;
    replay.seek(k);
    store.set((s) => ({ replay: { ...s.replay, at: replay.at, playing: s.replay.playing && replay.at < replay.trace.count } }));
    refresh(true);
  }

  function replayPlay(playing) {
    if (!replay) return;
    if (playing && replay.at >= replay.trace.count) replay.seek(0);
    store.set((s) => ({ replay: { ...s.replay, playing } }));
    due = 0;
  }

  function replayNextPhase() {
    if (!replay) return;
    const ev = replay.trace.events;
    let k = replay.at;
    while (k < replay.trace.count && ev[k * EVENT.words + EVENT.kind] !== EVENT_KIND.PHASE) k++;
    replaySeek(k + 1);
  }

  // --- the frame loop -----------------------------------------------------------------

  // Reads the source's snapshot into the store, with patch (state the
  // snapshot depends on, such as the selection) in the same change.
  function refresh(force, patch = {}) {
    const now = performance.now();
    if (!force && now - lastSummary < SUMMARY_MS) return;
    lastSummary = now;
    const view = snapshot(source, { ...store.get(), ...patch }, inspectCache);
    controller.timings.snapshot = performance.now() - now;
    const avg = (k) => frames.reduce((x, f) => x + f[k], 0) / Math.max(1, frames.length);
    store.set({ ...patch, ...view, fps: { fps: Math.max(0, frames.length - 1), workMs: avg('workMs'), drawMs: avg('drawMs') } });
  }

  function work(dt) {
    const s = store.get();
    const t0 = performance.now();
    if (s.mode === 'live' && s.running) {
      due = Math.min(due + (s.settings.speed * dt) / 1000, s.settings.speed); // at most a second behind
      while (due >= 1 && performance.now() - t0 < FRAME_BUDGET_MS) {
        live.tick();
        due--;
        if (live.error || live.done) break;
      }
      if (live.error) {
        store.set({ running: false });
        message('error', `The runtime stopped: ${live.error}. Reset to start again.`);
      } else if (live.done) {
        store.set({ running: false });
      }
    } else if (s.mode === 'replay' && s.replay.playing) {
      due += (s.replay.rate * dt) / 1000;
      const n = Math.floor(due);
      due -= n;
      if (n) replaySeek(replay.at + n);
    }
    return performance.now() - t0;
  }

  function frame(now) {
    const dt = Math.min(100, now - last);
    last = now;
    const workMs = work(dt);
    const t1 = performance.now();
    for (const draw of drawers) draw(source, store.get());
    const drawMs = performance.now() - t1;
    frames.push({ now, workMs, drawMs });
    while (frames.length && now - frames[0].now > 1000) frames.shift();
    refresh(false);
    requestAnimationFrame(frame);
  }

  // --- keyboard shortcuts ------------------------------------------------------------

  const keys = {
    ' ': actions.toggleRun, o: actions.stepObject, s: actions.stepMark, p: actions.stepPhase, f: actions.finishCycle,
    c: actions.collect, r: actions.reset, m: actions.tick,
    1: () => setSetting('scenario', 'list'), 2: () => setSetting('scenario', 'tree'), 3: () => setSetting('scenario', 'graph'),
    4: () => setSetting('scenario', 'churn'), 5: () => setSetting('scenario', 'badcase'),
    b: () => setSetting('barrier', BARRIERS[(BARRIERS.indexOf(store.get().settings.barrier) + 1) % BARRIERS.length]),
    ArrowRight: () => (store.get().mode === 'replay' ? actions.replayStep(1) : actions.stepObject()),
    ArrowLeft: () => store.get().mode === 'replay' && actions.replayStep(-1),
    '?': actions.toggleHelp,
    Escape: () => refresh(true, { help: false, selection: null }),
  };

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    const fn = keys[e.key];
    if (fn) { e.preventDefault(); fn(); }
  }

  function start() {
    reset({ run: settings.run });
    addEventListener('keydown', onKey);
    requestAnimationFrame(frame);
  }

  const controller = {
    store, actions, start,
    timings: {}, // milliseconds each canvas took to draw, last frame, and the last snapshot took
    get source() { return source; },
    get live() { return live; },
    addDrawer(fn) { drawers.add(fn); return () => drawers.delete(fn); },
    shortcuts: [
      ['Space', 'run or pause'], ['o / →', 'step one object'], ['s', 'one mark step'], ['p', 'to the next phase'],
      ['f', 'finish the cycle'], ['c', 'collect now (a full cycle)'], ['m', 'one mutator operation'], ['r', 'reset'],
      ['1 … 5', 'scenario'], ['b', 'next barrier mode'], ['?', 'this help'], ['Esc', 'close, clear the selection'],
    ],
  };
  return controller;
}
