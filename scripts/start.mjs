// `npm start`: the desktop app when Electron can start here; otherwise one line saying why, then the
// most useful thing this machine can do without it.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)

function electronBinary() {
  try {
    // The electron package exports the binary's path, and throws when the binary was never downloaded.
    return { path: require('electron') }
  } catch (error) {
    return { reason: 'the Electron binary is not installed (it cannot be downloaded on this machine)' }
  }
}

const electron = electronBinary()
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY
const reason = electron.reason ?? (headless ? 'there is no display (DISPLAY is not set)' : null)

if (!reason) {
  const child = spawn(join(root, 'node_modules', '.bin', 'electron-vite'), ['preview'], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  console.log(`Synkti desktop app cannot start: ${reason}; running the what-if simulator demo instead.`)
  const cli = join(root, 'bin', 'synkti.js')
  const status = spawnSync(process.execPath, [cli, 'simulate', '--runs', '20'], { cwd: root, stdio: 'inherit' }).status
  console.log(
    [
      '',
      'More: npx synkti simulate --help',
      '      npx synkti simulate --trace ../shared/traces/aws-v100-1node-2023-02 --runs 50',
      '      npx synkti simulate --job 30 --deadline 60 --changeover 0.2 --policies greedy,uniform-progress,ondemand --runs 50'
    ].join('\n')
  )
  process.exit(status ?? 1)
}
