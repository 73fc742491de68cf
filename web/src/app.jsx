// The page: controls on top, then the views. The DOM views are functions
// of the controller's store, read here in one place; the canvases draw
// themselves each frame.
import { useStore } from './views/useStore.js';
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

const everything = (s) => s;

export function App({ controller }) {
  const { actions } = controller;
  const s = useStore(controller.store, everything);
  const { settings, mode, summary, fps } = s;
  const info = SCENARIO_INFO[settings.scenario];
  return (
    <div class="app" data-mode={mode}>
      <header>
        <h1>tricolor <small>an allocator and an incremental tri-color collector, live in WebAssembly</small></h1>
        <Controls actions={actions} settings={settings} running={s.running} mode={mode} phase={summary?.phase} />
      </header>
      <Messages actions={actions} messages={s.messages} />
      <Help actions={actions} shortcuts={controller.shortcuts} open={s.help} />
      {mode === 'replay' ? <TracePanel actions={actions} replay={s.replay} />
        : <p class="scenario-text"><b>{info.title}.</b> {info.text}</p>}
      <Lesson lesson={s.lesson} />
      <main>
        <Panel title="Heap map: every page of memory" id="heapmap" wide>
          <HeapMap controller={controller} />
          <PageLegend />
        </Panel>
        <Panel title="Spans and their objects" id="spans" wide>
          <SpanView controller={controller} />
          <ObjectLegend />
          <SpanDetail actions={actions} span={s.span} />
        </Panel>
        <Panel title="Object graph" id="graph">
          <ObjectGraph controller={controller} />
        </Panel>
        <Panel title="Barrier log" id="barriers">
          <BarrierLog actions={actions} log={s.barrierLog} />
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
          <CycleDetail cycle={s.cycle} />
        </Panel>
        <Panel title="Object inspector" id="inspector">
          <Inspector actions={actions} inspected={s.inspected} />
        </Panel>
        <Panel title="Size classes in use" id="sizeclasses">
          <SizeClasses table={s.sizeClasses} />
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
