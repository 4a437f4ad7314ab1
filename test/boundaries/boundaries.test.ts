// Proves that each import boundary and lint rule bites: the small files under test/boundaries
// break one rule each, and the project's own configs (.dependency-cruiser.cjs, eslint.config.mjs)
// must report exactly that rule for exactly that file.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const fixtures = 'test/boundaries/src'

interface Violation {
  rule: { name: string }
  from: string
  to: string
}

let violations: Violation[] = []

beforeAll(() => {
  const run = spawnSync(
    join(root, 'node_modules', '.bin', 'depcruise'),
    [fixtures, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  )
  expect(run.stdout, run.stderr).toContain('"summary"')
  violations = JSON.parse(run.stdout).summary.violations
})

const broken = (rule: string): string[] =>
  violations
    .filter((v) => v.rule.name === rule)
    .map((v) => v.from.replace(`${fixtures}/`, ''))
    .sort()

describe('import boundaries (dependency-cruiser)', () => {
  it('src/shared imports nothing from main, preload or renderer', () => {
    expect(broken('shared-imports-only-shared')).toEqual(['shared/imports-engine.ts'])
  })

  it('the renderer reaches the engine only through the contract', () => {
    expect(broken('renderer-reaches-engine-only-through-contract')).toEqual([
      'renderer/imports-engine.ts'
    ])
  })

  it('the pure cores import only src/shared and each other, never the real clock', () => {
    expect(broken('pure-cores-import-only-shared-and-cores')).toEqual([
      'main/policies/imports-real-clock.ts',
      'main/simulator/imports-history.ts'
    ])
  })

  it('only the desktop wiring imports electron', () => {
    expect(broken('only-desktop-wiring-imports-electron')).toEqual([
      'main/engine/imports-electron.ts'
    ])
  })

  it('product code never imports test doubles', () => {
    expect(broken('product-never-imports-test-code')).toEqual([
      'main/engine/imports-test-double.ts'
    ])
  })

  it('no folder imports itself through another folder', () => {
    expect(broken('no-folder-cycles')).toEqual(['main/alpha', 'main/beta'])
  })

  it('no module imports itself through others', () => {
    expect(broken('no-module-cycles')).toEqual(['main/gamma/first.ts'])
  })

  it('reports nothing else', () => {
    expect(violations).toHaveLength(9)
  })
})

describe('lint rules (ESLint)', () => {
  // the fixtures are ignored by the project's lint run; here they are linted on purpose
  const eslint = new ESLint({ cwd: root, ignore: false })
  const messagesOf = async (file: string): Promise<string[]> => {
    const [result] = await eslint.lintFiles([join(root, 'test/boundaries/lint', file)])
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`)
  }

  it('refuses a silent catch', async () => {
    expect(await messagesOf('silent-catch.ts')).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Silent catch/)
    ])
  })

  it('refuses (error as Error).message in favour of errorText', async () => {
    expect(await messagesOf('error-cast.ts')).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Use errorText\(error\)/),
      expect.stringMatching(/^no-restricted-syntax: Use errorText\(error\)/)
    ])
  })
})
