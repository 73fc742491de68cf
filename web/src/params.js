// Settings that a URL can carry, with their checks. A bad value never
// blanks the page: it is reported and the default is used instead.
import { BARRIERS } from '#tricolor/layout';

export const SCENARIOS = ['list', 'tree', 'graph', 'churn', 'badcase'];
export const COLLECTORS = ['stepped', 'paced'];

// Each scenario's own defaults: small heaps are stepped so the colours can
// be watched; churn runs under the runtime's pacer.
export const SCENARIO_DEFAULTS = {
  list: { objects: 40, collector: 'stepped', speed: 20 },
  tree: { objects: 63, collector: 'stepped', speed: 20 },
  graph: { objects: 60, collector: 'stepped', speed: 20 },
  churn: { objects: 5000, collector: 'paced', speed: 200 },
  badcase: { objects: 4, collector: 'stepped', speed: 4 },
};

export const LIMITS = {
  objects: [1, 200000],
  speed: [1, 20000],
  gogc: [10, 1000],
  seed: [1, 2 ** 31 - 1],
};

export const DEFAULTS = { scenario: 'tree', barrier: 'hybrid', gogc: 100, seed: 1, run: false };

function intIn(name, text) {
  const [lo, hi] = LIMITS[name];
  if (!/^\d+$/.test(text)) return { error: `${name} must be a whole number from ${lo} to ${hi}, not '${text}'` };
  const v = Number(text);
  if (v < lo || v > hi) return { error: `${name} must be from ${lo} to ${hi}, not ${v}` };
  return { value: v };
}

// Parses a query string into { settings, errors }. Unknown parameters are
// errors too: a misspelt one would otherwise be silently ignored.
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
  const scenario = pick('scenario', SCENARIOS, DEFAULTS.scenario);
  const out = { ...DEFAULTS, ...SCENARIO_DEFAULTS[scenario], scenario };
  out.barrier = pick('barrier', BARRIERS, out.barrier);
  out.collector = pick('collector', COLLECTORS, out.collector);
  for (const name of ['objects', 'speed', 'seed']) {
    if (!q.has(name)) continue;
    const r = intIn(name, q.get(name));
    if (r.error) errors.push(r.error);
    else out[name] = r.value;
  }
  if (q.has('gogc')) {
    const v = q.get('gogc');
    if (v === 'off') out.gogc = 'off';
    else {
      const r = intIn('gogc', v);
      if (r.error) errors.push(`${r.error} (or 'off')`);
      else out.gogc = r.value;
    }
  }
  if (q.has('run')) {
    const v = q.get('run');
    if (v === '1' || v === '0') out.run = v === '1';
    else errors.push(`run must be 0 or 1, not '${v}'`);
  }
  const known = new Set(['scenario', 'barrier', 'collector', 'objects', 'speed', 'seed', 'gogc', 'run']);
  for (const k of q.keys()) if (!known.has(k)) errors.push(`unknown parameter '${k}'`);
  return { settings: out, errors };
}

// The query string for settings, leaving out what equals the defaults.
export function toQuery(s) {
  const d = { ...DEFAULTS, ...SCENARIO_DEFAULTS[s.scenario] };
  const q = new URLSearchParams();
  q.set('scenario', s.scenario);
  for (const k of ['barrier', 'collector', 'objects', 'speed', 'gogc', 'seed']) {
    if (s[k] !== d[k]) q.set(k, String(s[k]));
  }
  return `?${q}`;
}
