import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/api'
import type { ManagedInstance } from '../../shared/fleet'
import { parseAgentReport } from './agent-reports'
import { defaultDataDir } from './data-dir'
import { diffFleet } from './fleet-diff'
import { openSettingsStore, SettingsError } from './settings-store'

const instance = (id: string, state: ManagedInstance['state']): ManagedInstance => ({
  id,
  name: id,
  provider: 'sandbox',
  region: 'r',
  zone: 'r-a',
  instanceType: 'g5.xlarge',
  market: 'spot',
  state,
  gpus: 1,
  gpuMemoryGiB: 24,
  pricePerHour: 0.3,
  onDemandPricePerHour: 1,
  launchedAt: 0,
  tags: {}
})

describe('fleet diff', () => {
  it('records instances launched outside Synkti, but not its own launches again', () => {
    const events = diffFleet(
      new Map(),
      [instance('i-own', 'pending'), instance('i-other', 'pending')],
      5,
      (id) => id === 'i-own'
    )
    expect(events).toEqual([
      {
        at: 5,
        kind: 'launch',
        instanceId: 'i-other',
        data: { instance: instance('i-other', 'pending'), discovered: true }
      }
    ])
  })
  it('records pending → running once, and instances that disappeared as terminated', () => {
    const known = new Map([
      ['a', instance('a', 'pending')],
      ['b', instance('b', 'running')]
    ])
    const events = diffFleet(known, [instance('a', 'running')], 9, () => true)
    expect(events.map((e) => [e.kind, e.instanceId])).toEqual([
      ['running', 'a'],
      ['terminate', 'b']
    ])
    expect(
      diffFleet(
        new Map([['a', instance('a', 'running')]]),
        [instance('a', 'running')],
        10,
        () => true
      )
    ).toEqual([])
  })
})

describe('agent reports', () => {
  const event = {
    instanceId: 'i-1',
    kind: 'interruption-notice',
    action: 'terminate',
    deadline: 2,
    source: 'imds',
    observedAt: 1
  }
  it('accepts a notice with its drain result', () => {
    const report = parseAgentReport('events', {
      instanceId: 'i-1',
      event,
      drain: {
        outcome: 'drained',
        startedAt: 1,
        endedAt: 2,
        deregisterMs: 3,
        lastRunning: 0,
        lastWaiting: 0
      }
    })
    expect(report).toMatchObject({
      kind: 'events',
      instanceId: 'i-1',
      drain: { outcome: 'drained' }
    })
  })
  it('refuses a malformed report naming the field', () => {
    expect(() =>
      parseAgentReport('events', { instanceId: 'i-1', event: { ...event, kind: 'meteor' } })
    ).toThrow(/event\.kind/)
    expect(() => parseAgentReport('heartbeat', { at: 1 })).toThrow(/instanceId/)
  })
})

describe('settings store', () => {
  let dir: string
  afterEach(() => rmSync(dir, { recursive: true, force: true }))
  it('starts from defaults, saves valid settings and reads them back', () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-settings-'))
    const store = openSettingsStore(dir)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
    store.set({ ...DEFAULT_SETTINGS, drainMarginSeconds: 3 })
    expect(openSettingsStore(dir).get().drainMarginSeconds).toBe(3)
  })
  it('refuses bad settings with the field and keeps the old ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-settings-'))
    const store = openSettingsStore(dir)
    expect(() =>
      store.set({ ...DEFAULT_SETTINGS, aws: { ...DEFAULT_SETTINGS.aws, regions: ['moon-1'] } })
    ).toThrow(SettingsError)
    expect(() => store.set({ ...DEFAULT_SETTINGS, budgetPerHour: -1 })).toThrow(/budgetPerHour/)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
  })
  it('falls back to defaults with a warning when the file is broken', () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-settings-'))
    writeFileSync(join(dir, 'settings.json'), '{ not json')
    const store = openSettingsStore(dir)
    expect(store.warning).toMatch(/not valid JSON/)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
  })
})

describe('data folder', () => {
  it('matches Electron userData for an app named Synkti', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/Synkti')
    expect(defaultDataDir({ SYNKTI_DATA_DIR: '/d' }, 'linux')).toBe('/d')
    expect(defaultDataDir({ APPDATA: 'C:/AppData' }, 'win32')).toBe(join('C:/AppData', 'Synkti'))
  })
})
