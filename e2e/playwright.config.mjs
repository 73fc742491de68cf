// End-to-end tests of the visualiser in Debian's Chromium, headless:
//   npx playwright test -c e2e/playwright.config.mjs   (make test runs them)
// The page is served from build/web (make web) by web/serve.mjs.
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT || 8181);

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs$/,
  outputDir: 'results/artifacts',
  timeout: 90_000,
  workers: 1,
  retries: 0,
  reporter: [['./reporter.mjs']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', '--disable-sync', '--disable-quic'],
    },
  },
  webServer: {
    command: `node web/serve.mjs build/web --port ${PORT}`,
    cwd: '..',
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 20_000,
  },
});
