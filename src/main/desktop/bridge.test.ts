import { describe, expect, it, vi } from 'vitest'
import { IPC_RPC_CHANNEL, IPC_STREAM_CHANNEL } from '../../shared/api'
import { createStreamHub, type ApiHandlers } from '../api/handlers'
import { forwardStream, registerBridge } from './bridge'
import { cockpitWindowOptions, isAllowedNavigation } from './window-options'

type Handler = (event: unknown, method: unknown, input: unknown) => Promise<unknown>

function fakeIpc() {
  const handlers = new Map<string, Handler>()
  return {
    handlers,
    handle: vi.fn((channel: string, fn: Handler) => handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel))
  }
}

const handlers = {
  status: vi.fn(async () => ({
    mode: 'sandbox',
    startedAt: 0,
    now: 1,
    message: 'ok',
    version: 't',
    dataDir: '/tmp'
  })),
  events: vi.fn(async () => [])
} as unknown as ApiHandlers

describe('Electron bridge', () => {
  it('registers one invoke channel and answers valid calls with a result envelope', async () => {
    const ipc = fakeIpc()
    registerBridge(ipc, handlers, () => true, 360)
    expect(ipc.handle).toHaveBeenCalledWith(IPC_RPC_CHANNEL, expect.any(Function))
    const answer = await ipc.handlers.get(IPC_RPC_CHANNEL)!({}, 'status', {})
    expect(answer).toEqual({
      result: expect.objectContaining({ mode: 'sandbox' }),
      clock: { speed: 360 }
    })
  })

  it('answers a bad payload with a clear error instead of throwing', async () => {
    const ipc = fakeIpc()
    registerBridge(ipc, handlers, () => true)
    const call = ipc.handlers.get(IPC_RPC_CHANNEL)!
    expect(await call({}, 'events', { from: 'yesterday', to: 5 })).toEqual({
      error: { code: 'bad-request', message: expect.stringMatching(/^events: from/) }
    })
    expect(await call({}, 'rm -rf', {})).toEqual({
      error: { code: 'not-found', message: 'unknown method "rm -rf"' }
    })
    expect(await call({}, 42, {})).toEqual({
      error: { code: 'bad-request', message: 'method must be a string' }
    })
    expect(handlers.events).not.toHaveBeenCalled()
  })

  it('refuses calls from frames other than the app window', async () => {
    const ipc = fakeIpc()
    registerBridge(ipc, handlers, () => false)
    expect(await ipc.handlers.get(IPC_RPC_CHANNEL)!({}, 'status', {})).toEqual({
      error: expect.objectContaining({ code: 'unauthorized' })
    })
  })

  it('unregisters its channel', () => {
    const ipc = fakeIpc()
    registerBridge(ipc, handlers, () => true)()
    expect(ipc.removeHandler).toHaveBeenCalledWith(IPC_RPC_CHANNEL)
  })

  it('forwards stream events to the window until it is destroyed', () => {
    const hub = createStreamHub()
    let destroyed = false
    const contents = { send: vi.fn(), isDestroyed: () => destroyed }
    forwardStream(hub, contents)
    hub.publish({ type: 'event', event: { at: 1, kind: 'notice', instanceId: 'i-1' } })
    destroyed = true
    hub.publish({ type: 'event', event: { at: 2, kind: 'notice', instanceId: 'i-2' } })
    expect(contents.send).toHaveBeenCalledTimes(1)
    expect(contents.send).toHaveBeenCalledWith(
      IPC_STREAM_CHANNEL,
      expect.objectContaining({ type: 'event' })
    )
  })
})

describe('cockpit window', () => {
  it('isolates the renderer: context isolation and sandbox on, no Node', () => {
    const options = cockpitWindowOptions('/app/preload.js')
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true
    })
  })

  it('allows navigation only to the app itself', () => {
    const root = '/app/out/renderer'
    expect(isAllowedNavigation('file:///app/out/renderer/index.html', root)).toBe(true)
    expect(isAllowedNavigation('https://evil.example/', root)).toBe(false)
    expect(
      isAllowedNavigation('http://localhost:5173/#/fleet', root, 'http://localhost:5173')
    ).toBe(true)
  })
})
