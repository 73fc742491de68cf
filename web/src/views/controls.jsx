// The controls: scenario and its settings, the collector's steps, run and
// speed, barrier, GOGC; and, replaying a trace, the timeline scrubber.
import { useRef, useState } from 'preact/hooks';
import { SCENARIOS, COLLECTORS, LIMITS, FIXED_OBJECTS } from '../params.js';
import { SCENARIO_INFO } from '../scenarios.js';
import { BARRIERS } from '#tricolor/layout';
import { duration, bytes } from '../palette.js';

function NumberField({ label, value, min, max, onCommit, allowOff, name, disabled, title }) {
  const [text, setText] = useState(null);
  const [error, setError] = useState(null);
  const shown = text ?? String(value);
  const commit = () => {
    if (text === null) return;
    const t = text.trim();
    if (allowOff && t === 'off') { setText(null); setError(null); return onCommit('off'); }
    if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) {
      setError(`${label}: a whole number from ${min} to ${max}${allowOff ? ", or 'off'" : ''}`);
      return;
    }
    setText(null);
    setError(null);
    onCommit(Number(t));
  };
  return (
    <label class="field" title={title || undefined}>
      <span>{label}</span>
      <input name={name} value={shown} size={7} aria-invalid={error ? 'true' : 'false'} title={error || title || ''} disabled={disabled}
        onInput={(e) => setText(e.target.value)} onChange={commit}
        onKeyDown={(e) => { if (e.key === 'Enter') commit(); if (e.key === 'Escape') { setText(null); setError(null); } }} />
      {error && <em class="field-error" role="alert">{error}</em>}
    </label>
  );
}

export function Controls({ actions: a, settings, running, mode, phase }) {
  const live = mode === 'live';
  const set = (k) => (e) => a.setSetting(k, e.target.value);
  // speed on a log scale: 1 .. 20000 operations per second
  const speedPos = Math.round(Math.log10(settings.speed) * 100);
  return (
    <div class="controls" role="toolbar" aria-label="Controls">
      <label class="field"><span>scenario</span>
        <select name="scenario" value={settings.scenario} onChange={set('scenario')} disabled={!live}>
          {SCENARIOS.map((s) => <option value={s}>{SCENARIO_INFO[s].title}</option>)}
        </select>
      </label>
      <NumberField label="objects" name="objects" value={FIXED_OBJECTS.has(settings.scenario) ? '–' : settings.objects}
        min={LIMITS.objects[0]} max={LIMITS.objects[1]} onCommit={(v) => a.setSetting('objects', v)}
        disabled={!live || FIXED_OBJECTS.has(settings.scenario)}
        title={FIXED_OBJECTS.has(settings.scenario) ? `the ${SCENARIO_INFO[settings.scenario].title.toLowerCase()} scenario makes its own objects` : ''} />
      <label class="field"><span>collector</span>
        <select name="collector" value={settings.collector} onChange={set('collector')} disabled={!live}
          title="stepped: the page starts cycles and marks one object per mutator operation; paced: the runtime's pacer and assists, as in a program">
          {COLLECTORS.map((c) => <option value={c}>{c}</option>)}
        </select>
      </label>
      <label class="field"><span>barrier</span>
        <select name="barrier" value={settings.barrier} onChange={set('barrier')} disabled={!live}>
          {BARRIERS.map((b) => <option value={b}>{b === 'none' ? 'none (incorrect)' : b}</option>)}
        </select>
      </label>
      <NumberField label="GOGC" name="gogc" value={settings.gogc} min={LIMITS.gogc[0]} max={LIMITS.gogc[1]} allowOff
        onCommit={(v) => a.setSetting('gogc', v)} disabled={!live} />
      <div class="buttons" role="group" aria-label="Run">
        <button type="button" class="primary" name="run" onClick={a.toggleRun} aria-pressed={running ? 'true' : 'false'}
          title="Space">{mode === 'replay' ? 'Play / pause' : running ? 'Pause' : 'Run'}</button>
        <label class="field speed"><span>speed</span>
          <input type="range" name="speed" min={0} max={430} value={speedPos} disabled={!live}
            onInput={(e) => a.setSetting('speed', Math.max(1, Math.round(10 ** (e.target.value / 100))))} />
          <output>{settings.speed}/s</output>
        </label>
      </div>
      <div class="buttons" role="group" aria-label="Collector steps">
        <button type="button" name="step-object" onClick={a.stepObject} disabled={!live} title="o">Object</button>
        <button type="button" name="step-mark" onClick={a.stepMark} disabled={!live} title="s">Mark step</button>
        <button type="button" name="step-phase" onClick={a.stepPhase} disabled={!live} title="p">Phase</button>
        <button type="button" name="finish" onClick={a.finishCycle} disabled={!live} title="f">Finish cycle</button>
        <button type="button" name="collect" onClick={a.collect} disabled={!live} title="c">Collect now</button>
        <button type="button" name="mutate" onClick={a.tick} disabled={!live} title="m">Mutate</button>
        <button type="button" name="reset" onClick={a.reset} title="r">Reset</button>
      </div>
      <span class={`phase-badge phase-${phase?.replace(/ /g, '-')}`} data-phase={phase}>{phase ?? '…'}</span>
    </div>
  );
}

// The page's views, and what every view has: open a trace, the shortcuts.
const VIEW_TABS = [['lessons', 'Lessons'], ['play', 'Free play'], ['compare', 'Barriers side by side'], ['gogc', 'What GOGC costs']];
export function Nav({ actions: a, view }) {
  const current = view === 'lesson' ? 'lessons' : view;
  return (
    <nav class="tabs" aria-label="Views">
      {VIEW_TABS.map(([v, text]) => (
        <a href={v === 'play' ? '?scenario=tree' : v === 'compare' ? '?compare=badcase' : `?view=${v}`} data-tab={v}
          aria-current={current === v ? 'page' : undefined}
          onClick={(e) => { e.preventDefault(); a.showView(v); }}>{text}</a>
      ))}
      <TraceOpen openTrace={a.openTrace} />
      <button type="button" class="help-button" onClick={a.toggleHelp} aria-label="Keyboard shortcuts">?</button>
    </nav>
  );
}

// Stepping back through the live heap's past, as through a replay: by the
// page's actions (each a step: a mutator operation, a collector step, an
// allocation) or event by event, and back to now.
export function PastBar({ actions: a, past, recording }) {
  if (!recording) return null;
  const at = past ? past.at : recording.end;
  return (
    <div class={`past-bar${past ? ' looking' : ''}`} data-view="past" role="group" aria-label="Step back through the live heap">
      <button type="button" name="step-back" onClick={a.stepBack} disabled={recording.off || at <= recording.start} title=",">« Back a step</button>
      <button type="button" name="event-back" onClick={a.eventBack} disabled={recording.off || at <= recording.start} title="←">‹ event</button>
      <button type="button" name="event-forward" onClick={a.eventForward} disabled={!past} title="→">event ›</button>
      <button type="button" name="step-forward" onClick={a.stepForward} disabled={!past} title=".">A step on »</button>
      <input type="range" name="past" min={recording.start} max={recording.end} value={at} aria-label="Event of the live heap's past"
        disabled={recording.off} onInput={(e) => a.seekPast(Number(e.target.value))} />
      <output data-past-at={at} data-past-end={recording.end}>
        {past ? `the past: event ${at.toLocaleString('en')} of ${recording.end.toLocaleString('en')}` : `now: ${recording.end.toLocaleString('en')} events recorded`}
      </output>
      {past && <button type="button" class="primary" name="now" onClick={a.returnToNow}>Return to now</button>}
      {recording.lost && <span class="hint" data-past-lost="1">{recording.off ? 'Off: ' : 'Earlier events are gone: '}{recording.lost}.</span>}
    </div>
  );
}

function TraceOpen({ openTrace }) {
  const input = useRef(null);
  return (
    <span class="trace-open">
      <button type="button" name="open-trace" onClick={() => input.current.click()}>Open trace…</button>
      <input ref={input} type="file" name="trace" accept=".trace,application/octet-stream" hidden
        onChange={(e) => { openTrace(e.target.files[0]); e.target.value = ''; }} />
    </span>
  );
}

export function TracePanel({ actions: a, replay }) {
  if (!replay) return null;
  return (
    <div class="trace-panel" data-view="replay">
      <p>
        Replaying <b>{replay.name}</b>: '{replay.workload}', {replay.count.toLocaleString('en')} events over{' '}
        {duration(replay.durationNs)}, {bytes(replay.bytes)}, {replay.wasm32 ? 'wasm32' : '64-bit'} addresses, trace version {replay.version}
        {replay.version >= 2 ? ' (every pointer store: the graph is rebuilt; its roots are those each cycle\'s root scan found)' : ' (no pointer stores outside marking: no graph)'}.
      </p>
      <div class="scrubber">
        <button type="button" onClick={() => a.replayStep(-1)} aria-label="Previous event">◀</button>
        <button type="button" onClick={() => a.replayPlay(!replay.playing)}>{replay.playing ? 'Pause' : 'Play'}</button>
        <button type="button" onClick={() => a.replayStep(1)} aria-label="Next event">▶</button>
        <button type="button" onClick={a.replayNextPhase}>Next phase</button>
        <input type="range" name="scrub" min={0} max={replay.count} value={replay.at} aria-label="Event"
          onInput={(e) => a.replaySeek(Number(e.target.value))} />
        <output data-replay-at={replay.at}>{replay.at.toLocaleString('en')} / {replay.count.toLocaleString('en')}</output>
        <button type="button" onClick={a.backToLive}>Back to the live heap</button>
      </div>
    </div>
  );
}
