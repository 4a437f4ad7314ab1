// Starts `synkti serve` for the browser tests: sandbox mode (default speed) with its demo service,
// fresh data folder, loopback only, and it stops by itself after 15 minutes in case Playwright is killed before it can stop it.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [port, token] = process.argv.slice(2)
const root = join(import.meta.dirname, '..', '..')
const dataDir = join(root, 'test-results', 'e2e-data')
rmSync(dataDir, { recursive: true, force: true })
mkdirSync(dataDir, { recursive: true })
writeFileSync(
  join(dataDir, 'settings.json'),
  JSON.stringify({ mode: 'sandbox', sandbox: { speed: 360, tracePath: '' } })
)
const child = spawn(
  process.execPath,
  [
    join(root, 'bin', 'synkti.js'),
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    port,
    '--token',
    token,
    '--data-dir',
    dataDir,
    '--exit-after',
    '900',
    // any free port: never collide with a router (or anything else) already on 8000
    '--router-port',
    '0'
  ],
  { cwd: root, stdio: 'inherit' }
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
