// `npm run bench [-- name...]`: builds (the simulation sweep uses the built worker), then runs each
// benchmark in turn and prints its markdown table. BENCHMARKS.md records the figures.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const wanted = process.argv.slice(2)
const benches = readdirSync(join(root, 'test', 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()

if (spawnSync(bin('electron-vite'), ['build'], { cwd: root, stdio: 'ignore' }).status !== 0) {
  console.error('bench: build failed; run `npm run build` to see why')
  process.exit(1)
}
let failed = 0
for (const file of benches) {
  console.log(`\n## ${file}\n`)
  const status = spawnSync(bin('tsx'), [join('test', 'bench', file)], {
    cwd: root,
    stdio: 'inherit'
  }).status
  if (status !== 0) failed++
}
process.exit(failed ? 1 : 0)
