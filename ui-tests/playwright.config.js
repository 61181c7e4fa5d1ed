/**
 * Galata UI tests of Layerwise: a real JupyterLab 4 server from the project's venv, driven in
 * Debian's Chromium (/usr/bin/chromium; Playwright's own browser downloads are not used).
 */
// Playwright loads this file as CommonJS, like Galata's base configuration it extends.
/* eslint-disable @typescript-eslint/no-require-imports */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.LAYERWISE_UI_PORT || '8898';
const venvBin = path.resolve(__dirname, '..', '.venv', 'bin');

module.exports = {
  ...baseConfig,
  testDir: './tests',
  // One analysis on 2 cores takes a few minutes; the whole suite stays under ~10 minutes.
  timeout: 8 * 60 * 1000,
  expect: { timeout: 30 * 1000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    acceptDownloads: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--no-first-run',
        '--mute-audio'
      ]
    }
  },
  // scripts/test-wheel.sh starts JupyterLab itself, from the wheel's venv outside the repository.
  webServer: process.env.LAYERWISE_UI_SERVER_RUNNING
    ? undefined
    : {
        command: `jupyter lab --config jupyter_server_test_config.py`,
        url: `http://localhost:${port}/lab`,
        timeout: 3 * 60 * 1000,
        reuseExistingServer: !process.env.CI,
        env: {
          ...process.env,
          PATH: `${venvBin}${path.delimiter}${process.env.PATH}`,
          LAYERWISE_UI_PORT: port
        }
      }
};
