import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '@shared/api'
import { fieldOfPath, fromForm, getAt, setAt, splitList, toForm, validateForm } from './form'

describe('settings form model', () => {
  it('round-trips the settings through the form', () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      aws: {
        ...DEFAULT_SETTINGS.aws,
        regions: ['us-east-1', 'eu-west-1'],
        securityGroupIds: ['sg-0123456789abcdef0']
      }
    }
    const form = toForm(settings)
    expect(form.aws.regions).toBe('us-east-1, eu-west-1')
    expect(fromForm(form)).toEqual(settings)
    expect(validateForm(form)).toMatchObject({ ok: true, settings, issues: [] })
  })

  it('splits comma lists and reads number inputs', () => {
    expect(splitList(' a, b ,, c ,')).toEqual(['a', 'b', 'c'])
    const form = toForm(DEFAULT_SETTINGS)
    setAt(form, 'budgetPerHour', '2.5')
    setAt(form, 'drainMarginSeconds', '')
    expect(getAt(form, 'budgetPerHour')).toBe('2.5')
    const s = fromForm(form)
    expect(s.budgetPerHour).toBe(2.5)
    expect(Number.isNaN(s.drainMarginSeconds)).toBe(true)
  })

  it('maps issues to their fields by path', () => {
    expect(fieldOfPath(['aws', 'regions', 0])).toBe('aws.regions')
    expect(fieldOfPath(['budgetPerHour'])).toBe('budgetPerHour')
    expect(fieldOfPath(['nope'])).toBe('')
    const form = toForm(DEFAULT_SETTINGS)
    form.aws.regions = 'us-east-1, moon-1'
    form.budgetPerHour = -1
    const v = validateForm(form)
    expect(v.ok).toBe(false)
    expect(v.errors['aws.regions']).toEqual(['region must look like us-east-1'])
    expect(v.errors.budgetPerHour).toEqual(['budget cap must be >= 0 $/h (0 = no cap)'])
    expect(v.issues.map((i) => i.field)).toEqual(['aws.regions', 'budgetPerHour'])
  })

  it('needs at least one region', () => {
    const form = toForm(DEFAULT_SETTINGS)
    form.aws.regions = ' , '
    expect(validateForm(form).errors['aws.regions']).toEqual(['at least one region'])
  })
})
