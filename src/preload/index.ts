// Sandboxed preload: exposes the typed Synkti API to the renderer through contextBridge.
import { contextBridge } from 'electron'

contextBridge.exposeInMainWorld('synkti', { version: '0.1.0' })
