import { describe, expect, it } from 'vitest'
import { checkSimulationConfig } from '@shared/simulation-schema'
import type { SimulationConfig } from '@shared/simulation'
import {
  configToForm,
  errorsByField,
  fieldForError,
  fittingHours,
  formToConfig,
  guiMessage,
  pathLabel,
  traceFitErrors,
  parseNumber,
  policyDisabled,
  setWorkloadKind
} from './form-model'
import { historyTraceOption } from './traces'
import { defaultConfig } from '../../../../test/support/renderer/simulation-results'

describe('what-if form model', () => {
  it('round-trips the default config into a config the engine accepts', () => {
    const built = formToConfig(configToForm(defaultConfig()))
    expect(built.errors).toEqual([])
    expect(built.ok).toBe(true)
    expect(checkSimulationConfig(built.config).ok).toBe(true)
    expect(built.config).toEqual(defaultConfig())
  })

  it('puts a negative duration on the durationHours field', () => {
    const form = configToForm(defaultConfig())
    form.values.durationHours = '-5'
    const built = formToConfig(form)
    expect(built.ok).toBe(false)
    expect(errorsByField(built.errors, form).durationHours).toEqual(['duration must be > 0'])
  })

  it('rejects text that is not a number with its own message', () => {
    const form = configToForm(defaultConfig())
    form.values['workload.tasks'] = 'lots'
    form.values['workload.gpuMemoryChoicesGiB'] = '8, x'
    form.values.runs = ''
    const byField = errorsByField(formToConfig(form).errors, form)
    expect(byField['workload.tasks']).toEqual(['Tasks must be a number'])
    expect(byField['workload.gpuMemoryChoicesGiB']?.[0]).toMatch(/must be a number/)
    expect(byField.runs).toEqual(['Runs is required'])
    expect(parseNumber('1e3')).toBe(1000)
    expect(parseNumber('0x10')).toBeNull()
    expect(parseNumber('1,5')).toBeNull()
  })

  it('maps cross-field rules to their section', () => {
    const form = configToForm(defaultConfig())
    form.values['workload.stateGiBMin'] = '700'
    const built = formToConfig(form)
    expect(built.errors).toEqual([
      { path: 'workload', message: 'State min (GiB) must be <= State max (GiB)' }
    ])
    expect(fieldForError('workload')).toBe('workload')
    expect(fieldForError('workload.gpuMemoryChoicesGiB.1')).toBe('workload.gpuMemoryChoicesGiB')
  })

  it('disables deadline-only policies for a batch workload and converts the changeover to hours for a deadline job', () => {
    expect(policyDisabled('uniform-progress', 'batch')).toBe(true)
    expect(policyDisabled('uniform-progress', 'deadline')).toBe(false)
    expect(policyDisabled('greedy', 'batch')).toBe(false)
    const form = configToForm(defaultConfig())
    setWorkloadKind(form, 'deadline')
    expect(form.values.changeoverSeconds).toBe('0.08333333333')
    form.values.changeoverSeconds = '0.2'
    form.policies = ['greedy', 'uniform-progress', 'ondemand']
    const built = formToConfig(form)
    expect(built.ok).toBe(true)
    expect(built.config.changeoverSeconds).toBe(720)
    expect(built.config.workload).toEqual({ kind: 'deadline', computeHours: 30, deadlineHours: 60 })
    setWorkloadKind(form, 'batch')
    expect(form.policies).toEqual(['greedy', 'ondemand'])
    expect(form.values.changeoverSeconds).toBe('720')
  })

  it('builds a trace market and a price-linked hazard', () => {
    const form = configToForm(defaultConfig())
    form.hazardKind = 'price-linked'
    expect(formToConfig(form).config.market).toMatchObject({
      kind: 'synthetic',
      hazard: { kind: 'price-linked', basePerHour: 0.05, elasticity: 2 }
    })
    form.marketKind = 'trace'
    expect(formToConfig(form).errors).toEqual([
      { path: 'market.path', message: 'trace path is empty' }
    ])
    form.values['market.path'] = '/data/traces/x'
    expect(formToConfig(form).config.market).toEqual({
      kind: 'trace',
      path: '/data/traces/x',
      binaryCapacity: 1000
    })
  })

  it('reads a saved deadline config back into the form', () => {
    const config: SimulationConfig = {
      ...defaultConfig(),
      changeoverSeconds: 360,
      policies: ['uniform-progress'],
      workload: { kind: 'deadline', computeHours: 10, deadlineHours: 20 }
    }
    const form = configToForm(config)
    expect(form.workloadKind).toBe('deadline')
    expect(form.values.changeoverSeconds).toBe('0.1')
    expect(formToConfig(form).config).toEqual(config)
  })

  it('offers a history window at the folder it was exported to', () => {
    const from = new Date(2025, 2, 4, 10, 0, 0).getTime()
    const option = historyTraceOption({
      traces: [
        { zone: 'a', json: '{}', path: '/data/exports/w1' },
        { zone: 'b', json: '{}', path: '/data/exports/w1' }
      ],
      from,
      to: from + 2 * 3_600_000
    })
    expect(option).toMatchObject({
      path: '/data/exports/w1',
      zones: 2,
      hours: 2,
      source: 'history'
    })
    expect(option.label).toBe('History window 2025-03-04 10:00:00 → 2025-03-04 12:00:00')
  })
})

describe('the form in GUI words', () => {
  it("replaces CLI flags and config keys with the fields' labels", () => {
    expect(guiMessage('the job (--job) cannot be longer than its deadline (--deadline)')).toBe(
      'the job cannot be longer than its deadline'
    )
    expect(
      guiMessage('the trace covers 1.0 h, shorter than the simulated 48 h: lower --duration')
    ).toBe('the trace covers 1.0 h, shorter than the simulated 48 h: lower Duration (h)')
    expect(
      guiMessage(
        'omniscient reads the future of the market, which only a replayed trace gives: add --trace'
      )
    ).toBe(
      'omniscient reads the future of the market, which only a replayed trace gives: pick a trace under Market'
    )
    expect(guiMessage('partialThreshold must be <= fullThreshold')).toBe(
      'Checkpoint partial threshold must be <= Checkpoint full threshold'
    )
  })

  it("names an error's path by its label or its section", () => {
    const form = configToForm(defaultConfig())
    expect(pathLabel('durationHours', form)).toBe('Duration (h)')
    expect(pathLabel('market.tickSeconds', form)).toBe('Price tick (s)')
    expect(pathLabel('checkpoint', form)).toBe('Checkpoint thresholds')
    expect(pathLabel('', form)).toBe('Settings')
    setWorkloadKind(form, 'deadline')
    expect(pathLabel('changeoverSeconds', form)).toBe('Changeover (h)')
  })

  it('checks the duration and a deadline against the trace hours', () => {
    const form = configToForm(defaultConfig())
    expect(traceFitErrors(form, 2)).toEqual([]) // synthetic market: no trace to fit
    form.marketKind = 'trace'
    form.values.durationHours = '3'
    expect(traceFitErrors(form, 2.5)).toEqual([
      {
        path: 'durationHours',
        message: 'Duration (h) is longer than the trace (2.5 h): at most 2.5'
      }
    ])
    form.values.durationHours = '2.5'
    expect(traceFitErrors(form, 2.5)).toEqual([])
    expect(traceFitErrors(form, null)).toEqual([])
    expect(fittingHours(1.23999)).toBe(1.23)
  })
})
