import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { IPC_RPC_CHANNEL, IPC_STREAM_CHANNEL, type ApiEnvelope } from '../../shared/api'
import { ApiError, dispatchApiCall, type ApiHandlers, type StreamHub } from '../api/handlers'
import { errorText } from '../../shared/errors'

/**
 * Registers the typed API on the Electron bridge: every call is validated against the shared
 * schemas (dispatchApiCall) and answered with an envelope, so a bad payload from the renderer gets a
 * clear error instead of crashing the main process. Calls from any frame other than the app's own
 * window are refused.
 */
export function registerBridge(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: ApiHandlers,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  /** cloud seconds per real second, sent with every result */
  speed = 1
): () => void {
  ipcMain.handle(
    IPC_RPC_CHANNEL,
    async (event, method: unknown, input: unknown): Promise<ApiEnvelope> => {
      if (!isTrustedSender(event))
        return {
          error: { code: 'unauthorized', message: 'calls are only accepted from the Synkti window' }
        }
      if (typeof method !== 'string')
        return { error: { code: 'bad-request', message: 'method must be a string' } }
      try {
        return { result: await dispatchApiCall(handlers, method, input), clock: { speed } }
      } catch (error) {
        if (error instanceof ApiError)
          return { error: { code: error.code, message: error.message } }
        return {
          error: { code: 'failed', message: errorText(error) }
        }
      }
    }
  )
  return () => ipcMain.removeHandler(IPC_RPC_CHANNEL)
}

/** Forwards the engine's live events to the window. */
export function forwardStream(
  hub: StreamHub,
  webContents: Pick<WebContents, 'send' | 'isDestroyed'>
): () => void {
  return hub.subscribe((event) => {
    if (!webContents.isDestroyed()) webContents.send(IPC_STREAM_CHANNEL, event)
  })
}
