// The page's controller: one store for the settings and what the views
// show, the frame loop that runs the mutator and the collector and redraws
// the canvases, and the actions behind every control and shortcut: the
// lessons and their steps, free play, stepping back through the live
// heap's past, allocation by hand, the side-by-side view, the GOGC
// measurement, and trace replay. Canvases draw straight from the source
// (the live runtime, its past, or a replay) each frame; the DOM views
// render from the store, whose snapshot of the source (snapshot.js) is
// refreshed a few times a second and at once after every action.
import { BARRIERS, EVENT, EVENT_KIND } from '#tricolor/layout';
import { createStore } from './store.js';
import { parseParams, toQuery, SCENARIO_DEFAULTS } from './params.js';
import { readTrace, Replay, TraceError } from './trace.js';
import { snapshot } from './snapshot.js';
import { LESSONS, lessonById } from './lessons.js';
import { Compare, compareBeats } from './compare.js';
import { measureGogc, DEFAULT_RUN } from './gogc.js';
import { LiveRuntime } from './runtime.js';

const SUMMARY_MS = 120;
const FRAME_BUDGET_MS = 6; // mutator and collector work per frame, at most

export function createController(live) {
  const parsed = parseParams(location.search);
  const store = createStore({
    view: parsed.view, // 'lessons', 'lesson', 'play', 'compare', 'gogc'
    settings: parsed.settings,
    running: false,
    mode: 'live', // or 'replay'
    lesson: null, // { id, step, count, title, text, status, free, index }
    compare: null, // { scenario, seed, step, count, beat, narration, columns }
    gogc: null, // { state: 'running' | 'done', progress, results, run }
    past: null, // stepping back through the live heap: { at, start, end, lost }
    hand: [], handLast: null,
    messages: parsed.errors.map((e) => ({ kind: 'error', text: `URL: ${e}; using the default instead.` })),
    help: false, // the keyboard shortcuts shown
    selection: null, // { address } of an object, or { span } of a span
    selectedCycle: null,
    replay: null, // { name, count, at, playing, rate, bytes, durationNs, wasm32, version }
    fps: { fps: 0, workMs: 0, drawMs: 0 },
    // the source's snapshot (snapshot.js), refreshed by refresh()
    summary: null, barrierLog: null, verdict: null, cycle: null, span: null, inspected: null, sizeClasses: null,
    status: null, graphNames: null, recording: null,
  });
  const drawers = new Set();
  const inspectCache = {};
  let replay = null; // a trace being replayed
  let past = null; // the live heap's model at an earlier event
  let lessonCtx = null; // what a lesson's steps remember (allocations they made)
  let compare = null;
  let gogcRun = 0;
  let due = 0, last = performance.now(), lastSummary = 0;
  const frames = [];

  const source = () => replay || past || live;

  // A message; one with a key replaces the last one of that key (a trace's
  // messages replace each other, instead of piling up).
  function message(kind, text, key = null) {
    store.set((s) => ({ messages: [...s.messages.filter((m) => !key || m.key !== key).slice(-4), { kind, text, key }] }));
  }

  function setUrl(patch = {}) {
    const s = { ...store.get(), ...patch };
    history.replaceState(null, '', toQuery(s));
  }

  // --- free play ------------------------------------------------------------------------

  function reset(patch = {}) {
    const s = { ...store.get().settings, ...patch };
    live.reset(s);
    replay = null;
    past = null;
    lessonCtx = null;
    const running = patch.run ?? store.get().running;
    setUrl({ view: 'play', settings: s, lesson: null });
    refresh(true, { view: 'play', settings: s, mode: 'live', replay: null, past: null, selection: null, selectedCycle: null,
      lesson: null, running, hand: [], handLast: null });
  }

  function setSetting(key, value) {
    const s = store.get().settings;
    if (key === 'scenario') return reset({ scenario: value, ...SCENARIO_DEFAULTS[value] });
    if (key === 'objects' || key === 'seed' || key === 'collector') return reset({ [key]: value });
    const next = { ...s, [key]: value };
    if (key === 'barrier') live.setBarrier(value);
    if (key === 'gogc') live.setGogc(value);
    if (!store.get().lesson?.free) setUrl({ settings: next });
    refresh(true, { settings: next });
    return undefined;
  }

  // Runs fn against the live heap (returning to now first, when looking at
  // the past), then redraws.
  const act = (fn) => (...args) => {
    if (store.get().mode !== 'live') return undefined;
    if (past) returnToNow();
    const out = fn(...args);
    refresh(true);
    return out;
  };

  // --- lessons ------------------------------------------------------------------------------

  // Opens lesson `id` at `step`: from a fresh heap, every step up to it again.
  function openLesson(id, step = 0, { free = false } = {}) {
    const l = lessonById(id);
    if (!l) return;
    step = Math.max(0, Math.min(step, l.steps.length - 1));
    live.reset({ ...l.setup }, { beats: l.beats });
    replay = null;
    past = null;
    lessonCtx = {};
    for (let i = 0; i <= step; i++) runLessonStep(l, i);
    showLesson(l, step, free);
  }

  function runLessonStep(l, i) {
    try {
      l.steps[i].run?.(live, lessonCtx);
    } catch (err) {
      live.error = err.message || String(err);
    }
    live.poll();
    live.recorder.markStep();
  }

  function showLesson(l, step, free) {
    const index = LESSONS.indexOf(l);
    let text;
    try {
      text = l.steps[step].say(live, lessonCtx);
    } catch (err) {
      text = `(this step could not be described: ${err.message})`;
    }
    if (live.error) message('error', `The runtime stopped: ${live.error}.`);
    const lesson = { id: l.id, step, count: l.steps.length, title: l.title, text, free, index, beat: l.steps[step].beat ?? null,
      who: l.steps[step].who ?? null, panels: l.panels, invariants: l.status === 'invariants' };
    const view = free ? 'play' : 'lesson';
    setUrl({ view, lesson });
    refresh(true, { view, lesson, settings: { ...l.setup }, mode: 'live', replay: null, past: null, running: false,
      selection: null, selectedCycle: null, hand: [...live.hand], handLast: live.hand[live.hand.length - 1] ?? null });
  }

  function lessonNext() {
    const cur = store.get().lesson;
    if (!cur || cur.free) return;
    const l = lessonById(cur.id);
    if (cur.step >= l.steps.length - 1) return;
    if (past) returnToNow();
    runLessonStep(l, cur.step + 1);
    showLesson(l, cur.step + 1, false);
  }

  function lessonBack() {
    const cur = store.get().lesson;
    if (!cur || cur.free || cur.step === 0) return;
    openLesson(cur.id, cur.step - 1);
  }

  // Free play from the lesson's step: the same heap, every control.
  function lessonFree() {
    const cur = store.get().lesson;
    if (!cur) return;
    showLesson(lessonById(cur.id), cur.step, true);
  }

  function showView(view) {
    if (view === store.get().view && view !== 'play') return;
    stopGogc();
    if (view === 'play') {
      if (store.get().view === 'lesson') return lessonFree();
      if (store.get().view !== 'play') reset();
      return undefined;
    }
    if (view === 'compare') return openCompare(store.get().compare?.scenario || 'badcase', 0, store.get().settings.seed);
    store.set({ view, running: false });
    setUrl({ view });
    if (view === 'gogc' && !store.get().gogc) store.set({ gogc: { state: 'idle', progress: 0, results: null, run: DEFAULT_RUN } });
    return undefined;
  }

  // --- stepping back through the live heap ------------------------------------------------

  function seekPast(k) {
    const rec = live.recorder;
    if (store.get().mode !== 'live' || rec.off) {
      if (rec.off) message('info', `Stepping back is off for this heap: ${rec.lost}.`, 'past');
      return;
    }
    if (k >= rec.end) { returnToNow(); return; }
    past = rec.seek(Math.max(rec.start, k));
    store.set({ running: false });
    refresh(true, { past: { at: past.at, start: rec.start, end: rec.end, lost: rec.lost } });
  }

  const pastAt = () => (past ? past.at : live.recorder.end);
  function returnToNow() {
    past = null;
    refresh(true, { past: null });
  }

  // --- allocation by hand -----------------------------------------------------------------

  function handAlloc(size, kind, count = 1) {
    if (store.get().mode !== 'live') return;
    if (past) returnToNow();
    let record = null;
    try {
      for (let i = 0; i < count; i++) {
        const r = live.handAlloc(size, kind);
        if (!r) { message('error', `Out of memory: ${size} bytes (${kind}) could not be allocated.`, 'hand'); break; }
        record = r;
      }
    } catch (err) {
      message('error', `By hand: ${err.message}.`, 'hand');
    }
    refresh(true, { hand: [...live.hand], handLast: record ?? store.get().handLast });
  }

  function handFree(id) {
    if (store.get().mode !== 'live') return;
    if (past) returnToNow();
    live.handFree(id);
    refresh(true, { hand: [...live.hand] });
  }

  function releaseIdle() {
    if (store.get().mode !== 'live') return;
    if (past) returnToNow();
    const bytes = live.releaseIdle();
    message('info', `Released ${bytes.toLocaleString('en')} bytes of idle memory (every free page of the page heap).`, 'release');
    refresh(true);
  }

  // --- side by side ---------------------------------------------------------------------------

  function openCompare(scenario = 'badcase', step = 0, seed = 1) {
    stopGogc();
    compare ??= new Compare(() => new LiveRuntime(live.tri));
    compare.reset(scenario, seed);
    compare.goTo(step);
    showCompare();
  }

  function showCompare() {
    const beats = compareBeats(compare.scenario);
    const done = beats[compare.at - 1];
    const narration = compare.at === 0
      ? (compare.scenario === 'badcase'
        ? 'root → A → B → C → D, and B → E, on four heaps, one per barrier; each Next plays the same beat on all four.'
        : `A random graph of 12 objects, seed ${compare.seed}, on four heaps; each Next plays the same mutator operation and one collector step on all four.`)
      : `${done.who === 'mutator' ? 'The mutator' : done.who === 'both' ? 'The mutator, then the collector' : 'The collector'}: ${done.what}.`;
    const c = { scenario: compare.scenario, seed: compare.seed, step: compare.at, count: beats.length, narration,
      next: beats[compare.at] ? beats[compare.at].what : null, columns: compare.columns() };
    setUrl({ view: 'compare', compare: c });
    store.set({ view: 'compare', compare: c, running: false });
  }

  const compareActions = {
    next: () => { if (compare?.next()) showCompare(); },
    back: () => { if (compare && compare.at > 0) { compare.goTo(compare.at - 1); showCompare(); } },
    restart: () => openCompare(compare?.scenario || 'badcase', 0, compare?.seed || 1),
    scenario: (s) => openCompare(s, 0, compare?.seed || 1),
    seed: (seed) => openCompare(compare?.scenario || 'graph', 0, seed),
  };

  // --- what GOGC costs ----------------------------------------------------------------------

  function stopGogc() { gogcRun++; }

  async function measure(run = DEFAULT_RUN) {
    const id = ++gogcRun;
    store.set({ gogc: { state: 'running', progress: 0, results: [], run } });
    try {
      const results = await measureGogc(live.tri, { ...run,
        onProgress: (progress, partial) => { if (id === gogcRun) store.set({ gogc: { state: 'running', progress, results: [...partial], run } }); },
        yieldFn: () => new Promise((r) => setTimeout(r, 0)),
        isCancelled: () => id !== gogcRun });
      if (results && id === gogcRun) store.set({ gogc: { state: 'done', progress: 1, results, run } });
    } catch (err) {
      if (id === gogcRun) store.set({ gogc: { state: 'error', progress: 0, results: null, run, error: err.message } });
    }
  }

  // --- trace replay -----------------------------------------------------------------

  async function openTrace(file) {
    if (!file) return;
    try {
      const trace = readTrace(await file.arrayBuffer());
      replay = new Replay(trace);
      past = null;
      store.set({ view: 'play', mode: 'replay', running: false, selection: null, selectedCycle: null, past: null,
        replay: { name: file.name, count: trace.count, at: 0, playing: false, rate: Math.max(50, trace.count / 20),
          bytes: trace.bytes, durationNs: trace.durationNs, wasm32: trace.header.wasm32, workload: trace.header.workload,
          version: trace.header.version } });
      replaySeek(trace.count); // open at the end: the whole run; the scrubber goes back
      message('info', `Opened ${file.name}: ${trace.count} events of '${trace.header.workload}' (${trace.header.wasm32 ? '32' : '64'}-bit addresses, trace version ${trace.header.version}).`, 'trace');
    } catch (err) {
      const why = err instanceof TraceError ? err.message : `could not read it (${err.message})`;
      message('error', `Trace ${file.name}: ${why}`, 'trace');
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

  function backToLive() {
    replay = null;
    const { lesson } = store.get();
    if (lesson?.free) { refresh(true, { mode: 'live', replay: null }); return; }
    reset();
  }

  // --- the actions ---------------------------------------------------------------------

  const actions = {
    reset: () => {
      const l = store.get().lesson;
      if (l && store.get().view === 'lesson') openLesson(l.id, 0);
      else reset();
    },
    toggleRun: () => {
      const s = store.get();
      if (s.mode === 'replay') return replayPlay(!s.replay.playing);
      if (s.view !== 'play') return undefined;
      if (past) returnToNow();
      if (!s.running && live.done) reset(); // a scenario that has played out starts again
      store.set((x) => ({ running: !x.running }));
      due = 0;
      return undefined;
    },
    tick: act(() => live.tick()),
    stepObject: act(() => live.stepObject()),
    stepMark: act(() => live.stepMark()),
    stepPhase: act(() => live.stepPhase()),
    finishCycle: act(() => live.finishCycle()),
    collect: act(() => live.collectNow()),
    setSetting,
    showView,
    select: (selection) => refresh(true, { selection }),
    selectInSpan,
    selectCycle: (n) => refresh(true, { selectedCycle: n }),
    dismiss: (i) => store.set((s) => ({ messages: s.messages.filter((_, k) => k !== i) })),
    toggleHelp: () => store.set((s) => ({ help: !s.help })),
    closeHelp: () => store.set({ help: false }),
    // lessons
    openLesson, lessonNext, lessonBack, lessonFree,
    lessonsIndex: () => showView('lessons'),
    // the past
    stepBack: () => seekPast(live.recorder.stepBefore(pastAt())),
    stepForward: () => past && seekPast(live.recorder.stepAfter(past.at)),
    eventBack: () => seekPast(pastAt() - 1),
    eventForward: () => past && seekPast(past.at + 1),
    seekPast,
    returnToNow,
    // by hand
    handAlloc, handFree, releaseIdle,
    // side by side, GOGC
    compare: compareActions,
    measureGogc: measure,
    // replay
    openTrace,
    replaySeek,
    replayPlay,
    replayStep: (d) => replaySeek(store.get().replay.at + d),
    replayNextPhase,
    backToLive,
  };

  // A span picked on the heap map: select it, and of the collected heap's
  // spans also an object, the one at addr or the next allocated after it.
  function selectInSpan(span, addr) {
    const bits = source().spanBits(addr);
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

  // --- the frame loop -----------------------------------------------------------------

  // Reads the source's snapshot into the store, with patch (state the
  // snapshot depends on, such as the selection) in the same change.
  function refresh(force, patch = {}) {
    const now = performance.now();
    if (!force && now - lastSummary < SUMMARY_MS) return;
    lastSummary = now;
    const state = { ...store.get(), ...patch };
    const avg = (k) => frames.reduce((x, f) => x + f[k], 0) / Math.max(1, frames.length);
    const fps = { fps: Math.max(0, frames.length - 1), workMs: avg('workMs'), drawMs: avg('drawMs') };
    if (state.view === 'compare' || state.view === 'lessons' || state.view === 'gogc') {
      store.set({ ...patch, fps });
      return;
    }
    const view = snapshot(source(), state, inspectCache);
    controller.timings.snapshot = performance.now() - now;
    const rec = live.recorder;
    const pastInfo = past ? { at: past.at, start: rec.start, end: rec.end, lost: rec.lost } : null;
    const recording = state.mode === 'live' ? { start: rec.start, end: rec.end, lost: rec.lost, off: !!rec.off } : null;
    store.set({ ...patch, ...view, past: pastInfo, recording, fps });
  }

  function work(dt) {
    const s = store.get();
    const t0 = performance.now();
    if (s.mode === 'live' && s.running && s.view === 'play' && !past) {
      due = Math.min(due + (s.settings.speed * dt) / 1000, s.settings.speed); // at most a second behind
      while (due >= 1 && performance.now() - t0 < FRAME_BUDGET_MS) {
        live.tick();
        due--;
        if (live.error || live.done) break;
      }
      if (live.error) {
        store.set({ running: false });
        message('error', `The runtime stopped: ${live.error}. Reset to start again.`, 'runtime');
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
    const state = store.get();
    for (const draw of drawers) draw(source(), state);
    const drawMs = performance.now() - t1;
    frames.push({ now, workMs, drawMs });
    while (frames.length && now - frames[0].now > 1000) frames.shift();
    refresh(false);
    requestAnimationFrame(frame);
  }

  // --- keyboard shortcuts ------------------------------------------------------------

  const inLesson = () => store.get().view === 'lesson';
  const inCompare = () => store.get().view === 'compare';
  const keys = {
    ' ': actions.toggleRun, o: actions.stepObject, s: actions.stepMark, p: actions.stepPhase, f: actions.finishCycle,
    c: actions.collect, r: actions.reset, m: actions.tick,
    1: () => setSetting('scenario', 'list'), 2: () => setSetting('scenario', 'tree'), 3: () => setSetting('scenario', 'graph'),
    4: () => setSetting('scenario', 'churn'), 5: () => setSetting('scenario', 'badcase'), 6: () => setSetting('scenario', 'hand'),
    b: () => setSetting('barrier', BARRIERS[(BARRIERS.indexOf(store.get().settings.barrier) + 1) % BARRIERS.length]),
    ArrowRight: () => {
      if (inLesson()) return lessonNext();
      if (inCompare()) return compareActions.next();
      if (store.get().mode === 'replay') return actions.replayStep(1);
      return past ? actions.eventForward() : actions.stepObject();
    },
    ArrowLeft: () => {
      if (inLesson()) return lessonBack();
      if (inCompare()) return compareActions.back();
      if (store.get().mode === 'replay') return actions.replayStep(-1);
      return actions.eventBack();
    },
    ',': () => actions.stepBack(),
    '.': () => actions.stepForward(),
    n: () => (inLesson() ? lessonNext() : inCompare() ? compareActions.next() : undefined),
    '?': actions.toggleHelp,
    Escape: () => refresh(true, { help: false, selection: null }),
  };
  const playOnly = new Set(['o', 's', 'p', 'f', 'c', 'm', 'b', ' ', '1', '2', '3', '4', '5', '6']);

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    const fn = keys[e.key];
    if (!fn) return;
    if (playOnly.has(e.key) && store.get().view !== 'play') return;
    e.preventDefault();
    fn();
  }

  function start() {
    const s = store.get();
    if (parsed.lesson) openLesson(parsed.lesson.id, parsed.lesson.step, { free: parsed.lesson.free });
    else if (s.view === 'compare') { live.reset(s.settings); openCompare(parsed.compare.scenario, parsed.compare.step, parsed.compare.seed); }
    else if (s.view === 'play') reset({ run: s.settings.run });
    else { live.reset(s.settings); showView(s.view); refresh(true); }
    addEventListener('keydown', onKey);
    requestAnimationFrame(frame);
  }

  const controller = {
    store, actions, start,
    timings: {}, // milliseconds each canvas took to draw, last frame, and the last snapshot took
    get source() { return source(); },
    get live() { return live; },
    get compare() { return compare; },
    get lessonContext() { return lessonCtx; },
    addDrawer(fn) { drawers.add(fn); return () => drawers.delete(fn); },
    shortcuts: [
      ['→ / ←', 'next / back: a lesson\'s step, a side-by-side beat; in free play, one object / one event back'],
      [', / .', 'in free play: back / forward one action through the heap\'s past'],
      ['Space', 'run or pause'], ['o', 'step one object'], ['s', 'one mark step'], ['p', 'to the next phase'],
      ['f', 'finish the cycle'], ['c', 'collect now (a full cycle)'], ['m', 'one mutator operation'], ['r', 'reset'],
      ['1 … 6', 'scenario'], ['b', 'next barrier mode'], ['?', 'this help'], ['Esc', 'close, clear the selection'],
    ],
  };
  return controller;
}
