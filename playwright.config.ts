import { defineConfig } from '@playwright/test'

// End-to-end tests of the cockpit in Debian's Chromium (Playwright cannot download its own browser
// here), against `synkti serve` on the sandbox cloud. The daemon runs with a fixed test token and a
// fresh data folder, at the sandbox's default speed (a first preemption within about a minute).
export const E2E_PORT = Number(process.env.SYNKTI_E2E_PORT ?? 47_777)
export const E2E_TOKEN = 'e2e-token-0123456789abcdef'

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 150_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: {
    command: `node test/e2e/start-daemon.mjs ${E2E_PORT} ${E2E_TOKEN}`,
    url: `http://127.0.0.1:${E2E_PORT}/`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe'
  }
})
