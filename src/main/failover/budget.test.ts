import { describe, expect, it } from 'vitest'
import type { ManagedInstance } from '../../shared/fleet'
import { createBudget, fleetSpendPerHour } from './budget'

const g5 = { instanceType: 'g5.xlarge', pricePerHour: 1.01 }

describe('budget', () => {
  it('blocks a launch that would take the fleet over the cap, saying by how much', () => {
    const b = createBudget(5)
    const d = b.reserve(g5, 4.2)
    expect(d).toEqual({
      ok: false,
      reason:
        'launch of g5.xlarge ($1.01/h) blocked: fleet spend $4.20/h + $1.01/h exceeds the budget cap $5.00/h'
    })
    expect(b.reserve(g5, 3.99).ok).toBe(true) // exactly the cap is allowed
  })

  it('counts launches in flight until they are released', () => {
    const b = createBudget(3)
    const first = b.reserve(g5, 1)
    expect(first.ok).toBe(true)
    expect(b.reservedPerHour()).toBeCloseTo(1.01)
    const second = b.reserve(g5, 1)
    expect(second.ok).toBe(false)
    if (!second.ok) expect(second.reason).toContain('fleet spend $2.01/h + $1.01/h')
    if (first.ok) first.release()
    expect(b.reservedPerHour()).toBe(0)
    expect(b.reserve(g5, 1).ok).toBe(true)
  })

  it('a cap of 0 means no cap, even for an unknown price', () => {
    const b = createBudget(0)
    expect(b.reserve({ instanceType: 'p5.48xlarge', pricePerHour: 98 }, 1e6).ok).toBe(true)
    expect(b.reserve({ instanceType: 'x', pricePerHour: NaN }, 0).ok).toBe(true)
  })

  it('blocks an unknown price under a cap, and rejects a bad cap', () => {
    const d = createBudget(10).reserve({ instanceType: 'g6.xlarge', pricePerHour: NaN }, 0)
    expect(d.ok).toBe(false)
    if (!d.ok)
      expect(d.reason).toBe(
        'launch of g6.xlarge blocked: its price is unknown, so it cannot be checked against the budget cap $10.00/h'
      )
    expect(() => createBudget(-1)).toThrow(/>= 0/)
    expect(() => createBudget(NaN)).toThrow(/>= 0/)
  })

  it('fleet spend counts billed instances, not noticed, stopped or excluded ones', () => {
    const i = (
      id: string,
      state: ManagedInstance['state'],
      price: number,
      extra: Partial<ManagedInstance> = {}
    ) => ({ id, state, pricePerHour: price, ...extra }) as ManagedInstance
    const fleet = [
      i('a', 'running', 1),
      i('b', 'pending', 2),
      i('c', 'stopped', 4),
      i('d', 'terminated', 8),
      i('e', 'running', 16, { noticeDeadline: 1 }),
      i('f', 'running', 32)
    ]
    expect(fleetSpendPerHour(fleet)).toBe(35)
    expect(fleetSpendPerHour(fleet, new Set(['f']))).toBe(3)
  })
})
