// The Electron wiring with `electron` mocked: the window is created isolated and sandboxed, the
// bridge is registered on the one IPC channel, and navigation away from the app is refused.
import { describe, expect, it, vi } from 'vitest'
import { IPC_RPC_CHANNEL } from '../shared/api'

const created: {
  options: Record<string, unknown>
  handlers: Map<string, (...args: unknown[]) => void>
  loaded: string[]
}[] = []
const ipcHandle = vi.fn()
const permissions: {
  request?: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void
  check?: (wc: unknown, permission: string) => boolean
} = {}

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = (): unknown[] => created
    webContents = {
      handlers: new Map<string, (...args: unknown[]) => void>(),
      setWindowOpenHandler: vi.fn(),
      on: (event: string, fn: (...args: unknown[]) => void) =>
        this.webContents.handlers.set(event, fn),
      send: vi.fn(),
      isDestroyed: () => false
    }
    constructor(options: Record<string, unknown>) {
      created.push({ options, handlers: this.webContents.handlers, loaded: [] })
    }
    on(): void {}
    show(): void {}
    loadFile(file: string): Promise<void> {
      created[created.length - 1].loaded.push(file)
      return Promise.resolve()
    }
    loadURL(url: string): Promise<void> {
      created[created.length - 1].loaded.push(url)
      return Promise.resolve()
    }
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      getPath: () => '/tmp/synkti-test-userdata',
      getVersion: () => '0.1.0',
      on: vi.fn(),
      quit: vi.fn()
    },
    BrowserWindow,
    ipcMain: { handle: ipcHandle, removeHandler: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: typeof permissions.request) => (permissions.request = fn),
        setPermissionCheckHandler: (fn: typeof permissions.check) => (permissions.check = fn)
      }
    },
    shell: { openExternal: vi.fn() }
  }
})

vi.mock('./runtime/runtime', () => ({
  startRuntime: vi.fn(async () => ({
    handlers: {},
    hub: { subscribe: () => () => {}, publish: () => {} },
    stop: async () => {}
  }))
}))

describe('Electron main process wiring', () => {
  it('opens an isolated, sandboxed window and registers the bridge', async () => {
    await import('./index')
    await vi.waitFor(() => expect(created).toHaveLength(1))
    const { options, handlers, loaded } = created[0]
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false
    })
    expect(String((options.webPreferences as { preload: string }).preload)).toMatch(
      /preload[\\/]index\.js$/
    )
    expect(loaded[0]).toMatch(/renderer[\\/]index\.html$/)
    await vi.waitFor(() =>
      expect(ipcHandle).toHaveBeenCalledWith(IPC_RPC_CHANNEL, expect.any(Function))
    )
    // navigation to remote content is refused
    const preventDefault = vi.fn()
    handlers.get('will-navigate')!({ preventDefault }, 'https://example.com/')
    expect(preventDefault).toHaveBeenCalled()
    // and so is a file outside the app
    const outside = vi.fn()
    handlers.get('will-navigate')!({ preventDefault: outside }, 'file:///etc/passwd')
    expect(outside).toHaveBeenCalled()
    const inside = vi.fn()
    handlers.get('will-navigate')!({ preventDefault: inside }, `file://${loaded[0]}`)
    expect(inside).not.toHaveBeenCalled()
  })

  it('denies permission requests and checks by default', async () => {
    await import('./index')
    await vi.waitFor(() => expect(permissions.request).toBeDefined())
    const appPage = { getURL: () => `file://${created[0].loaded[0]}` }
    const answers: boolean[] = []
    permissions.request!(appPage, 'media', (granted) => answers.push(granted))
    permissions.request!(appPage, 'geolocation', (granted) => answers.push(granted))
    permissions.request!({ getURL: () => 'https://evil.example/' }, 'notifications', (granted) =>
      answers.push(granted)
    )
    expect(answers).toEqual([false, false, false])
    expect(permissions.check!(appPage, 'media')).toBe(false)
    expect(permissions.check!(null, 'notifications')).toBe(false)
    // the cockpit's own desktop notifications still work
    expect(permissions.check!(appPage, 'notifications')).toBe(true)
  })
})
