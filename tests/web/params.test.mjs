// The visualiser's URL parameters (web/src/params.js): every parameter
// read, each bad value named in an error with the default kept, and
// settings written back to a query that reads the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BARRIERS } from '#tricolor/layout';
import { parseParams, toQuery, DEFAULTS, SCENARIOS, SCENARIO_DEFAULTS, LIMITS } from '../../web/src/params.js';

const TREE = { ...DEFAULTS, ...SCENARIO_DEFAULTS.tree, scenario: 'tree' };

test('no parameters: the defaults, the tree scenario with its own, and no errors', () => {
  const { settings, errors } = parseParams('');
  assert.deepEqual(errors, []);
  assert.deepEqual(settings, { scenario: 'tree', barrier: 'hybrid', gogc: 100, seed: 1, run: false, objects: 63,
    collector: 'stepped', speed: 20 });
  assert.deepEqual(settings, TREE);
});

test('every parameter, read', () => {
  const { settings, errors } = parseParams('?scenario=churn&barrier=yuasa&collector=stepped&objects=123&speed=50&seed=7&gogc=250&run=1');
  assert.deepEqual(errors, []);
  assert.deepEqual(settings, { scenario: 'churn', barrier: 'yuasa', collector: 'stepped', objects: 123, speed: 50, seed: 7,
    gogc: 250, run: true });
});

test('a scenario brings its own defaults, which parameters then override', () => {
  for (const scenario of SCENARIOS) {
    const { settings } = parseParams(`?scenario=${scenario}`);
    assert.deepEqual(settings, { ...DEFAULTS, ...SCENARIO_DEFAULTS[scenario], scenario });
  }
  assert.equal(parseParams('?scenario=badcase').settings.objects, 4);
  assert.equal(parseParams('?objects=9&scenario=badcase').settings.objects, 9, 'whatever the order');
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
    ['scenario=spiral', 'scenario', "scenario must be one of list, tree, graph, churn, badcase, not 'spiral'"],
    ['barrier=sideways', 'barrier', `barrier must be one of ${BARRIERS.join(', ')}, not 'sideways'`],
    ['collector=lazy', 'collector', "collector must be one of stepped, paced, not 'lazy'"],
    ['objects=lots', 'objects', "objects must be a whole number from 1 to 200000, not 'lots'"],
    ['objects=1.5', 'objects', "objects must be a whole number from 1 to 200000, not '1.5'"],
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

test('toQuery leaves out what equals the defaults, and reads back the same', () => {
  assert.equal(toQuery(TREE), '?scenario=tree');
  const churn = { ...DEFAULTS, ...SCENARIO_DEFAULTS.churn, scenario: 'churn' };
  assert.equal(toQuery(churn), '?scenario=churn');
  const s = { ...churn, barrier: 'none', collector: 'stepped', objects: 7, speed: 3, gogc: 'off', seed: 99 };
  const q = toQuery(s);
  assert.equal(q, '?scenario=churn&barrier=none&collector=stepped&objects=7&speed=3&gogc=off&seed=99');
  const back = parseParams(q);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.settings, s);
});
