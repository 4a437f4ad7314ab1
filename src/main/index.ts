// Electron main process wiring: the only runtime `electron` import besides the preload. The engine
// below it is plain Node; this file starts it, registers the bridge and opens the window.
import { join } from 'node:path'
import { app, BrowserWindow, ipcMain, shell } from 'electron'
import { forwardStream, registerBridge } from './desktop/bridge'
import { cockpitWindowOptions, isAllowedNavigation } from './desktop/window-options'
import { startRuntime, type Runtime } from './runtime/runtime'

let runtime: Runtime | undefined

function createWindow(rt: Runtime): BrowserWindow {
  const window = new BrowserWindow(cockpitWindowOptions(join(__dirname, '../preload/index.js')))
  const devServer = process.env.ELECTRON_RENDERER_URL
  window.on('ready-to-show', () => window.show())
  // No remote content: external https links open in the browser; everything else is refused.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, devServer)) event.preventDefault()
  })
  const unsubscribe = forwardStream(rt.hub, window.webContents)
  window.on('closed', unsubscribe)
  if (devServer) void window.loadURL(devServer)
  else void window.loadFile(join(__dirname, '../renderer/index.html'))
  return window
}

void app.whenReady().then(async () => {
  runtime = await startRuntime({
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    log: (line) => console.log(line)
  })
  let window = createWindow(runtime)
  registerBridge(ipcMain, runtime.handlers, (event) => event.sender === window.webContents)
  // Desktop notifications for notices and failovers are raised by the renderer (Notification API).
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && runtime) window = createWindow(runtime)
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('before-quit', (event) => {
  if (!runtime) return
  event.preventDefault()
  const stopping = runtime
  runtime = undefined
  void stopping.stop().finally(() => app.quit())
})
