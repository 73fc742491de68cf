// The page: controls on top, then the views. State lives in the
// controller's store; the canvases draw themselves each frame.
import { useStore } from './store.js';
import { SCENARIO_INFO } from './scenarios.js';
import { Controls, TracePanel } from './views/controls.jsx';
import { HeapMap, PageLegend } from './views/HeapMap.jsx';
import { SpanView, SpanDetail, ObjectLegend } from './views/SpanView.jsx';
import { ObjectGraph } from './views/ObjectGraph.jsx';
import { Timeline, CycleBars, CycleDetail } from './views/Pacing.jsx';
import {
  BarrierLog, Lesson, StatsFigures, Served, HeapChart, SizeClasses, EventCounts, Inspector, Messages, Help,
} from './views/panels.jsx';

function Panel({ title, id, children, wide }) {
  return (
    <section class={`panel${wide ? ' wide' : ''}`} id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export function App({ controller }) {
  const { store } = controller;
  const settings = useStore(store, (s) => s.settings);
  const running = useStore(store, (s) => s.running);
  const mode = useStore(store, (s) => s.mode);
  const summary = useStore(store, (s) => s.summary);
  const selection = useStore(store, (s) => s.selection);
  const cycle = useStore(store, (s) => s.selectedCycle);
  const messages = useStore(store, (s) => s.messages);
  const replay = useStore(store, (s) => s.replay);
  const fps = useStore(store, (s) => s.fps);
  const help = useStore(store, (s) => s.help);
  const tick = useStore(store, (s) => s.tick);
  const info = SCENARIO_INFO[settings.scenario];
  return (
    <div class="app" data-mode={mode}>
      <header>
        <h1>tricolor <small>an allocator and an incremental tri-color collector, live in WebAssembly</small></h1>
        <Controls controller={controller} settings={settings} running={running} mode={mode} phase={summary?.phase} />
      </header>
      <Messages controller={controller} messages={messages} />
      <Help controller={controller} open={help} />
      {mode === 'replay' ? <TracePanel controller={controller} replay={replay} />
        : <p class="scenario-text"><b>{info.title}.</b> {info.text}</p>}
      <Lesson controller={controller} summary={summary} />
      <main>
        <Panel title="Heap map: every page of memory" id="heapmap" wide>
          <HeapMap controller={controller} />
          <PageLegend />
        </Panel>
        <Panel title="Spans and their objects" id="spans" wide>
          <SpanView controller={controller} />
          <ObjectLegend />
          <SpanDetail controller={controller} selection={selection} tick={tick} />
        </Panel>
        <Panel title="Object graph" id="graph">
          <ObjectGraph controller={controller} />
        </Panel>
        <Panel title="Barrier log" id="barriers">
          <BarrierLog controller={controller} tick={tick} />
        </Panel>
        <Panel title="Statistics" id="stats">
          <StatsFigures summary={summary} />
          <HeapChart controller={controller} />
          <Served summary={summary} />
          <EventCounts summary={summary} />
        </Panel>
        <Panel title="Pacing: cycles, stops and steps" id="pacing">
          <Timeline controller={controller} />
          <CycleBars controller={controller} />
          <CycleDetail controller={controller} cycle={cycle} tick={tick} />
        </Panel>
        <Panel title="Object inspector" id="inspector">
          <Inspector controller={controller} selection={selection} tick={tick} />
        </Panel>
        <Panel title="Size classes in use" id="sizeclasses">
          <SizeClasses controller={controller} tick={tick} />
        </Panel>
      </main>
      <footer>
        <span data-fps={fps.fps}>{fps.fps} frames/s</span>
        <span>work {fps.workMs.toFixed(1)} ms, drawing {fps.drawMs.toFixed(1)} ms a frame</span>
        {summary?.ops != null && <span>{summary.ops.toLocaleString('en')} mutator operations</span>}
        <span>Press <kbd>?</kbd> for shortcuts</span>
      </footer>
    </div>
  );
}
