// The workload half of the contract: apply, list, cancel, their events, the router's figures.
// A workload is acknowledged only once it is stored in history; the controller picks it up at once.
import type { ApiOutputs, WorkloadView } from '../../shared/api'
import type { FleetEvent } from '../../shared/fleet'
import type { Clock } from '../clock'
import type { Controller } from '../controller/controller'
import { WORKLOAD_TAG } from '../controller/tags'
import type { Engine } from '../engine/engine'
import type { History } from '../history'
import type { HttpRouter } from '../router'
import { parseWorkloadText } from '../workloads/files'
import { ApiError, type ApiHandlers } from './handlers'

export interface WorkloadHandlerDeps {
  history: History
  engine: Engine
  controller: Controller
  router: HttpRouter
  clock: Clock
  /** cloud seconds per real second */
  speed: number
}

export type WorkloadMethod =
  'applyWorkloads' | 'listWorkloads' | 'cancelWorkload' | 'workloadEvents' | 'routerStats'

/** how far back a workload's events are looked for */
const EVENTS_WINDOW_MS = 30 * 86_400_000

export function createWorkloadHandlers(
  deps: WorkloadHandlerDeps
): Pick<ApiHandlers, WorkloadMethod> {
  const { history, engine, controller, router, clock } = deps
  const listed = () => engine.instances()

  const listWorkloads = async (): Promise<WorkloadView[]> => {
    const services = new Map(router.stats().services.map((s) => [s.service, s]))
    const stored = new Map(history.workloads.list().map((w) => [w.name, w]))
    return controller.status(listed()).map((s) => {
      const r = services.get(s.name)
      return {
        ...s,
        spec: stored.get(s.name)?.spec,
        speed: deps.speed,
        ...(r
          ? {
              router: {
                requests: r.requests,
                errors: r.errors,
                requestsPerSecond: r.requestsPerSecond,
                p50Ms: r.p50Ms,
                p99Ms: r.p99Ms
              }
            }
          : {})
      }
    })
  }

  return {
    async applyWorkloads(input): Promise<ApiOutputs['applyWorkloads']> {
      const file = input.file ?? 'workloads.yaml'
      const parsed = parseWorkloadText(input.text, { file })
      if (parsed.errors.length > 0) throw new ApiError('bad-request', parsed.errors.join('\n'))
      const now = clock.now()
      const changes = parsed.workloads.map((w) => {
        if (input.dryRun) {
          const stored = history.workloads.get(w.name)
          const same = stored && JSON.stringify(stored.spec) === JSON.stringify(w)
          const change: 'created' | 'updated' | 'unchanged' | 'restored' = !stored
            ? 'created'
            : stored.cancelledAt !== undefined
              ? 'restored'
              : same
                ? 'unchanged'
                : 'updated'
          return {
            name: w.name,
            kind: w.kind,
            change,
            generation: stored ? stored.generation + (change === 'unchanged' ? 0 : 1) : 1
          }
        }
        const stored = history.workloads.apply(w.name, w.kind, w, now)
        return { name: w.name, kind: w.kind, ...stored }
      })
      if (!input.dryRun) controller.poke()
      return { changes, dryRun: input.dryRun ?? false }
    },
    listWorkloads,
    async cancelWorkload(input) {
      if (!history.workloads.cancel(input.name, clock.now()))
        throw new ApiError('not-found', `no workload named "${input.name}"`)
      controller.poke()
      return { ok: true as const }
    },
    async workloadEvents(input): Promise<FleetEvent[]> {
      if (!history.workloads.get(input.name))
        throw new ApiError('not-found', `no workload named "${input.name}"`)
      const now = clock.now()
      const limit = input.limit ?? 200
      const mine = (e: FleetEvent): boolean => {
        if (e.data?.workload === input.name) return true
        if (!e.instanceId) return false
        const i = history.getInstance(e.instanceId)
        return i !== undefined && i.tags[WORKLOAD_TAG] === input.name
      }
      // newest last, at most `limit`
      const events = history.eventsBetween(now - EVENTS_WINDOW_MS, now + 1, { limit: 100_000 })
      return events.filter(mine).slice(-limit)
    },
    async routerStats() {
      const s = router.stats()
      return {
        url: router.url,
        replicas: s.replicas.map((r) => ({
          id: r.id,
          service: r.service,
          requests: r.requests,
          errors: r.errors,
          inFlight: r.inFlight,
          p50Ms: r.p50Ms,
          p99Ms: r.p99Ms
        })),
        services: s.services
      }
    }
  }
}
