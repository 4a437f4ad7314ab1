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

if (
  run(bin('electron-vite'), ['build']) !== 0 ||
  run(process.execPath, ['scripts/build-agent.mjs']) !== 0
) {
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

// vitest: unit, component and integration tests. The tests that hold the machine to real-time
// bounds (a service answering through reclaims, a daemon answering within 100 ms while it is
// fuzzed) run afterwards on their own, so the rest of the suite competing for the two cores
// cannot make them miss a bound they meet.
const ALONE = [
  'test/integration/workload-service.test.ts',
  'test/integration/daemon-fuzz.test.ts',
  'test/integration/workload-job.test.ts',
  'test/integration/workload-rebalance.test.ts'
]
const vitest = (name, args) => {
  const report = join(scratch, `${name}.json`)
  const status = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...args
  ])
  if (existsSync(report)) {
    const result = JSON.parse(readFileSync(report, 'utf8'))
    passed += result.numPassedTests
    failed += result.numFailedTests
    // a suite that failed to load has no tests to count but must still fail the run
    if (status !== 0 && result.numFailedTests === 0)
      failed += Math.max(1, result.numFailedTestSuites ?? 0)
  } else if (status !== 0) failed++
}
vitest(
  'vitest',
  ALONE.flatMap((file) => ['--exclude', file])
)
vitest('vitest-alone', ['--no-file-parallelism', ...ALONE])

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
