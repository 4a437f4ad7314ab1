// breaks only-desktop-wiring-imports-electron
import { app } from 'electron'
export const appName = app
