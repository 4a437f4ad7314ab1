// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { fakeClient, flush } from '../../../test/support/renderer/fake-client'

const { client } = vi.hoisted(() => ({ client: { current: null as unknown } }))
vi.mock('./api/client', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  createClient: () => client.current
}))

describe('main.ts', () => {
  it('boots the shell with the provided client and turns stray errors into toasts', async () => {
    client.current = fakeClient()
    history.replaceState(null, '', '#/fleet')
    document.body.innerHTML = '<div id="app"></div>'
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await import('./main')
    await flush()
    expect(document.querySelector('.shell')).not.toBeNull()
    expect(document.querySelectorAll('nav a')).toHaveLength(7)
    expect((client.current as ReturnType<typeof fakeClient>).subscribe).toHaveBeenCalledTimes(1)

    const event = new Event('unhandledrejection') as Event & { reason?: unknown }
    event.reason = new Error('kaboom in a callback')
    window.dispatchEvent(event)
    await flush()
    const toast = document.querySelector('[data-test="toast"]')
    expect(toast?.textContent).toContain('kaboom in a callback')
  })
})
