// Builds the node agent as one file (out/agent/synkti-agent.mjs, everything but Node itself inside)
// and its sha256 (synkti-agent.mjs.sha256, `sha256sum -c` format). The cockpit uploads this file to
// its S3 bucket and every launch's boot script fetches it and checks the sum before running it.
// Run by `npm run build`; `node scripts/build-agent.mjs [outDir]`.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = resolve(process.argv[2] ?? join(root, 'out', 'agent'))
const outFile = join(outDir, 'synkti-agent.mjs')
mkdirSync(outDir, { recursive: true })

await build({
  entryPoints: [join(root, 'src/main/cli/agent-main.ts')],
  outfile: outFile,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // the AWS SDK and commander are CommonJS inside: give the ESM bundle a require()
  banner: {
    js: "import { createRequire as __synktiRequire } from 'node:module'; const require = __synktiRequire(import.meta.url);"
  },
  legalComments: 'none',
  // readable stack traces in the instance's journal matter more than a smaller download
  minify: false,
  logLevel: 'warning'
})

const sha256 = createHash('sha256').update(readFileSync(outFile)).digest('hex')
writeFileSync(`${outFile}.sha256`, `${sha256}  synkti-agent.mjs\n`)
console.log(`${outFile} ${sha256}`)
