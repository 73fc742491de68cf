// Barriers side by side: the same beat played on four heaps, one per
// barrier, each column showing its graph, what each store shaded (or why
// nothing), the invariants, the floating garbage, the verifier's finding
// and the stops (and what the termination stop's rescan of the roots
// found). The controller's Compare (compare.js) owns the heaps.
import { ObjectGraph, GraphLegend } from './ObjectGraph.jsx';
import { BARRIER_WORDS } from '../compare.js';
import { COMPARE_SCENARIOS } from '../params.js';

const SCENARIO_NAMES = { badcase: 'the bad case', graph: 'a random graph' };

export function CompareView({ controller, compare: c }) {
  const a = controller.actions.compare;
  if (!c) return <p class="loading">Setting up four heaps…</p>;
  return (
    <section class="compare" data-view="compare" data-step={c.step}>
      <div class="compare-bar">
        <label class="field"><span>scenario</span>
          <select name="compare-scenario" value={c.scenario} onChange={(e) => a.scenario(e.target.value)}>
            {COMPARE_SCENARIOS.map((s) => <option value={s}>{SCENARIO_NAMES[s]}</option>)}
          </select>
        </label>
        {c.scenario === 'graph' && (
          <label class="field"><span>seed</span>
            <input name="compare-seed" value={c.seed} size={6} inputMode="numeric"
              onChange={(e) => { const v = Number(e.target.value); if (Number.isInteger(v) && v >= 1 && v < 2 ** 31) a.seed(v); }} />
          </label>
        )}
        <div class="lesson-nav">
          <button type="button" name="compare-back" onClick={a.back} disabled={c.step === 0} title="←">← Back</button>
          <button type="button" class="primary" name="compare-next" onClick={a.next} disabled={c.step >= c.count} title="→">Next →</button>
          <button type="button" name="compare-restart" onClick={a.restart}>Restart</button>
          <span class="lesson-count" data-compare-step={c.step}>beat {c.step} of {c.count}</span>
        </div>
        <p class="say" aria-live="polite">{c.narration}{c.next ? <span class="hint"> Next: {c.next}.</span> : null}</p>
      </div>
      <GraphLegend />
      <div class="compare-grid">
        {c.columns.map((col, i) => (
          <article class="compare-col" data-barrier={col.barrier} aria-label={`barrier ${col.barrier}`}>
            <h3>{col.barrier} <span class={`phase-badge phase-${col.phase.replace(/ /g, '-')}`} data-phase={col.phase}>{col.phase}</span></h3>
            <p class="hint">{BARRIER_WORDS[col.barrier]}</p>
            <ObjectGraph controller={controller} source={() => controller.compare?.runtimes[i]} compact />
            <ul class="effects" aria-label="this beat's stores">
              {col.effects.length === 0 && <li class="hint">No store in this beat.</li>}
              {col.effects.map((e) => <li class={e.shaded ? 'shaded' : 'nothing'}><code>{e.store}</code>: {e.text}</li>)}
            </ul>
            {col.invariants && <p class="status">{col.invariants}</p>}
            <dl class="compare-facts">
              <dt>shaded by the barrier</dt><dd data-fact="shaded">{col.shaded.join(', ') || 'nothing'}</dd>
              <dt>floating garbage</dt><dd data-fact="floating">{col.floating.join(', ') || 'none'}</dd>
              <dt>verifier</dt><dd data-fact="violations" class={col.violations.length ? 'bad' : ''}>{col.violations.join('; ') || 'nothing wrong'}</dd>
              {col.freedWhileReachable.length > 0 && <><dt>freed while reachable</dt><dd class="bad" data-fact="freed">{col.freedWhileReachable.join(', ')}</dd></>}
              <dt>stops</dt><dd data-fact="stops">{col.stops.join(', ') || 'none yet'}</dd>
              <dt>shaded in the termination stop</dt><dd data-fact="rescanned">{col.rescanned.length ? `${col.rescanned.join(', ')} (the roots rescanned)` : 'nothing'}</dd>
            </dl>
          </article>
        ))}
      </div>
    </section>
  );
}
