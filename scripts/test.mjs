// `npm test`: builds the app (the CLI integration tests and the browser tests use the build), runs
// every test runner, and ends with one line `N passed, N failed` counting all of them together.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const run = (command, args, env = {}) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
    .status ?? 1

let passed = 0
let failed = 0
const scratch = mkdtempSync(join(tmpdir(), 'synkti-test-'))

if (run(bin('electron-vite'), ['build']) !== 0) {
  console.error('build failed')
  failed++
}

// the type check and the lint count as one test each: a type error or a broken rule fails the run
if (run('npm', ['run', '--silent', 'typecheck']) === 0) passed++
else {
  console.error('type check failed (npm run typecheck)')
  failed++
}
if (run('npm', ['run', '--silent', 'lint']) === 0) passed++
else {
  console.error('lint failed (npm run lint)')
  failed++
}

// vitest: unit, component and integration tests
const vitestReport = join(scratch, 'vitest.json')
const vitestStatus = run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`
])
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  // a suite that failed to load has no tests to count but must still fail the run
  if (vitestStatus !== 0 && report.numFailedTests === 0)
    failed += Math.max(1, report.numFailedTestSuites ?? 0)
} else if (vitestStatus !== 0) failed++

// Playwright: end-to-end in Debian's Chromium, when the cockpit's browser tests exist
if (existsSync(join(root, 'playwright.config.ts'))) {
  const playwrightReport = join(scratch, 'playwright.json')
  const status = run(bin('playwright'), ['test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport
  })
  if (existsSync(playwrightReport)) {
    const stats = JSON.parse(readFileSync(playwrightReport, 'utf8')).stats
    passed += stats.expected + (stats.flaky ?? 0)
    failed += stats.unexpected
    if (status !== 0 && stats.unexpected === 0) failed++
  } else if (status !== 0) failed++
}

rmSync(scratch, { recursive: true, force: true })
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
