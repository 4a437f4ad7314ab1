// The simulation worker thread runs a bundled script (out/main/simulation-worker.js after
// `electron-vite build`). Tests bundle the current source once per process instead, so they
// prove today's code and need no prior build.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'vite'

let built: Promise<string> | undefined

export function simulationWorkerScript(): Promise<string> {
  built ??= bundle()
  return built
}

async function bundle(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'synkti-worker-'))
  await build({
    configFile: false,
    logLevel: 'silent',
    // everything inlined: the bundle sits in a temp folder with no node_modules beside it
    ssr: { noExternal: true },
    build: {
      ssr: resolve(__dirname, '../../src/main/simulator/worker.ts'),
      outDir,
      emptyOutDir: false,
      minify: false,
      rollupOptions: { output: { format: 'cjs', entryFileNames: 'simulation-worker.js' } }
    }
  })
  return join(outDir, 'simulation-worker.js')
}
