// The lessons: the index the page opens on, and the bar a lesson shows
// above its views: where it is, the one sentence of its step, the
// invariants' live status where the lesson is about them, and Back/Next
// (every step a link of its own), ending in free play with the lesson's
// heap.
import { LESSONS } from '../lessons.js';

const stepUrl = (id, step) => `?lesson=${id}${step ? `&step=${step}` : ''}`;

export function LessonIndex({ actions }) {
  const open = (id) => (e) => { e.preventDefault(); actions.openLesson(id, 0); };
  return (
    <section class="lesson-index" aria-labelledby="lessons-title">
      <h2 id="lessons-title">Start here: the lessons</h2>
      <p>
        Each lesson runs the real runtime, compiled to WebAssembly, a step at a time, with one sentence a step:
        Next and Back walk it, and its last step opens free play on the heap it built. They follow the notes
        the runtime grew from: first the allocator (pages, size classes, the caches), then the collector
        (marking, the bad case, the barriers that fix it, the pacer).
      </p>
      <ol class="lesson-list">
        {LESSONS.map((l, i) => (
          <li data-lesson-id={l.id}>
            <a href={stepUrl(l.id, 0)} onClick={open(l.id)}><b>{i + 1}. {l.title}</b></a>
            <span> {l.idea}</span>
            <small> ({l.steps.length} steps)</small>
          </li>
        ))}
      </ol>
      <p class="hint">
        Or go straight to <a href="?scenario=tree" onClick={(e) => { e.preventDefault(); actions.showView('play'); }}>free play</a>,{' '}
        <a href="?compare=badcase" onClick={(e) => { e.preventDefault(); actions.showView('compare'); }}>the four barriers side by side</a>, or{' '}
        <a href="?view=gogc" onClick={(e) => { e.preventDefault(); actions.showView('gogc'); }}>what GOGC costs</a>.
      </p>
    </section>
  );
}

export function LessonBar({ actions, lesson: l, status, phase }) {
  if (!l) return null;
  const last = l.step === l.count - 1;
  const next = LESSONS[l.index + 1];
  const go = (step) => (e) => { e.preventDefault(); actions.openLesson(l.id, step); };
  return (
    <section class="lesson-bar" aria-label="Lesson" data-lesson={l.id} data-step={l.step}>
      <div class="lesson-head">
        <a href="?view=lessons" onClick={(e) => { e.preventDefault(); actions.lessonsIndex(); }}>Lessons</a>
        <span aria-hidden="true"> › </span>
        <b>{l.index + 1}. {l.title}</b>
        <span class="lesson-count">step {l.step + 1} of {l.count}</span>
        <ol class="lesson-dots" aria-label="Steps">
          {Array.from({ length: l.count }, (_, k) => (
            <li><a href={stepUrl(l.id, k)} onClick={go(k)} aria-current={k === l.step ? 'step' : undefined}
              aria-label={`step ${k + 1}`} class={k < l.step ? 'done' : k === l.step ? 'now' : ''} /></li>
          ))}
        </ol>
      </div>
      <p class="say" aria-live="polite">
        {l.who && <span class={`who who-${l.who}`}>{l.who}</span>}
        {l.text}
      </p>
      {l.invariants && status && <p class="status" data-status={status.marking ? (status.strong.holds ? 'strong' : status.weak.holds ? 'weak' : 'broken') : 'off'}>{status.text}</p>}
      <div class="lesson-nav">
        <button type="button" name="lesson-back" onClick={actions.lessonBack} disabled={l.step === 0} title="←">← Back</button>
        {!last && <button type="button" class="primary" name="lesson-next" onClick={actions.lessonNext} title="→">Next →</button>}
        {last && <button type="button" class="primary" name="lesson-free" onClick={actions.lessonFree}>Free play from here</button>}
        {last && next && <a class="next-lesson" href={stepUrl(next.id, 0)} onClick={(e) => { e.preventDefault(); actions.openLesson(next.id, 0); }}>Next lesson: {next.title} →</a>}
        <span class={`phase-badge phase-${phase?.replace(/ /g, '-')}`} data-phase={phase}>{phase ?? '…'}</span>
      </div>
    </section>
  );
}
