import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/api'
import { deepMerge, openSettingsStore, readSettingsFields } from './settings-store'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('settings file, field by field', () => {
  it('lays a partial file over the defaults, nested objects merged', () => {
    const { settings, problems } = readSettingsFields({
      mode: 'aws',
      aws: { imageId: 'ami-0123456789abcdef0', securityGroupIds: ['sg-0123456789abcdef0'] }
    })
    expect(problems).toEqual([])
    expect(settings.mode).toBe('aws')
    expect(settings.aws).toEqual({
      ...DEFAULT_SETTINGS.aws,
      imageId: 'ami-0123456789abcdef0',
      securityGroupIds: ['sg-0123456789abcdef0']
    })
    expect(settings.fleet).toEqual(DEFAULT_SETTINGS.fleet)
  })

  it('keeps the default of each bad field with one line per field, and everything else the file set', () => {
    const { settings, problems } = readSettingsFields({
      budgetPerHour: -3,
      aws: { imageId: 'ami-0123456789abcdef0', regions: 'us-east-1' },
      pollIntervalSeconds: 7
    })
    expect(settings.budgetPerHour).toBe(DEFAULT_SETTINGS.budgetPerHour)
    expect(settings.aws.regions).toEqual(DEFAULT_SETTINGS.aws.regions)
    expect(settings.aws.imageId).toBe('ami-0123456789abcdef0')
    expect(settings.pollIntervalSeconds).toBe(7)
    expect(problems).toHaveLength(2)
    expect(problems.some((p) => p.startsWith('budgetPerHour: '))).toBe(true)
    expect(problems.some((p) => p.startsWith('aws.regions: '))).toBe(true)
  })

  it('the store says which fields fell back, in one warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synkti-settings-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ mode: 'aws', budgetPerHour: -1 }))
    const store = openSettingsStore(dir)
    expect(store.get().mode).toBe('aws')
    expect(store.warning).toMatch(/budgetPerHour: .*\(those fields use their defaults\)$/)
  })

  it('deepMerge replaces lists and scalars, merges objects', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } })).toEqual({
      a: { b: 1, c: [3] },
      d: 1
    })
  })
})
