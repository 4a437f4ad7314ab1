// Sandboxed preload: exposes the typed Synkti API to the renderer through contextBridge, and nothing
// else (no ipcRenderer, no Node). Inputs are validated again in the main process.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  IPC_RPC_CHANNEL,
  IPC_STREAM_CHANNEL,
  type ApiEnvelope,
  type StreamEvent,
  type SynktiBridge
} from '../shared/api'

const bridge: SynktiBridge = {
  invoke: (method, input) =>
    ipcRenderer.invoke(IPC_RPC_CHANNEL, String(method), input) as Promise<ApiEnvelope>,
  subscribe: (listener) => {
    const forward = (_event: IpcRendererEvent, payload: StreamEvent): void => listener(payload)
    ipcRenderer.on(IPC_STREAM_CHANNEL, forward)
    return () => ipcRenderer.removeListener(IPC_STREAM_CHANNEL, forward)
  }
}

contextBridge.exposeInMainWorld('synkti', bridge)
