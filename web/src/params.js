// What a URL can carry, with its checks: which view (the lessons, free
// play, barriers side by side, what GOGC costs), a lesson and its step, the
// side-by-side scenario and step, and free play's settings. A bad value
// never blanks the page: it is reported and the default used instead.
import { BARRIERS } from '#tricolor/layout';
import { LESSONS } from './lessons.js';

export const SCENARIOS = ['list', 'tree', 'graph', 'churn', 'many', 'badcase', 'hand'];
export const COLLECTORS = ['stepped', 'paced'];
export const VIEWS = ['lessons', 'play', 'compare', 'gogc'];
export const COMPARE_SCENARIOS = ['badcase', 'graph'];

// Each scenario's own defaults: small heaps are stepped so the colours can
// be watched; churn runs under the runtime's pacer. The bad case has its
// five objects, and takes no count.
export const SCENARIO_DEFAULTS = {
  list: { objects: 40, collector: 'stepped', speed: 20 },
  tree: { objects: 63, collector: 'stepped', speed: 20 },
  graph: { objects: 60, collector: 'stepped', speed: 20 },
  churn: { objects: 5000, collector: 'paced', speed: 200 },
  many: { objects: 100000, collector: 'paced', speed: 2000 },
  badcase: { objects: 5, collector: 'stepped', speed: 2 },
  hand: { objects: 0, collector: 'paced', speed: 1 },
};
// Scenarios whose object count is theirs, not the URL's.
export const FIXED_OBJECTS = new Set(['badcase', 'hand']);

export const LIMITS = {
  objects: [1, 1000000],
  speed: [1, 20000],
  gogc: [10, 1000],
  seed: [1, 2 ** 31 - 1],
};
const STEP_LIMIT = [0, 1000]; // a lesson's or the side-by-side view's step

export const DEFAULTS = { scenario: 'tree', barrier: 'hybrid', gogc: 100, seed: 1, run: false };
const PLAY_KEYS = ['scenario', 'barrier', 'collector', 'objects', 'speed', 'seed', 'gogc', 'run'];

function intIn(name, text) {
  const [lo, hi] = name === 'step' ? STEP_LIMIT : LIMITS[name];
  if (!/^\d+$/.test(text)) return { error: `${name} must be a whole number from ${lo} to ${hi}, not '${text}'` };
  const v = Number(text);
  if (v < lo || v > hi) return { error: `${name} must be from ${lo} to ${hi}, not ${v}` };
  return { value: v };
}

// Parses a query string into { view, settings, lesson, compare, errors }:
// lesson is { id, step, free } (free: free play from the lesson's end),
// compare { scenario, step, seed }. Unknown parameters are errors too: a
// misspelt one would otherwise be silently ignored.
export function parseParams(search) {
  const q = new URLSearchParams(search);
  const errors = [];
  const pick = (name, list, fallback) => {
    const v = q.get(name);
    if (v === null) return fallback;
    if (list.includes(v)) return v;
    errors.push(`${name} must be one of ${list.join(', ')}, not '${v}'`);
    return fallback;
  };
  const int = (name, fallback) => {
    if (!q.has(name)) return fallback;
    const r = intIn(name, q.get(name));
    if (r.error) { errors.push(r.error); return fallback; }
    return r.value;
  };

  // free play's settings
  const scenario = pick('scenario', SCENARIOS, DEFAULTS.scenario);
  const settings = { ...DEFAULTS, ...SCENARIO_DEFAULTS[scenario], scenario };
  settings.barrier = pick('barrier', BARRIERS, settings.barrier);
  settings.collector = pick('collector', COLLECTORS, settings.collector);
  if (q.has('objects') && FIXED_OBJECTS.has(scenario)) {
    errors.push(`objects does not apply to the scenario ${scenario}, which makes its own objects`);
  } else {
    settings.objects = int('objects', settings.objects);
  }
  settings.speed = int('speed', settings.speed);
  settings.seed = int('seed', settings.seed);
  if (q.has('gogc')) {
    const v = q.get('gogc');
    if (v === 'off') settings.gogc = 'off';
    else {
      const r = intIn('gogc', v);
      if (r.error) errors.push(`${r.error} (or 'off')`);
      else settings.gogc = r.value;
    }
  }
  if (q.has('run')) {
    const v = q.get('run');
    if (v === '1' || v === '0') settings.run = v === '1';
    else errors.push(`run must be 0 or 1, not '${v}'`);
  }

  // which view
  const playGiven = PLAY_KEYS.filter((k) => q.has(k) && k !== 'seed');
  let view = q.has('view') ? pick('view', VIEWS, null) : null;
  let lesson = null, compare = null;
  if (q.has('lesson')) {
    const id = q.get('lesson');
    const l = LESSONS.find((x) => x.id === id);
    if (!l) errors.push(`lesson must be one of ${LESSONS.map((x) => x.id).join(', ')}, not '${id}'`);
    else {
      let step = int('step', 0);
      if (step > l.steps.length - 1) {
        errors.push(`lesson ${id} has steps 0 to ${l.steps.length - 1}, not ${step}`);
        step = 0;
      }
      let free = false;
      if (q.has('free')) {
        if (q.get('free') === '1') free = true;
        else if (q.get('free') !== '0') errors.push(`free must be 0 or 1, not '${q.get('free')}'`);
      }
      lesson = { id, step: free && !q.has('step') ? l.steps.length - 1 : step, free };
      if (playGiven.length) errors.push(`a lesson sets up its own heap: ${playGiven.join(', ')} ignored`);
    }
  }
  if (q.has('compare')) {
    const c = pick('compare', COMPARE_SCENARIOS, null);
    if (c) compare = { scenario: c, step: int('step', 0), seed: settings.seed };
    if (lesson) { errors.push('a lesson and the side-by-side view cannot be opened together: the lesson is shown'); compare = null; }
  }
  if (lesson) view = lesson.free ? 'play' : 'lesson';
  else if (compare) view = 'compare';
  else if (view === 'compare') compare = { scenario: 'badcase', step: int('step', 0), seed: settings.seed };
  else if (!view) view = playGiven.length ? 'play' : 'lessons';
  if (!lesson && !compare && q.has('step')) errors.push('step applies to a lesson or to the side-by-side view');
  if (!lesson && q.has('free')) errors.push('free applies to a lesson');

  const known = new Set([...PLAY_KEYS, 'view', 'lesson', 'step', 'free', 'compare']);
  for (const k of q.keys()) if (!known.has(k)) errors.push(`unknown parameter '${k}'`);
  return { view, settings, lesson, compare, errors };
}

// The query string for a state of the page: the lesson and its step, the
// side-by-side view, or free play's settings (leaving out what equals the
// defaults).
export function toQuery({ view, settings, lesson, compare }) {
  const q = new URLSearchParams();
  if (view === 'lesson' || (view === 'play' && lesson?.free)) {
    q.set('lesson', lesson.id);
    const end = lesson.count ? lesson.step === lesson.count - 1 : false;
    if (lesson.step && !(lesson.free && end)) q.set('step', String(lesson.step));
    if (lesson.free) q.set('free', '1');
    return `?${q}`;
  }
  if (view === 'compare') {
    q.set('compare', compare.scenario);
    if (compare.step) q.set('step', String(compare.step));
    if (compare.scenario !== 'badcase' && compare.seed !== DEFAULTS.seed) q.set('seed', String(compare.seed));
    return `?${q}`;
  }
  if (view === 'lessons') return '?view=lessons';
  if (view === 'gogc') return '?view=gogc';
  const s = settings;
  const d = { ...DEFAULTS, ...SCENARIO_DEFAULTS[s.scenario] };
  q.set('scenario', s.scenario);
  for (const k of ['barrier', 'collector', 'objects', 'speed', 'gogc', 'seed']) {
    if (k === 'objects' && FIXED_OBJECTS.has(s.scenario)) continue;
    if (s[k] !== d[k]) q.set(k, String(s[k]));
  }
  return `?${q}`;
}
