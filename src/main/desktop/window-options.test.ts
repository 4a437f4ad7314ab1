// Which pages the cockpit window may load, and which permissions its pages get.
import { describe, expect, it } from 'vitest'
import { isAllowedNavigation, isAllowedPermission } from './window-options'

const root = '/opt/Synkti/resources/app/out/renderer'
const page = `file://${root}/index.html`

describe('navigation', () => {
  it('refuses file:// URLs outside the app, however they are spelled', () => {
    for (const url of [
      'file:///etc/passwd',
      'file:///home/user/secrets.html',
      `file://${root}/../main/index.js`,
      `file://${root}/%2E%2E/main/index.js`,
      'file:///opt/Synkti/resources/app/out/renderer-evil/index.html',
      `file://${root}`,
      `file://remote-host${root}/index.html`
    ])
      expect(isAllowedNavigation(url, root), url).toBe(false)
  })

  it('allows the app pages, and the dev server by its origin only', () => {
    expect(isAllowedNavigation(page, root)).toBe(true)
    expect(isAllowedNavigation(`file://${root}/assets/index.js`, root)).toBe(true)
    const dev = 'http://localhost:5173'
    expect(isAllowedNavigation('http://localhost:5173/#/fleet', root, dev)).toBe(true)
    expect(isAllowedNavigation('http://localhost:5173.evil.example/', root, dev)).toBe(false)
    expect(isAllowedNavigation('http://localhost:5173/', root)).toBe(false)
    expect(isAllowedNavigation('not a url', root)).toBe(false)
  })
})

describe('permissions', () => {
  it('denies every permission by default, to the app and to anything else', () => {
    for (const permission of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'usb'])
      expect(isAllowedPermission(permission, page, root), permission).toBe(false)
    expect(isAllowedPermission('notifications', 'https://evil.example/', root)).toBe(false)
    expect(isAllowedPermission('notifications', 'file:///tmp/x.html', root)).toBe(false)
    expect(isAllowedPermission('notifications', undefined, root)).toBe(false)
  })

  it("grants the cockpit's own page its desktop notifications", () => {
    expect(isAllowedPermission('notifications', page, root)).toBe(true)
  })
})
