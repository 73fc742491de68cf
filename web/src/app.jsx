// The page: the views' tabs, then the view: the lessons' index, a lesson
// (its bar, then the views it names), free play (the controls, stepping
// back, then every view, the object graph first while the heap is small),
// the barriers side by side, or what GOGC costs. The DOM views are
// functions of the controller's store, read here in one place; the
// canvases draw themselves each frame.
import { useStore } from './views/useStore.js';
import { SCENARIO_INFO } from './scenarios.js';
import { GRAPH_MAX } from './model.js';
import { Controls, Nav, PastBar, TracePanel } from './views/controls.jsx';
import { HeapMap, PageLegend } from './views/HeapMap.jsx';
import { SpanView, SpanDetail, ObjectLegend } from './views/SpanView.jsx';
import { ObjectGraph, GraphNames } from './views/ObjectGraph.jsx';
import { Timeline, CycleBars, CycleDetail } from './views/Pacing.jsx';
import {
  BarrierLog, Verdict, StatsFigures, Served, HeapChart, SizeClasses, EventCounts, Inspector, Messages, Help,
} from './views/panels.jsx';
import { LessonIndex, LessonBar } from './views/lesson.jsx';
import { HandPanel } from './views/hand.jsx';
import { CompareView } from './views/compare.jsx';
import { GogcView } from './views/gogc.jsx';

function Panel({ title, id, children, wide }) {
  return (
    <section class={`panel${wide ? ' wide' : ''}`} id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

const everything = (s) => s;

// Every view of a heap, by name, as a panel.
function panels(controller, s) {
  const { actions } = controller;
  const { summary } = s;
  return {
    graph: () => (
      <Panel title="Object graph" id="graph" key="graph">
        <ObjectGraph controller={controller} />
        <GraphNames names={s.graphNames} />
        {s.status && s.view !== 'lesson' && <p class="status" data-status-panel="1">{s.status.text}</p>}
      </Panel>
    ),
    barriers: () => <Panel title="Barrier log: every store while marking" id="barriers" key="barriers"><BarrierLog actions={actions} log={s.barrierLog} /></Panel>,
    hand: () => (
      <Panel title="The allocator by hand" id="hand" key="hand" wide>
        <HandPanel actions={actions} hand={s.hand} last={s.handLast} scenario={s.settings.scenario} mode={s.mode} />
      </Panel>
    ),
    heapmap: () => (
      <Panel title="Heap map: every page of the runtime's arenas" id="heapmap" key="heapmap" wide>
        <HeapMap controller={controller} />
        <PageLegend />
      </Panel>
    ),
    spans: () => (
      <Panel title="Spans and their objects: a row per span, by size class" id="spans" key="spans" wide>
        <SpanView controller={controller} />
        <ObjectLegend />
        <SpanDetail actions={actions} span={s.span} />
      </Panel>
    ),
    stats: () => (
      <Panel title="Statistics" id="stats" key="stats">
        <StatsFigures summary={summary} />
        <HeapChart controller={controller} />
        <Served summary={summary} />
        <EventCounts summary={summary} />
      </Panel>
    ),
    pacing: () => (
      <Panel title="Pacing: cycles, stops and steps" id="pacing" key="pacing">
        <Timeline controller={controller} />
        <CycleBars controller={controller} />
        <CycleDetail cycle={s.cycle} />
      </Panel>
    ),
    inspector: () => <Panel title="Object inspector" id="inspector" key="inspector"><Inspector actions={actions} inspected={s.inspected} /></Panel>,
    sizeclasses: () => (
      <Panel title="Size classes in use" id="sizeclasses" key="sizeclasses">
        <SizeClasses table={s.sizeClasses} mark={s.handLast?.sizeClass} />
      </Panel>
    ),
  };
}

// Free play's order: the graph and its log first while the heap is small
// enough to draw it, the allocator panel first in the By hand scenario.
function playOrder(s) {
  const small = (s.summary?.objects ?? 0) <= GRAPH_MAX;
  const heap = small ? ['graph', 'barriers', 'spans', 'heapmap'] : ['heapmap', 'spans', 'graph', 'barriers'];
  const first = s.settings.scenario === 'hand' && s.mode === 'live' ? ['hand'] : [];
  const rest = ['inspector', 'stats', 'pacing', 'sizeclasses'];
  return [...first, ...heap, ...rest, ...(first.length ? [] : ['hand'])];
}

export function App({ controller }) {
  const { actions } = controller;
  const s = useStore(controller.store, everything);
  const { settings, mode, summary, fps, view } = s;
  const info = SCENARIO_INFO[settings.scenario];
  const all = panels(controller, s);
  let body;
  if (view === 'lessons') body = <LessonIndex actions={actions} />;
  else if (view === 'compare') body = <CompareView controller={controller} compare={s.compare} />;
  else if (view === 'gogc') body = <GogcView controller={controller} gogc={s.gogc} />;
  else if (view === 'lesson') {
    body = (
      <>
        <LessonBar actions={actions} lesson={s.lesson} status={s.status} phase={summary?.phase} />
        <main class="lesson-views">{(s.lesson?.panels || []).map((p) => all[p]())}</main>
      </>
    );
  } else {
    body = (
      <>
        <div class="play-head">
          <Controls actions={actions} settings={settings} running={s.running} mode={mode} phase={summary?.phase} />
          {mode === 'replay' ? <TracePanel actions={actions} replay={s.replay} />
            : <>
              {s.lesson?.free && <p class="scenario-text">Free play from lesson <b>{s.lesson.index + 1}, {s.lesson.title}</b>: the heap it built, every control.</p>}
              <p class="scenario-text"><b>{info.title}.</b> {info.text}</p>
              <PastBar actions={actions} past={s.past} recording={s.recording} />
            </>}
        </div>
        <Verdict verdict={s.verdict} />
        <main>{playOrder(s).map((p) => all[p]())}</main>
      </>
    );
  }
  return (
    <div class="app" data-mode={mode} data-view={view}>
      <header>
        <h1>tricolor <small>an allocator and an incremental tri-color collector, live in WebAssembly</small></h1>
        <Nav actions={actions} view={view} />
      </header>
      <Messages actions={actions} messages={s.messages} />
      <Help actions={actions} shortcuts={controller.shortcuts} open={s.help} />
      {body}
      <footer>
        <span data-fps={fps.fps}>{fps.fps} frames/s</span>
        <span>work {fps.workMs.toFixed(1)} ms, drawing {fps.drawMs.toFixed(1)} ms a frame</span>
        {summary?.ops != null && view === 'play' && <span>{summary.ops.toLocaleString('en')} mutator operations</span>}
        <span>Press <kbd>?</kbd> for shortcuts</span>
      </footer>
    </div>
  );
}
