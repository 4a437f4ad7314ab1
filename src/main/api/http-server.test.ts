import { describe, expect, it } from 'vitest'
import { formatUrl, hostOf, isAllowedHost } from './http-server'

describe('URLs and Host names', () => {
  it('prints IPv6 listen addresses in brackets', () => {
    expect(formatUrl('::', 7777)).toBe('http://[::]:7777')
    expect(formatUrl('::1', 80)).toBe('http://[::1]:80')
    expect(formatUrl('[::1]', 80)).toBe('http://[::1]:80')
    expect(formatUrl('127.0.0.1', 7777)).toBe('http://127.0.0.1:7777')
    expect(formatUrl('localhost', 7777)).toBe('http://localhost:7777')
  })

  it('reads the host of a Host header, refusing malformed ones', () => {
    expect(hostOf('LocalHost:7777')).toBe('localhost')
    expect(hostOf('[::1]:7777')).toBe('::1')
    expect(hostOf('[::1]')).toBe('::1')
    expect(hostOf('10.0.0.5')).toBe('10.0.0.5')
    for (const bad of ['', '[::1', '[::1]x', 'a b', 'user@host', 'host:port', 'a/b'])
      expect(hostOf(bad), bad).toBeUndefined()
  })

  it('allows IP literals, loopback names and the given names only', () => {
    for (const host of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      'localhost',
      'app.localhost',
      'synkti.internal'
    ])
      expect(isAllowedHost(host, ['synkti.internal']), host).toBe(true)
    for (const host of ['evil.example', '127.0.0.1.nip.io', 'localhost.evil.example'])
      expect(isAllowedHost(host, ['synkti.internal']), host).toBe(false)
  })
})
