// Settings are answered as saved only once they are on disk.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/api'
import { toApiError } from '../api/handlers'
import { openSettingsStore } from './settings-store'

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('settings store', () => {
  it('saves to disk before answering', () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-settings-'))
    const store = openSettingsStore(dir)
    const next = structuredClone(DEFAULT_SETTINGS)
    next.budgetPerHour = 7
    expect(store.set(next).budgetPerHour).toBe(7)
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).budgetPerHour).toBe(7)
  })

  it('a write that fails is a 503 with the reason, and the settings in force stay as they were', () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-settings-'))
    const store = openSettingsStore(dir)
    // the temporary file's name taken by a folder: the write fails as on a read-only disk
    mkdirSync(join(dir, 'settings.json.tmp'))
    const next = structuredClone(DEFAULT_SETTINGS)
    next.budgetPerHour = 9
    let refused: unknown
    try {
      store.set(next)
    } catch (error) {
      refused = error
    }
    const api = toApiError(refused)
    expect(api.code).toBe('unavailable')
    expect(api.message).toMatch(/^settings not saved to .*settings\.json: .*EISDIR/)
    expect(store.get().budgetPerHour).toBe(DEFAULT_SETTINGS.budgetPerHour)
  })
})
