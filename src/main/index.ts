// Electron main process wiring: the only runtime `electron` import besides the preload. The engine
// below it is plain Node; this file starts it, registers the bridge and opens the window.
import { join } from 'node:path'
import { app, BrowserWindow, ipcMain, session, shell } from 'electron'
import { forwardStream, registerBridge } from './desktop/bridge'
import {
  cockpitWindowOptions,
  isAllowedNavigation,
  isAllowedPermission
} from './desktop/window-options'
import { startRuntime, type Runtime } from './runtime/runtime'

let runtime: Runtime | undefined
/** the built cockpit's folder: the only files the window may load */
const appRoot = join(__dirname, '../renderer')
const devServer = process.env.ELECTRON_RENDERER_URL

/** Camera, microphone, geolocation, USB…: denied unless the app's page asks for one it uses. */
function denyPermissionsByDefault(): void {
  session.defaultSession.setPermissionRequestHandler((webContents, permission, callback) =>
    callback(isAllowedPermission(permission, webContents.getURL(), appRoot, devServer))
  )
  session.defaultSession.setPermissionCheckHandler((webContents, permission) =>
    isAllowedPermission(permission, webContents?.getURL(), appRoot, devServer)
  )
}

function createWindow(rt: Runtime): BrowserWindow {
  const window = new BrowserWindow(cockpitWindowOptions(join(__dirname, '../preload/index.js')))
  window.on('ready-to-show', () => window.show())
  // No remote content: external https links open in the browser; everything else is refused.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, appRoot, devServer)) event.preventDefault()
  })
  const unsubscribe = forwardStream(rt.hub, window.webContents)
  window.on('closed', unsubscribe)
  if (devServer) void window.loadURL(devServer)
  else void window.loadFile(join(appRoot, 'index.html'))
  return window
}

void app.whenReady().then(async () => {
  denyPermissionsByDefault()
  runtime = await startRuntime({
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    log: (line) => console.log(line)
  })
  let window = createWindow(runtime)
  registerBridge(
    ipcMain,
    runtime.handlers,
    (event) => event.sender === window.webContents,
    runtime.speed
  )
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
