// The workload half of the contract: apply, list, cancel, their events, the router's figures.
// A workload is acknowledged only once it is stored in history; the controller picks it up at once.
import type { ApiOutputs, WorkloadView } from '../../shared/api'
import type { Clock } from '../clock'
import type { Controller } from '../controller/controller'
import type { Engine } from '../engine/engine'
import { costsByWorkload, eventsOfWorkload, type History } from '../history'
import type { HttpRouter, RouterPort } from '../router'
import { parseWorkloadText } from '../workloads/files'
import { ApiError, type ApiHandlers } from './handlers'

export interface WorkloadHandlerDeps {
  history: History
  engine: Engine
  controller: Controller
  router: HttpRouter
  /** every service's router (the built-in one and ELBv2 target groups); default `router` */
  routes?: RouterPort
  clock: Clock
  /** cloud seconds per real second */
  speed: number
}

export type WorkloadMethod =
  'applyWorkloads' | 'listWorkloads' | 'cancelWorkload' | 'workloadEvents' | 'routerStats'

export function createWorkloadHandlers(
  deps: WorkloadHandlerDeps
): Pick<ApiHandlers, WorkloadMethod> {
  const { history, engine, controller, router, clock } = deps
  const listed = () => engine.instances()
  const routes = deps.routes ?? router

  const listWorkloads = async (): Promise<WorkloadView[]> => {
    const services = new Map(routes.stats().services.map((s) => [s.service, s]))
    const stored = new Map(history.workloads.list().map((w) => [w.name, w]))
    const now = clock.now()
    /** a job's spend since it was submitted: the ledger of the instances tagged with its name */
    const spendOf = (name: string, since: number) =>
      costsByWorkload(history, since, now).find((row) => row.key === name)
    return controller.status(listed()).map((s) => {
      const r = services.get(s.name)
      const w = stored.get(s.name)
      const spend = s.job && w ? spendOf(s.name, w.createdAt) : undefined
      return {
        ...s,
        ...(s.job
          ? {
              job: {
                ...s.job,
                costSoFar: spend?.cost ?? 0,
                ondemandCostSoFar: spend?.ondemandCost ?? 0
              }
            }
          : {}),
        spec: w?.spec,
        speed: deps.speed,
        ...(r
          ? {
              router: {
                requests: r.requests,
                errors: r.errors,
                requestsPerSecond: r.requestsPerSecond,
                p50Ms: r.p50Ms,
                p99Ms: r.p99Ms,
                ...(r.targetGroupArn ? { targetGroupArn: r.targetGroupArn } : {})
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
      const changes = parsed.workloads.map((w) => ({
        name: w.name,
        kind: w.kind,
        ...(input.dryRun
          ? history.workloads.preview(w.name, w.kind, w)
          : history.workloads.apply(w.name, w.kind, w, now))
      }))
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
    async workloadEvents(input) {
      if (!history.workloads.get(input.name))
        throw new ApiError('not-found', `no workload named "${input.name}"`)
      return eventsOfWorkload(history, input.name, clock.now(), input.limit ?? 200)
    },
    async routerStats() {
      const s = routes.stats()
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
