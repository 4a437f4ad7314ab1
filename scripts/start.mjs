// `npm start`: the desktop app when Electron can start here; otherwise one line saying why, then the
// cockpit served to a browser by the headless daemon on 127.0.0.1.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)

function electronProblem() {
  try {
    // The electron package exports the binary's path, and throws when the binary was never downloaded.
    require('electron')
  } catch {
    return 'the Electron binary is not installed (it cannot be downloaded on this machine)'
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no display (DISPLAY is not set)'
  return null
}

const problem = electronProblem()
const [command, args] = problem
  ? [process.execPath, [join(root, 'bin', 'synkti.js'), 'serve', '--port', process.env.SYNKTI_PORT ?? '7777', ...process.argv.slice(2)]]
  : [join(root, 'node_modules', '.bin', 'electron-vite'), ['preview']]
if (problem) console.log(`Synkti desktop app cannot start: ${problem}; serving the cockpit to your browser instead (Ctrl-C stops it).`)
const child = spawn(command, args, { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
