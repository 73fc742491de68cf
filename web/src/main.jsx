// Loads the runtime, then the page. A failure to load says so on the page.
import { render } from 'preact';
import { LiveRuntime } from './runtime.js';
import { createController } from './controller.js';
import { App } from './app.jsx';
import { invariants } from './invariants.js';

async function main() {
  const root = document.getElementById('app');
  let live;
  try {
    live = await LiveRuntime.load();
  } catch (err) {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'message error';
    p.setAttribute('role', 'alert');
    p.textContent = `The tricolor runtime did not load: ${err.message}`;
    root.append(p);
    return;
  }
  const controller = createController(live);
  // for the browser's console and the end-to-end tests
  globalThis.tricolor = Object.assign(controller, { modules: { invariants } });
  controller.start();
  root.textContent = '';
  render(<App controller={controller} />, root);
  document.body.dataset.ready = '1';
}

main();
