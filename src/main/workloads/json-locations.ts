// Where things are in a JSON text. JSON.parse gives values but no positions (and, for an unexpected
// token, not even the position of the mistake), so this small RFC 8259 scanner walks the text once:
// it finds the first syntax error's offset, or records the offset of every key and value by path,
// so a validation problem at `checkpoint.stateGiB` can name its line.
import type { PathSegment } from '../../shared/workload'

export interface JsonLocation {
  /** offset of the key's opening quote (members of objects only) */
  key?: number
  value: number
}

export type JsonScan =
  | { ok: true; locations: Map<string, JsonLocation> }
  | { ok: false; offset: number; message: string }

/** Deeper nesting than any workload needs is refused rather than risking the stack. */
export const MAX_JSON_DEPTH = 64

// RFC 8259 forbids raw control characters in strings: the class names them on purpose
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const LITERAL = /true|false|null/y

class JsonSyntax extends Error {
  constructor(
    readonly offset: number,
    message: string
  ) {
    super(message)
    this.name = 'JsonSyntax'
  }
}

export const pathKey = (path: readonly PathSegment[]): string => JSON.stringify(path)

export function scanJson(text: string): JsonScan {
  const locations = new Map<string, JsonLocation>()
  let at = 0

  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++
  }
  const found = (): string => (at >= text.length ? 'the end of the text' : JSON.stringify(text[at]))
  const fail = (expected: string): never => {
    throw new JsonSyntax(at, `expected ${expected}, found ${found()}`)
  }
  const token = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at
    const match = pattern.exec(text)
    if (!match) return undefined
    at += match[0].length
    return match[0]
  }
  const string = (): string => {
    const start = at
    const raw = token(STRING)
    if (raw === undefined) {
      if (text[at] === '"') throw new JsonSyntax(start, 'unterminated or malformed string')
      fail('a string')
    }
    return JSON.parse(raw!) as string
  }

  const value = (path: PathSegment[], key: number | undefined): void => {
    skipSpace()
    if (path.length > MAX_JSON_DEPTH)
      throw new JsonSyntax(at, `nested deeper than ${MAX_JSON_DEPTH} levels`)
    locations.set(pathKey(path), { key, value: at })
    const c = text[at]
    if (c === '{') return object(path)
    if (c === '[') return array(path)
    if (c === '"') return void string()
    if (token(NUMBER) !== undefined || token(LITERAL) !== undefined) return
    fail('a value')
  }

  const object = (path: PathSegment[]): void => {
    at++ // {
    skipSpace()
    if (text[at] === '}') return void at++
    // JSON.parse keeps the last of two equal keys; in a workload that is a mistake, as in YAML
    const keys = new Set<string>()
    for (;;) {
      skipSpace()
      const keyAt = at
      if (text[at] !== '"') fail('a key in double quotes')
      const key = string()
      if (keys.has(key))
        throw new JsonSyntax(keyAt, `the key ${JSON.stringify(key)} appears twice in one object`)
      keys.add(key)
      skipSpace()
      if (text[at] !== ':') fail(`':' after the key ${JSON.stringify(key)}`)
      at++
      value([...path, key], keyAt)
      skipSpace()
      if (text[at] === ',') {
        at++
        continue
      }
      if (text[at] === '}') return void at++
      fail("',' or '}'")
    }
  }

  const array = (path: PathSegment[]): void => {
    at++ // [
    skipSpace()
    if (text[at] === ']') return void at++
    for (let index = 0; ; index++) {
      value([...path, index], undefined)
      skipSpace()
      if (text[at] === ',') {
        at++
        continue
      }
      if (text[at] === ']') return void at++
      fail("',' or ']'")
    }
  }

  try {
    value([], undefined)
    skipSpace()
    if (at < text.length) fail('the end of the text after the value')
    return { ok: true, locations }
  } catch (error) {
    if (error instanceof JsonSyntax)
      return { ok: false, offset: error.offset, message: error.message }
    throw error
  }
}

/**
 * The offset that best shows a problem at `path`: the value, or the key when the key itself is the
 * problem (an unknown field); for a path that does not exist (a missing field), its nearest
 * existing parent.
 */
export function jsonOffset(
  locations: Map<string, JsonLocation>,
  path: readonly PathSegment[],
  atKey: boolean
): number {
  for (let length = path.length; length >= 0; length--) {
    const location = locations.get(pathKey(path.slice(0, length)))
    if (!location) continue
    if (length === path.length && atKey) return location.key ?? location.value
    return location.value
  }
  return 0
}
