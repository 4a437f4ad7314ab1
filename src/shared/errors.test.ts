import { describe, expect, it } from 'vitest'
import { errorText } from './errors'

describe('errorText', () => {
  it('reads errors, named errors, strings and objects', () => {
    expect(errorText(new Error('boom'))).toBe('boom')
    class TraceError extends Error {
      override name = 'TraceError'
    }
    expect(errorText(new TraceError('bad tick'))).toBe('TraceError: bad tick')
    expect(errorText('plain')).toBe('plain')
    expect(errorText({ code: 1 })).toBe('{"code":1}')
    expect(errorText(undefined)).toBe('undefined')
  })

  it('adds the code of a fetch failure cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED'
    })
    expect(errorText(new TypeError('fetch failed', { cause }))).toBe(
      'TypeError: fetch failed: ECONNREFUSED'
    )
  })

  it('survives values JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(errorText(cyclic)).toBe('[object Object]')
    expect(errorText(10n)).toBe('10')
  })
})
