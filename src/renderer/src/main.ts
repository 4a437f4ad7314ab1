// Renderer entry: the Vue app, Pinia, the API client (Electron bridge or daemon HTTP) and a global
// error handler that turns any uncaught error into a toast instead of a blank window.
import { createApp, nextTick } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createClient } from './api/client'
import { CLIENT_KEY } from './api/use-client'
import { errorText } from '@shared/errors'
import { useNotificationsStore } from './stores/notifications'
import './styles/base.css'

const root = document.getElementById('app') as HTMLElement
const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
const notifications = useNotificationsStore(pinia)

/** Last resort when the shell itself could not render: a plain message instead of a blank window. */
function showFallback(err: unknown): void {
  if (root.querySelector('.shell')) return
  root.replaceChildren()
  const box = document.createElement('div')
  box.className = 'fatal'
  box.setAttribute('role', 'alert')
  const title = document.createElement('h1')
  title.textContent = 'Synkti could not start its window'
  const message = document.createElement('p')
  message.textContent = errorText(err)
  const reload = document.createElement('button')
  reload.type = 'button'
  reload.className = 'btn btn--primary'
  reload.textContent = 'Reload'
  reload.addEventListener('click', () => location.reload())
  box.append(title, message, reload)
  root.append(box)
}

function report(err: unknown, where: string): void {
  console.error(`[synkti] ${where}`, err)
  notifications.error(err, 'Unexpected error in the cockpit')
  void nextTick(() => showFallback(err))
}

app.config.errorHandler = (err, _instance, info) => report(err, `UI error (${info})`)
window.addEventListener('unhandledrejection', (event) => {
  console.error('[synkti] unhandled rejection', event.reason)
  notifications.error(event.reason, 'Unexpected error in the cockpit')
})
window.addEventListener('error', (event) => {
  // resource load errors carry no `error`; those are not ours to report
  if (event.error) notifications.error(event.error, 'Unexpected error in the cockpit')
})

try {
  // createClient reads (and stores) a daemon token from the hash before navigation rewrites it
  app.provide(CLIENT_KEY, createClient())
  app.mount(root)
} catch (err) {
  report(err, 'startup failed')
}
