import { describe, expect, it } from 'vitest'
import { serviceWorkload } from '../../../../test/support/renderer/fake-client'
import { lineRange, parseProblems, serviceFigures, serviceHealth } from './model'

describe('parseProblems', () => {
  it('reads the file:line: field: message lines the server answers', () => {
    expect(
      parseProblems(
        [
          'llama.yaml:3: unknown field "replica"',
          'llama.yaml:7: replicas: expected a whole number from 0 to 64, got 2.5',
          'ft.yaml:8: checkpoint.stateGiB: required',
          'bad.json:3: invalid JSON: expected a value, found "}"',
          'workload file is over 1 MiB'
        ].join('\n')
      )
    ).toEqual([
      { line: 3, field: null, message: 'unknown field "replica"' },
      { line: 7, field: 'replicas', message: 'expected a whole number from 0 to 64, got 2.5' },
      { line: 8, field: 'checkpoint.stateGiB', message: 'required' },
      { line: 3, field: null, message: 'invalid JSON: expected a value, found "}"' },
      { line: null, field: null, message: 'workload file is over 1 MiB' }
    ])
  })
})

describe('lineRange', () => {
  it('gives the offsets of a line, clamped to the text', () => {
    const text = 'a: 1\nbb: 2\nccc: 3'
    expect(lineRange(text, 2)).toEqual([5, 10])
    expect(lineRange(text, 99)).toEqual([11, 17])
    expect(lineRange(text, 0)).toEqual([0, 4])
  })
})

describe('serviceFigures and serviceHealth', () => {
  it('counts live spot and on-demand instances, the error share and the savings', () => {
    const w = serviceWorkload('s')
    expect(serviceFigures(w)).toEqual({
      spot: 3,
      ondemand: 1,
      errorPct: 1.5,
      savingsPct: (1 - 2.062 / 4.024) * 100
    })
    expect(serviceHealth(w)).toBe('degraded')
    expect(serviceHealth(serviceWorkload('s', { ready: 0 }))).toBe('down')
    expect(
      serviceFigures(serviceWorkload('s', { router: undefined, ondemandCostPerHour: 0 }))
    ).toMatchObject({ errorPct: null, savingsPct: null })
  })
})
