// A spend cap in $/h over the fleet's current hourly spend. Launches reserve their price until the
// launch lands (and the instance shows in the fleet), so two concurrent launches cannot both slip
// under the cap on the same reading.
import type { ManagedInstance } from '../../shared/fleet'

export interface LaunchCost {
  instanceType: string
  /** $/h the new instance will cost (spot estimate or on-demand list price) */
  pricePerHour: number
}

export type BudgetDecision = { ok: true; release: () => void } | { ok: false; reason: string }

export interface Budget {
  /** $/h; 0 means no cap (as in the settings) */
  readonly capPerHour: number
  /** $/h reserved by launches still in flight */
  reservedPerHour(): number
  /**
   * Reserve the launch's price against the cap, given the fleet's spend now. Blocked with an
   * operator-readable reason when spend + reservations + price would exceed the cap.
   */
  reserve(launch: LaunchCost, fleetSpendPerHour: number): BudgetDecision
}

const money = (x: number): string => `$${x.toFixed(2)}/h`

export function createBudget(capPerHour: number): Budget {
  if (!(capPerHour >= 0))
    throw new Error(`budget cap must be >= 0 $/h (0 = no cap), got ${capPerHour}`)
  const reservations = new Set<{ price: number }>()
  const reserved = (): number => {
    let sum = 0
    for (const r of reservations) sum += r.price
    return sum
  }
  return {
    capPerHour,
    reservedPerHour: reserved,
    reserve(launch, fleetSpendPerHour) {
      const what = `launch of ${launch.instanceType}`
      if (capPerHour > 0 && !Number.isFinite(launch.pricePerHour)) {
        return {
          ok: false,
          reason: `${what} blocked: its price is unknown, so it cannot be checked against the budget cap ${money(capPerHour)}`
        }
      }
      const spend = fleetSpendPerHour + reserved()
      // an epsilon so float rounding never blocks a launch that exactly meets the cap
      if (capPerHour > 0 && spend + launch.pricePerHour > capPerHour + 1e-9) {
        return {
          ok: false,
          reason: `${what} (${money(launch.pricePerHour)}) blocked: fleet spend ${money(spend)} + ${money(launch.pricePerHour)} exceeds the budget cap ${money(capPerHour)}`
        }
      }
      const entry = { price: Number.isFinite(launch.pricePerHour) ? launch.pricePerHour : 0 }
      reservations.add(entry)
      return { ok: true, release: () => void reservations.delete(entry) }
    }
  }
}

/** States that are billed (stopped instances only bill storage, which the cap does not cover). */
const BILLED = new Set<ManagedInstance['state']>(['pending', 'running', 'draining'])

/**
 * $/h the fleet spends now. Instances under an interruption notice, and those in `exclude`
 * (being failed over), are left out: they are going away, so their replacement does not add to
 * the steady-state spend the cap is about.
 */
export function fleetSpendPerHour(
  instances: readonly ManagedInstance[],
  exclude: ReadonlySet<string> = new Set()
): number {
  let sum = 0
  for (const i of instances) {
    if (!BILLED.has(i.state) || i.noticeDeadline !== undefined || exclude.has(i.id)) continue
    sum += i.pricePerHour
  }
  return sum
}
