import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { PathSegment } from '../../shared/workload'
import { jsonOffset, MAX_JSON_DEPTH, pathKey, scanJson } from './json-locations'

/** every path of a parsed JSON value, root first, in document order */
function pathsOf(value: unknown, path: PathSegment[] = []): string[] {
  const here = [pathKey(path)]
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...path, i])))
  if (value !== null && typeof value === 'object')
    return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...path, k])))
  return here
}

describe('scanJson', () => {
  it('accepts what JSON.parse accepts and locates every value', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), fc.boolean(), (text, pretty) => {
        const source = pretty ? JSON.stringify(JSON.parse(text), null, 2) : text
        const scan = scanJson(source)
        expect(scan.ok).toBe(true)
        if (!scan.ok) return
        expect([...scan.locations.keys()]).toEqual(pathsOf(JSON.parse(source)))
      }),
      { numRuns: 300, seed: 8 }
    )
  })

  it('rejects what JSON.parse rejects (truncated and edited texts)', () => {
    fc.assert(
      fc.property(
        fc.json({ maxDepth: 3 }),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', ':', '"', '\u0001', ' x'),
        (text, cut, insert) => {
          const at = cut % (text.length + 1)
          const edited = text.slice(0, at) + insert + text.slice(at + (insert ? 0 : 1))
          let parses = true
          try {
            JSON.parse(edited)
          } catch (_rejected) {
            parses = false
          }
          const scan = scanJson(edited)
          // the one deliberate difference: JSON.parse keeps the last of two equal keys (the
          // scanner stops at the repeat, which may come before a syntax error JSON.parse sees)
          if (!scan.ok && scan.message.includes('appears twice')) {
            const key = scan.message.match(/^the key (".*") appears twice/)![1]
            expect(edited.slice(scan.offset)).toMatch(new RegExp(`^"${JSON.parse(key)}"`))
            return
          }
          expect(scan.ok).toBe(parses)
        }
      ),
      { numRuns: 500, seed: 8 }
    )
  })

  it('names the first mistake and its offset', () => {
    expect(scanJson('{"a": 1,}')).toEqual({
      ok: false,
      offset: 8,
      message: 'expected a key in double quotes, found "}"'
    })
    expect(scanJson('[1 2]')).toEqual({
      ok: false,
      offset: 3,
      message: "expected ',' or ']', found \"2\""
    })
    expect(scanJson('{"a" 1}')).toEqual({
      ok: false,
      offset: 5,
      message: 'expected \':\' after the key "a", found "1"'
    })
    expect(scanJson('"abc')).toEqual({
      ok: false,
      offset: 0,
      message: 'unterminated or malformed string'
    })
    expect(scanJson('{} {}')).toEqual({
      ok: false,
      offset: 3,
      message: 'expected the end of the text after the value, found "{"'
    })
    expect(scanJson('')).toEqual({
      ok: false,
      offset: 0,
      message: 'expected a value, found the end of the text'
    })
    expect(scanJson('{"a":1,"a":2}')).toEqual({
      ok: false,
      offset: 7,
      message: 'the key "a" appears twice in one object'
    })
  })

  it('refuses nesting deeper than the bound instead of overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    expect(scanJson(deep)).toMatchObject({
      ok: false,
      message: `nested deeper than ${MAX_JSON_DEPTH} levels`
    })
    expect(scanJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)).ok).toBe(true)
  })
})

describe('jsonOffset', () => {
  const text = '{\n  "a": { "b": [10, 20] },\n  "c": 3\n}'
  const scan = scanJson(text)
  if (!scan.ok) throw new Error('fixture must parse')
  const at = (path: PathSegment[], atKey = false): string =>
    text.slice(jsonOffset(scan.locations, path, atKey)).slice(0, 4)

  it('points at the value, at the key for an unknown field, at the parent for a missing one', () => {
    expect(at(['a', 'b', 1])).toBe('20] ')
    expect(at(['c'])).toBe('3\n}')
    expect(at(['c'], true)).toBe('"c":')
    expect(at(['a', 'missing'])).toBe('{ "b')
    expect(at(['nowhere', 'deeper'])).toBe('{\n  ')
  })
})
