// `npm run lint`: ESLint (code), Prettier (layout) and dependency-cruiser (import boundaries and
// folder cycles, .dependency-cruiser.cjs). Every check runs; the exit status fails if any did.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const checks = [
  ['eslint', [bin('eslint'), '--max-warnings', '0', '.']],
  ['prettier', [bin('prettier'), '--check', '--log-level', 'warn', '.']],
  ['boundaries', [bin('depcruise'), 'src', '--config', '.dependency-cruiser.cjs']]
]
const failed = []
for (const [name, [command, ...args]] of checks) {
  const status = spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status
  if (status !== 0) failed.push(name)
}
if (failed.length > 0) {
  console.error(`lint failed: ${failed.join(', ')}`)
  process.exit(1)
}
console.log('lint: eslint, prettier and import boundaries clean')
