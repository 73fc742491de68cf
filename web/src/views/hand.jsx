// The allocator by hand: allocate N bytes (with pointers, without, or with
// malloc), see the size class, the bytes wasted and the level that served
// the allocation (its path drawn through the levels, nearest first), the
// tiny allocator's blocks, and let objects go again: malloc's are freed at
// once, the collected heap's dropped from their root for the next cycle
// to free. Idle memory can be handed back from here too.
import { useState } from 'preact/hooks';
import { hex } from '../palette.js';

const LEVEL_PATH = {
  gc: [['thread cache', 'span cache', "the heap's current span: Go's mcache, TCMalloc's thread cache"],
    ['central list', 'heap lists', "the heap's own spans with free slots: Go's mcentral"],
    ['page heap', 'page heap', 'free pages shared by every heap and malloc: Go\'s mheap'],
    ['OS', 'OS', 'new memory (in WebAssembly, memory.grow)']],
  malloc: [['thread cache', 'thread cache', "the thread's stack of free objects per class"],
    ['central list', 'central list', 'spans of the class with free objects, locked'],
    ['page heap', 'page heap', 'free pages'],
    ['OS', 'OS', 'new memory (in WebAssembly, memory.grow)']],
};

// The levels an allocation looked at, nearest first, up to the one that served it.
export function LevelPath({ record }) {
  if (!record) return null;
  const path = LEVEL_PATH[record.kind === 'malloc' ? 'malloc' : 'gc'];
  const tiny = record.level === 'tiny block';
  const served = tiny ? -1 : path.findIndex(([level]) => level === record.level);
  return (
    <ol class="level-path" key={record.id} aria-label={`served by the ${record.level}`} data-level={record.level}>
      {record.tiny && <li class={`level ${tiny ? 'served' : 'passed'}`} style={{ '--k': 0 }}><b>tiny block</b><small>the current 16-byte block</small></li>}
      {path.map(([level, name, what], k) => {
        const state = tiny ? 'unused' : k < served ? 'passed' : k === served ? 'served' : 'unused';
        return (
          <li class={`level ${state}`} style={{ '--k': k + (record.tiny ? 1 : 0) }} data-level={level}>
            <b>{name}</b><small>{what}</small>{state === 'passed' && <span class="miss">empty</span>}
          </li>
        );
      })}
    </ol>
  );
}

// The tiny blocks among the objects allocated by hand: 16 bytes each, with
// the objects packed in them.
function TinyBlocks({ hand }) {
  const blocks = new Map();
  for (const h of hand) if (h.tiny) (blocks.get(h.tiny.block) ?? blocks.set(h.tiny.block, []).get(h.tiny.block)).push(h);
  if (!blocks.size) return null;
  return (
    <div class="tiny-blocks">
      <h4>Tiny blocks (16 bytes each)</h4>
      {[...blocks].slice(-4).map(([block, objs]) => (
        <div class="tiny-block" data-block={block}>
          <span class="tiny-address">{hex(block)}</span>
          <span class="tiny-bytes" role="img" aria-label={`block ${hex(block)}: ${objs.map((o) => `${o.size} bytes at offset ${o.tiny.offset}`).join(', ')}`}>
            {Array.from({ length: 16 }, (_, b) => {
              const o = objs.findIndex((x) => b >= x.tiny.offset && b < x.tiny.offset + x.size);
              return <i class={o < 0 ? 'free' : `obj obj-${o % 4}`} title={o < 0 ? `byte ${b}: free` : `byte ${b}: object #${objs[o].id}`}>{o < 0 ? '' : b === objs[o].tiny.offset ? `#${objs[o].id}` : ''}</i>;
            })}
          </span>
        </div>
      ))}
    </div>
  );
}

export function HandPanel({ actions, hand, last, scenario, mode }) {
  const [size, setSize] = useState('48');
  const [count, setCount] = useState('1');
  const gcAllowed = scenario === 'hand';
  const [kind, setKind] = useState(gcAllowed ? 'noscan' : 'malloc');
  const k = gcAllowed ? kind : 'malloc';
  const n = Number(size), times = Number(count);
  const valid = /^\d+$/.test(size.trim()) && n >= 1 && n <= 1 << 30 && /^\d+$/.test(count.trim()) && times >= 1 && times <= 256;
  const submit = (e) => {
    e.preventDefault();
    if (valid) actions.handAlloc(n, k, times);
  };
  const disabled = mode !== 'live';
  return (
    <div class="hand" data-view="hand">
      <form class="hand-form" onSubmit={submit}>
        <label class="field"><span>bytes</span>
          <input name="hand-size" value={size} size={8} inputMode="numeric" aria-invalid={valid ? 'false' : 'true'}
            onInput={(e) => setSize(e.target.value)} disabled={disabled} /></label>
        <fieldset class="kinds" disabled={disabled}>
          <legend>kind</legend>
          {[['scan', 'with pointers (scan)'], ['noscan', 'without (noscan)'], ['malloc', 'malloc']].map(([v, text]) => (
            <label title={v !== 'malloc' && !gcAllowed ? 'Objects of the collected heap are allocated by hand in the By hand scenario' : ''}>
              <input type="radio" name="hand-kind" value={v} checked={k === v} disabled={v !== 'malloc' && !gcAllowed}
                onChange={() => setKind(v)} /> {text}
            </label>
          ))}
        </fieldset>
        <label class="field"><span>times</span>
          <input name="hand-count" value={count} size={4} inputMode="numeric" onInput={(e) => setCount(e.target.value)} disabled={disabled} /></label>
        <button type="submit" class="primary" name="hand-alloc" disabled={disabled || !valid}>Allocate</button>
        {!valid && <em class="field-error" role="alert">bytes: a whole number from 1 to {(1 << 30).toLocaleString('en')}; times: 1 to 256</em>}
      </form>
      {last && (
        <div class="hand-last" data-hand-last={last.id}>
          <p>
            <b>#{last.id}</b>: {last.size.toLocaleString('en')} bytes {last.kind === 'malloc' ? 'by malloc' : last.kind === 'scan' ? `with pointers${last.bytes !== last.size ? ` (${last.bytes}, whole words)` : ''}` : 'without pointers'}{' '}
            at {hex(last.address)}:{' '}
            {last.tiny ? <>a tiny object, at offset {last.tiny.offset} of the 16-byte block {hex(last.tiny.block)}</>
              : last.sizeClass ? <>size class <b data-fact="class">{last.sizeClass}</b> ({last.classSize.toLocaleString('en')}-byte slots, <b data-fact="waste">{last.waste}</b> bytes wasted in the slot; {last.perSpan} to a span of {last.spanPages} page{last.spanPages > 1 ? 's' : ''}, {last.tailWaste} bytes of tail)</>
                : <>a large object: {last.pages} page{last.pages > 1 ? 's' : ''} of its own, <b data-fact="waste">{last.waste}</b> bytes of rounding</>}
            ; served by the <b data-fact="level">{last.level}</b>.
          </p>
          <LevelPath record={last} />
        </div>
      )}
      <TinyBlocks hand={hand} />
      <div class="hand-actions">
        <button type="button" name="collect" onClick={actions.collect} disabled={disabled}>Collect now</button>
        <button type="button" name="release" onClick={actions.releaseIdle} disabled={disabled}>Release idle memory</button>
        {hand.some((h) => h.kind !== 'malloc') && <button type="button" name="drop-all" disabled={disabled}
          onClick={() => hand.filter((h) => h.kind !== 'malloc').forEach((h) => actions.handFree(h.id))}>Drop every collected object</button>}
      </div>
      {hand.length > 0 && (
        <div class="table-box">
          <table class="hand-list">
            <thead><tr><th>#</th><th>kind</th><th>bytes</th><th>class</th><th>address</th><th>served by</th><th /></tr></thead>
            <tbody>
              {hand.slice(-64).reverse().map((h) => (
                <tr data-hand={h.id}>
                  <td>{h.id}</td><td>{h.kind}</td><td>{h.size.toLocaleString('en')}</td>
                  <td>{h.tiny ? 'tiny' : h.sizeClass || 'large'}</td><td>{hex(h.address)}</td><td>{h.level}</td>
                  <td><button type="button" class="small" disabled={disabled} onClick={() => actions.handFree(h.id)}
                    title={h.kind === 'malloc' ? 'free it now' : 'clear its root: the next cycle frees it'}>{h.kind === 'malloc' ? 'free' : 'drop'}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          {hand.length > 64 && <p class="hint">and {hand.length - 64} older ones</p>}
        </div>
      )}
      <p class="hint">Objects of the collected heap are dropped, not freed: their root slot is cleared, and the next cycle frees what nothing reaches. malloc's objects are freed at once.</p>
    </div>
  );
}
