// `npm start`: the desktop app when Electron can start here; otherwise one line saying why, then the
// cockpit served to a browser by the headless daemon on 127.0.0.1.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const root = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)

function electronProblem() {
  // Look for the binary without require('electron'): since v42 that call tries to download it, which
  // fails noisily on machines without general internet.
  let dir
  try {
    dir = dirname(require.resolve('electron/package.json'))
  } catch {
    return 'the electron package is not installed (run npm install)'
  }
  const pathFile = join(dir, 'path.txt')
  const binary = existsSync(pathFile)
    ? join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
    : null
  if (!process.env.ELECTRON_OVERRIDE_DIST_PATH && !(binary && existsSync(binary))) {
    return 'the Electron binary is not installed (it cannot be downloaded on this machine)'
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (DISPLAY is not set)'
  return null
}

const problem = electronProblem()
const [command, args] = problem
  ? [
      process.execPath,
      [
        join(root, 'bin', 'synkti.js'),
        'serve',
        '--port',
        process.env.SYNKTI_PORT ?? '7777',
        ...process.argv.slice(2)
      ]
    ]
  : [join(root, 'node_modules', '.bin', 'electron-vite'), ['preview']]
if (problem)
  console.log(
    `Synkti desktop app cannot start: ${problem}; serving the cockpit to your browser instead (Ctrl-C stops it).`
  )
const child = spawn(command, args, { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
