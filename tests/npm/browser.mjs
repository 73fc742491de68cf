// Runs the bundled app (tests/npm/app.mjs, bundled into DIR as app.js with
// index.html) in headless Chromium and prints the title it ends with:
//   node tests/npm/browser.mjs DIR beside|bytes|missing
// beside:  DIR as built, tricolor-core.wasm beside the bundle;
// bytes:   the bundle alone, the app given the module's bytes (wasmBinary);
// missing: the bundle alone and no bytes, which must fail.
// Pages are served from DIR by request interception: no port is opened.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [dir, how] = process.argv.slice(2);
const pages = { beside: 'beside/index.html', bytes: 'alone/index.html?wasm=/assets/core.wasm', missing: 'alone/index.html' };
if (!dir || !pages[how]) {
  console.error('usage: node tests/npm/browser.mjs DIR beside|bytes|missing');
  process.exit(2);
}
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const origin = 'http://tricolor.test';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const requested = [];
  await page.route(`${origin}/**`, async (route) => {
    const url = new URL(route.request().url());
    requested.push(url.pathname);
    const [, where, file] = url.pathname.split('/');
    const served = where === 'assets' && file === 'core.wasm' ? 'tricolor-core.wasm'
      : where === 'beside' || (where === 'alone' && file !== 'tricolor-core.wasm') ? file : null;
    if (!served) return route.fulfill({ status: 404, body: 'not here' });
    return route.fulfill({ body: await readFile(path.join(dir, served)), contentType: TYPES[path.extname(served)] });
  });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${origin}/${pages[how]}`);
  await page.waitForFunction(() => document.title !== 'loading', null, { timeout: 20_000 });
  console.log(await page.title());
  console.log(`requested: ${requested.join(' ')}`);
} finally {
  await browser.close();
}
