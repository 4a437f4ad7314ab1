// Chart drawing in real Chromium: 100,000 spot price points and 10,000 fleet events through the
// cockpit's own option builders (target: each draws in under half a second).
// `npx tsx test/bench/charts.bench.ts` (needs /usr/bin/chromium, as the browser tests do).
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { build } from 'vite'

export async function runChartBench(): Promise<{
  price: { median: number; build: number }
  timeline: { median: number; build: number }
}> {
  const out = mkdtempSync(join(tmpdir(), 'synkti-chart-bench-'))
  try {
    await build({
      configFile: false,
      root: join(__dirname, 'charts'),
      base: './',
      logLevel: 'silent',
      resolve: {
        alias: {
          '@shared': join(__dirname, '../../src/shared'),
          '@renderer': join(__dirname, '../../src/renderer/src')
        }
      },
      build: { outDir: out, emptyOutDir: true, modulePreload: { polyfill: false } }
    })
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--allow-file-access-from-files'
      ]
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      await page.goto(`file://${join(out, 'index.html')}`)
      await page.waitForFunction(() => 'runChartBench' in window)
      return await page.evaluate(() =>
        (window as unknown as { runChartBench: () => Promise<never> }).runChartBench()
      )
    } finally {
      await browser.close()
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

if (require.main === module) {
  void runChartBench().then((r) => {
    console.log(
      `machine: ${cpus()[0]?.model} x ${cpus().length}, node ${process.version}, Debian Chromium (headless, software rendering)`
    )
    console.log('| chart | option build | build + draw (median of 5) | target |')
    console.log('| --- | ---: | ---: | --- |')
    console.log(
      `| spot prices, 100,000 points, 4 zones | ${r.price.build.toFixed(1)} ms | ${r.price.median.toFixed(1)} ms | < 500 ms |`
    )
    console.log(
      `| timeline, 10,000 events, 40 instances | ${r.timeline.build.toFixed(1)} ms | ${r.timeline.median.toFixed(1)} ms | < 500 ms |`
    )
  })
}
