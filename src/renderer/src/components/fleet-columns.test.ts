import { describe, expect, it } from 'vitest'
import { FLEET_COLUMNS_STORAGE_KEY, loadHiddenColumns, saveHiddenColumns } from './fleet-columns'

function memoryStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v)
  }
}

describe('fleet column choice', () => {
  it('round-trips the hidden columns and drops unknown ones', () => {
    const store = memoryStore()
    expect(loadHiddenColumns(store)).toEqual([])
    expect(saveHiddenColumns(store, ['model', 'costSoFar'])).toBe(true)
    expect(loadHiddenColumns(store)).toEqual(['model', 'costSoFar'])
    store.data.set(FLEET_COLUMNS_STORAGE_KEY, JSON.stringify(['model', 'name', 'nope', 3]))
    expect(loadHiddenColumns(store)).toEqual(['model']) // name and actions cannot be hidden
  })

  it('starts with every column when the stored value is not JSON, or there is no store', () => {
    expect(loadHiddenColumns(memoryStore({ [FLEET_COLUMNS_STORAGE_KEY]: '{oops' }))).toEqual([])
    expect(loadHiddenColumns(undefined)).toEqual([])
    expect(saveHiddenColumns(undefined, ['model'])).toBe(false)
  })

  it('keeps the choice for the session when the store refuses it', () => {
    const refusing = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError')
      }
    }
    expect(saveHiddenColumns(refusing, ['model'])).toBe(false)
  })
})
