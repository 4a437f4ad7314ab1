// Choosing new homes. Notices that reach selection within one batching window are placed together:
// spares first (fastest), then free slots on running instances (jointly optimal for a batch), and
// whatever is left gets a launch.
import type { ManagedInstance } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import type { Clock } from '../clock'
import type { Random } from '../../shared/random'
import {
  assignOptimal,
  selectTarget,
  type Candidate,
  type CostOptions,
  type DisplacedWorkload,
  type StrategyName
} from '../placement/strategies'
import type { StandbyPool } from './standby'

export interface LiveFacts {
  /** running + waiting requests from vLLM's metrics */
  load: number
  modelsLoaded: readonly string[]
  /** measured link bandwidth, Gbit/s */
  bandwidthGbps: number
  /** state a batch job would need to save / move, GiB */
  stateGiB?: number
  /** free slots; default one per GPU not serving a loaded model */
  freeSlots?: number
  /** GPU memory the served model needs; default the whole GPU it has */
  gpuMemoryNeedGiB?: number
  /** expected remaining run time of its work, seconds */
  remainingSeconds?: number
}

export type Selection =
  | { via: 'standby'; instance: ManagedInstance; by: 'standby' }
  | { via: 'existing'; instance: ManagedInstance; by: StrategyName }
  | { via: 'launch'; by: 'launch'; note?: string }

export interface SelectRequest {
  workload: DisplacedWorkload
}

export interface SelectorDeps {
  clock: Clock
  standby: StandbyPool
  strategy: StrategyName
  random: Random
  cost: CostOptions
  batchWindowMs: number
  /** running instances that may take work (already filtered), with their live facts */
  candidates: () => Promise<Candidate[]>
  /** hold a slot on an instance until the failover using it ends */
  reserveSlot: (instanceId: string) => void
}

export interface Selector {
  /** resolves when the request's batch is placed; every request in a batch shares one solve */
  select(req: SelectRequest): Promise<Selection & { batchSize: number }>
}

interface Waiting {
  req: SelectRequest
  resolve: (s: Selection & { batchSize: number }) => void
  reject: (e: unknown) => void
}

export function createSelector(deps: SelectorDeps): Selector {
  let open: Waiting[] | undefined
  // one solve at a time: a later batch must see the slots an earlier one reserved
  let solving: Promise<unknown> = Promise.resolve()

  async function close(batch: Waiting[]): Promise<void> {
    if (deps.batchWindowMs > 0) await deps.clock.sleep(deps.batchWindowMs)
    else await Promise.resolve() // still batch what arrives in the same tick
    if (open === batch) open = undefined
    const run = solving.then(() =>
      placeBatch(
        deps,
        batch.map((w) => w.req)
      )
    )
    solving = run.catch(() => undefined)
    try {
      const placed = await run
      batch.forEach((w, k) => w.resolve({ ...placed[k], batchSize: batch.length }))
    } catch (error) {
      for (const w of batch) w.reject(error)
    }
  }

  return {
    select: (req) =>
      new Promise((resolve, reject) => {
        if (!open) {
          open = []
          void close(open)
        }
        open.push({ req, resolve, reject })
      })
  }
}

/** Spares first, in arrival order; then running instances; the rest launch. */
export async function placeBatch(
  deps: SelectorDeps,
  reqs: readonly SelectRequest[]
): Promise<Selection[]> {
  const out: (Selection | undefined)[] = reqs.map(({ workload: w }) => {
    const spare = deps.standby.take(w.model, w.gpuMemoryGiB)
    return spare && { via: 'standby', instance: spare, by: 'standby' }
  })
  const rest = out.flatMap((s, k) => (s ? [] : [k]))
  if (rest.length === 0) return out as Selection[]
  let candidates: Candidate[]
  try {
    candidates = await deps.candidates()
  } catch (error) {
    // without a view of the fleet, a launch is the one move left
    const note = `running instances unknown (${errorText(error)}): launching`
    for (const k of rest) out[k] = { via: 'launch', by: 'launch', note }
    return out as Selection[]
  }
  const targets = placeRest(
    deps,
    rest.map((k) => reqs[k].workload),
    candidates
  )
  const by: StrategyName = rest.length > 1 ? 'optimal' : deps.strategy
  rest.forEach((k, r) => {
    const t = targets[r]
    if (t < 0) {
      out[k] = { via: 'launch', by: 'launch' }
      return
    }
    deps.reserveSlot(candidates[t].instance.id)
    out[k] = { via: 'existing', instance: candidates[t].instance, by }
  })
  return out as Selection[]
}

/** Several at once: the joint optimum; one alone: the configured strategy. */
function placeRest(
  deps: SelectorDeps,
  workloads: DisplacedWorkload[],
  candidates: Candidate[]
): ArrayLike<number> {
  if (workloads.length > 1) return assignOptimal(workloads, candidates, deps.cost).targets
  return [
    selectTarget(deps.strategy, workloads[0], candidates, { ...deps.cost, random: deps.random })
  ]
}
