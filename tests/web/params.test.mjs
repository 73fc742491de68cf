// The visualiser's URL parameters (web/src/params.js): which view opens
// (the lessons' index, a lesson and its step, free play, the side-by-side
// view, the GOGC plot), every setting read, each bad value named in an
// error with the default kept, and a state written back to a query that
// reads the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BARRIERS } from '#tricolor/layout';
import { parseParams, toQuery, DEFAULTS, SCENARIOS, SCENARIO_DEFAULTS, LIMITS, FIXED_OBJECTS } from '../../web/src/params.js';
import { LESSONS } from '../../web/src/lessons.js';

const TREE = { ...DEFAULTS, ...SCENARIO_DEFAULTS.tree, scenario: 'tree' };

test('no parameters: the lessons\' index, with free play\'s defaults ready, and no errors', () => {
  const { view, settings, lesson, compare, errors } = parseParams('');
  assert.deepEqual(errors, []);
  assert.equal(view, 'lessons');
  assert.equal(lesson, null);
  assert.equal(compare, null);
  assert.deepEqual(settings, { scenario: 'tree', barrier: 'hybrid', gogc: 100, seed: 1, run: false, objects: 63,
    collector: 'stepped', speed: 20 });
  assert.deepEqual(settings, TREE);
});

test('every setting of free play, read; any of them opens free play', () => {
  const { view, settings, errors } = parseParams('?scenario=churn&barrier=yuasa&collector=stepped&objects=123&speed=50&seed=7&gogc=250&run=1');
  assert.deepEqual(errors, []);
  assert.equal(view, 'play');
  assert.deepEqual(settings, { scenario: 'churn', barrier: 'yuasa', collector: 'stepped', objects: 123, speed: 50, seed: 7,
    gogc: 250, run: true });
  assert.equal(parseParams('?barrier=none').view, 'play');
  assert.equal(parseParams('?view=play').view, 'play');
});

test('a scenario brings its own defaults, which parameters then override', () => {
  for (const scenario of SCENARIOS) {
    const { settings } = parseParams(`?scenario=${scenario}`);
    assert.deepEqual(settings, { ...DEFAULTS, ...SCENARIO_DEFAULTS[scenario], scenario });
  }
  assert.equal(parseParams('?objects=9&scenario=list').settings.objects, 9, 'whatever the order');
});

// A bug of the page before: the bad case took an object count and ignored it.
test('the bad case and By hand make their own objects: a count is refused with a message, not ignored', () => {
  for (const scenario of FIXED_OBJECTS) {
    const { settings, errors } = parseParams(`?scenario=${scenario}&objects=9`);
    assert.deepEqual(errors, [`objects does not apply to the scenario ${scenario}, which makes its own objects`]);
    assert.equal(settings.objects, SCENARIO_DEFAULTS[scenario].objects);
  }
  assert.equal(toQuery({ view: 'play', settings: { ...DEFAULTS, ...SCENARIO_DEFAULTS.badcase, scenario: 'badcase', objects: 9 } }),
    '?scenario=badcase', 'and is never written');
});

test('every barrier mode of the runtime, and gogc off, run 0', () => {
  for (const barrier of BARRIERS) assert.equal(parseParams(`?barrier=${barrier}`).settings.barrier, barrier);
  const { settings, errors } = parseParams('?gogc=off&run=0&collector=paced');
  assert.deepEqual(errors, []);
  assert.equal(settings.gogc, 'off');
  assert.equal(settings.run, false);
  assert.equal(settings.collector, 'paced');
});

test('numbers at the ends of their ranges are accepted, one past them refused', () => {
  for (const [name, [lo, hi]] of Object.entries(LIMITS)) {
    assert.equal(parseParams(`?${name}=${lo}`).settings[name], lo, `${name}=${lo}`);
    assert.equal(parseParams(`?${name}=${hi}`).settings[name], hi, `${name}=${hi}`);
    for (const v of [lo - 1, hi + 1]) {
      const { settings, errors } = parseParams(`?${name}=${v}`);
      assert.equal(settings[name], TREE[name], `${name}=${v} keeps the default`);
      assert.equal(errors.length, 1);
      assert.match(errors[0], new RegExp(`^${name} must be from ${lo} to ${hi}, not ${v}`));
    }
  }
});

test('each bad value is named in its error, and the default is used instead', () => {
  const cases = [
    ['scenario=spiral', 'scenario', `scenario must be one of ${SCENARIOS.join(', ')}, not 'spiral'`],
    ['barrier=sideways', 'barrier', `barrier must be one of ${BARRIERS.join(', ')}, not 'sideways'`],
    ['collector=lazy', 'collector', "collector must be one of stepped, paced, not 'lazy'"],
    ['objects=lots', 'objects', "objects must be a whole number from 1 to 1000000, not 'lots'"],
    ['objects=1.5', 'objects', "objects must be a whole number from 1 to 1000000, not '1.5'"],
    ['speed=fast', 'speed', "speed must be a whole number from 1 to 20000, not 'fast'"],
    ['speed=', 'speed', "speed must be a whole number from 1 to 20000, not ''"],
    ['seed=-3', 'seed', "seed must be a whole number from 1 to 2147483647, not '-3'"],
    ['gogc=-5', 'gogc', "gogc must be a whole number from 10 to 1000, not '-5' (or 'off')"],
    ['gogc=5', 'gogc', "gogc must be from 10 to 1000, not 5 (or 'off')"],
    ['run=yes', 'run', "run must be 0 or 1, not 'yes'"],
  ];
  for (const [query, key, message] of cases) {
    const { settings, errors } = parseParams(`?${query}`);
    assert.deepEqual(errors, [message], query);
    assert.equal(settings[key], TREE[key], `${query}: the default`);
  }
});

test('unknown parameters are errors, not silently ignored', () => {
  const { settings, errors } = parseParams('?colour=red&scenario=list&Scenario=graph');
  assert.deepEqual(errors, ["unknown parameter 'colour'", "unknown parameter 'Scenario'"]);
  assert.equal(settings.scenario, 'list');
});

test('several bad parameters: an error for each, the good ones still read', () => {
  const { settings, errors } = parseParams('?scenario=spiral&gogc=-5&speed=fast&barrier=dijkstra&objects=70');
  assert.equal(errors.length, 3);
  assert.equal(settings.barrier, 'dijkstra');
  assert.equal(settings.objects, 70);
  assert.equal(settings.scenario, 'tree');
});

test('a lesson and its step: every lesson deep-links, at every step; free play from its end or a step', () => {
  for (const l of LESSONS) {
    for (let step = 0; step < l.steps.length; step++) {
      const q = `?lesson=${l.id}${step ? `&step=${step}` : ''}`;
      const p = parseParams(q);
      assert.deepEqual(p.errors, [], q);
      assert.equal(p.view, 'lesson');
      assert.deepEqual(p.lesson, { id: l.id, step, free: false });
      assert.equal(toQuery({ view: 'lesson', lesson: { ...p.lesson, count: l.steps.length } }), q, 'written back the same');
    }
    const free = parseParams(`?lesson=${l.id}&free=1`);
    assert.deepEqual([free.view, free.lesson], ['play', { id: l.id, step: l.steps.length - 1, free: true }]);
    assert.equal(toQuery({ view: 'play', lesson: { ...free.lesson, count: l.steps.length } }), `?lesson=${l.id}&free=1`);
    const mid = parseParams(`?lesson=${l.id}&step=1&free=1`);
    assert.equal(mid.lesson.step, 1);
    assert.equal(toQuery({ view: 'play', lesson: { ...mid.lesson, count: l.steps.length } }), `?lesson=${l.id}&step=1&free=1`);
  }
});

test('a bad lesson, step or combination is named, and the page still opens', () => {
  const last = LESSONS[0].steps.length - 1;
  const cases = [
    [`?lesson=nope`, `lesson must be one of ${LESSONS.map((l) => l.id).join(', ')}, not 'nope'`, 'lessons'],
    [`?lesson=${LESSONS[0].id}&step=99`, `lesson ${LESSONS[0].id} has steps 0 to ${last}, not 99`, 'lesson'],
    [`?lesson=${LESSONS[0].id}&step=x`, "step must be a whole number from 0 to 1000, not 'x'", 'lesson'],
    [`?lesson=${LESSONS[0].id}&scenario=churn`, 'a lesson sets up its own heap: scenario ignored', 'lesson'],
    [`?lesson=${LESSONS[0].id}&free=2`, "free must be 0 or 1, not '2'", 'lesson'],
    ['?step=3', 'step applies to a lesson or to the side-by-side view', 'lessons'],
    ['?free=1', 'free applies to a lesson', 'lessons'],
    [`?lesson=${LESSONS[0].id}&compare=badcase`, 'a lesson and the side-by-side view cannot be opened together: the lesson is shown', 'lesson'],
    ['?view=sideways', "view must be one of lessons, play, compare, gogc, not 'sideways'", 'lessons'],
    ['?compare=chaos', "compare must be one of badcase, graph, not 'chaos'", 'lessons'],
  ];
  for (const [q, message, view] of cases) {
    const p = parseParams(q);
    assert.deepEqual(p.errors, [message], q);
    assert.equal(p.view, view, `${q}: opens ${view}`);
  }
});

test('the side-by-side view and the GOGC plot', () => {
  assert.deepEqual(parseParams('?compare=badcase').compare, { scenario: 'badcase', step: 0, seed: 1 });
  assert.equal(parseParams('?compare=badcase').view, 'compare');
  const g = parseParams('?compare=graph&step=4&seed=9');
  assert.deepEqual([g.view, g.compare], ['compare', { scenario: 'graph', step: 4, seed: 9 }]);
  assert.equal(toQuery({ view: 'compare', compare: g.compare }), '?compare=graph&step=4&seed=9');
  assert.equal(toQuery({ view: 'compare', compare: { scenario: 'badcase', step: 0, seed: 1 } }), '?compare=badcase');
  assert.deepEqual(parseParams('?view=compare').compare, { scenario: 'badcase', step: 0, seed: 1 });
  assert.equal(parseParams('?view=gogc').view, 'gogc');
  assert.equal(toQuery({ view: 'gogc' }), '?view=gogc');
  assert.equal(toQuery({ view: 'lessons' }), '?view=lessons');
});

test('toQuery leaves out what equals the defaults, and reads back the same', () => {
  const play = (settings) => toQuery({ view: 'play', settings });
  assert.equal(play(TREE), '?scenario=tree');
  const churn = { ...DEFAULTS, ...SCENARIO_DEFAULTS.churn, scenario: 'churn' };
  assert.equal(play(churn), '?scenario=churn');
  const s = { ...churn, barrier: 'none', collector: 'stepped', objects: 7, speed: 3, gogc: 'off', seed: 99 };
  const q = play(s);
  assert.equal(q, '?scenario=churn&barrier=none&collector=stepped&objects=7&speed=3&gogc=off&seed=99');
  const back = parseParams(q);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.settings, s);
});
