import type {
  BatchWorkloadConfig,
  RunMetrics,
  SimulationConfig,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { gbpsToGiBps, planCheckpoint } from '../checkpoint/plan'
import { billLife } from './billing'
import { EventQueue } from './event-queue'
import type { RunMarket } from './market/types'
import {
  expectedHazardPerHour,
  LAUNCH_FRESH,
  placeDisplaced,
  type LaunchChoice,
  type OpenSlot
} from './migration'
import type { BatchTaskView, Policy } from '../policies'
import { emptyMetrics, percentile } from './metrics'
import type { TaskSet } from './workload'

// Event kinds of the batch engine.
const ARRIVE = 1
const READY = 2
const TASK_RUN = 3
const TASK_DONE = 4
const NOTICE = 5
const TERMINATE = 6
const IDLE = 7
const CAPACITY = 8
const ZONE_OPEN = 9
const MIGRATE = 10

// Instance states.
const LAUNCHING = 0
const RUNNING = 1
const NOTICED = 2
const GONE = 3

// Task states.
// 0: not arrived yet (the zeroed default of the state array)
const PENDING = 1
const SETTING_UP = 2
const WORKING = 3
const DONE = 4

export interface BatchRunInput {
  config: SimulationConfig & { workload: BatchWorkloadConfig }
  market: RunMarket
  tasks: TaskSet
  policy: Policy
  /** seeded source for this run's dynamics (reclaim times, outages, victims) */
  uniform: () => number
  /** when given, every event of the run is appended here (for the what-if timeline) */
  timeline?: SimulationTimelineEvent[]
  /** when given, counts the events processed (benchmarks report events per second) */
  stats?: { events: number }
}

/** Growable struct-of-arrays for instances: launches are not known in advance. */
class Instances {
  count = 0
  type = new Int32Array(64)
  zone = new Int32Array(64)
  spot = new Uint8Array(64)
  state = new Uint8Array(64)
  launchedAt = new Float64Array(64)
  readyAt = new Float64Array(64)
  endedAt = new Float64Array(64)
  used = new Int32Array(64)
  models = new Float64Array(64) // bitmask of loaded models as a float: 52 exact bits
  idleEpoch = new Int32Array(64)
  /** when an idle instance is due for release (set as it goes idle) */
  releaseAt = new Float64Array(64)
  slots: Int32Array
  // Instances still launching or running, in launch order (the only ones placement looks at), as a
  // doubly linked list: retiring one is O(1) and the order placement breaks ties by is kept.
  /** first live instance, -1 when none */
  firstLive = -1
  private lastLive = -1
  /** next live instance in launch order, -1 at the end */
  nextLive = new Int32Array(64)
  private prevLive = new Int32Array(64)
  private isLive = new Uint8Array(64)

  constructor(readonly slotsPerInstance: number) {
    this.slots = new Int32Array(64 * slotsPerInstance).fill(-1)
  }

  add(): number {
    if (this.count === this.type.length) this.grow()
    const i = this.count++
    this.isLive[i] = 1
    this.prevLive[i] = this.lastLive
    this.nextLive[i] = -1
    if (this.lastLive >= 0) this.nextLive[this.lastLive] = i
    else this.firstLive = i
    this.lastLive = i
    return i
  }

  /** Drops an instance from the live list (on notice, release or termination) in O(1), keeping launch order. */
  retire(i: number): void {
    if (this.isLive[i] === 0) return
    this.isLive[i] = 0
    const prev = this.prevLive[i]
    const next = this.nextLive[i]
    if (prev >= 0) this.nextLive[prev] = next
    else this.firstLive = next
    if (next >= 0) this.prevLive[next] = prev
    else this.lastLive = prev
  }

  private grow(): void {
    const n = this.type.length * 2
    const g = <T extends Int32Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T
    ): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.type = g(this.type, (k) => new Int32Array(k))
    this.zone = g(this.zone, (k) => new Int32Array(k))
    this.spot = g(this.spot, (k) => new Uint8Array(k))
    this.state = g(this.state, (k) => new Uint8Array(k))
    this.launchedAt = g(this.launchedAt, (k) => new Float64Array(k))
    this.readyAt = g(this.readyAt, (k) => new Float64Array(k))
    this.endedAt = g(this.endedAt, (k) => new Float64Array(k))
    this.used = g(this.used, (k) => new Int32Array(k))
    this.models = g(this.models, (k) => new Float64Array(k))
    this.idleEpoch = g(this.idleEpoch, (k) => new Int32Array(k))
    this.releaseAt = g(this.releaseAt, (k) => new Float64Array(k))
    this.nextLive = g(this.nextLive, (k) => new Int32Array(k))
    this.prevLive = g(this.prevLive, (k) => new Int32Array(k))
    this.isLive = g(this.isLive, (k) => new Uint8Array(k))
    const slots = new Int32Array(n * this.slotsPerInstance).fill(-1)
    slots.set(this.slots)
    this.slots = slots
  }
}

/**
 * The waiting tasks in arrival order, with removal in place (a tombstone) so a placement pass never
 * copies the queue. `blockedEnd` marks a prefix whose tasks all last failed while spot was closed
 * everywhere: while it still is, re-trying them would fail the same way, so a pass skips them.
 */
class PendingQueue {
  tasks = new Int32Array(1024)
  head = 0
  tail = 0
  size = 0
  /** every task left in [head, blockedEnd) failed its last try while spot was closed */
  blockedEnd = 0

  push(task: number): void {
    if (this.tail === this.tasks.length) this.compact(true)
    this.tasks[this.tail++] = task
    this.size++
  }

  /** Removes the task at `at` (placed); the pass keeps walking past it. */
  remove(at: number): void {
    this.tasks[at] = -1
    this.size--
    while (this.head < this.tail && this.tasks[this.head] === -1) this.head++
  }

  /** Drops tombstones when they outnumber the waiting tasks (amortised O(1) per task). */
  compact(growing = false): void {
    if (!growing && this.tail - this.head <= 2 * this.size + 1024) return
    const keep = new Int32Array(
      growing && this.size * 2 >= this.tasks.length ? this.tasks.length * 2 : this.tasks.length
    )
    let n = 0
    let blockedEnd = 0
    for (let k = this.head; k < this.tail; k++) {
      if (k === this.blockedEnd) blockedEnd = n
      if (this.tasks[k] >= 0) keep[n++] = this.tasks[k]
    }
    this.blockedEnd = this.blockedEnd >= this.tail ? n : blockedEnd
    this.tasks = keep
    this.head = 0
    this.tail = n
  }
}

function insertSorted(list: number[], value: number): void {
  list.splice(lowerBound(list, value), 0, value)
}

function removeSorted(list: number[], value: number): void {
  const at = lowerBound(list, value)
  if (list[at] === value) list.splice(at, 1)
}

function lowerBound(list: number[], value: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** 2^k for k < 52: a model's bit in an instance's mask of warm models (a double holds 52 exactly). */
const MODEL_BITS = Float64Array.from({ length: 52 }, (_, k) => 2 ** k)
const HALF_MASK = 2 ** 26

function modelBit(model: number): number {
  return MODEL_BITS[model % 52]
}

function hasModel(mask: number, model: number): boolean {
  return Math.floor(mask / MODEL_BITS[model % 52]) % 2 === 1
}

/**
 * One policy over one run of a batch workload. Every instance is billed per second for its whole
 * life (set-up, idle, draining and the notice before a reclaim included) at the price in force; a
 * reclaimed task's completion is cancelled through its epoch; work since the last checkpoint is
 * lost unless the planner saves it inside the notice.
 */
export function simulateBatch(input: BatchRunInput): RunMetrics {
  const { config, market, tasks, policy, uniform, timeline, stats } = input
  const workload = config.workload
  const horizon = market.horizonSeconds
  const grace = config.graceSeconds
  const changeover = config.changeoverSeconds
  const types = market.instanceTypes
  const zoneCount = market.zones.length
  const maxSlots = Math.max(...types.map((t) => t.gpus))
  const bandwidth = types.map((t) => gbpsToGiBps(t.networkGbps))
  const metrics = emptyMetrics()
  metrics.total_tasks = tasks.count

  const inst = new Instances(maxSlots)
  const queue = new EventQueue(Math.max(1024, tasks.count * 4))

  const taskState = new Uint8Array(tasks.count)
  const taskInstance = new Int32Array(tasks.count).fill(-1)
  const taskEpoch = new Int32Array(tasks.count)
  const progress = new Float64Array(tasks.count)
  const checkpointed = new Float64Array(tasks.count)
  const segmentStart = new Float64Array(tasks.count)
  const preemptions = new Int32Array(tasks.count)
  const finishedAt = new Float64Array(tasks.count).fill(NaN)
  // when a placed task's work is expected to be done (exact once it runs): the marginal-cost
  // placement reads from it how long an instance is paid for anyway
  const expectedDone = new Float64Array(tasks.count)
  // progress kept (completed, checkpointed or saved in a notice) by the market it was done on
  let spotWork = 0
  let ondemandWork = 0
  const bookWork = (i: number, seconds: number): void => {
    if (inst.spot[i] === 1) spotWork += seconds
    else ondemandWork += seconds
  }
  const waitingForCapacity = new Uint8Array(tasks.count)
  const pending = new PendingQueue()
  // free slots on live spot instances: with none and no zone open, no waiting task can take spot
  let freeSpotSlots = 0
  // Live instances with a free slot, ascending (= launch order, the order placement breaks ties by):
  // placement looks only at these, usually few (idle ones before release), found by binary search.
  const open: number[] = []
  let inOpen = new Uint8Array(1024)
  const refreshOpen = (i: number): void => {
    if (i >= inOpen.length) {
      const grown = new Uint8Array(Math.max(inOpen.length * 2, i + 1))
      grown.set(inOpen)
      inOpen = grown
    }
    const want =
      (inst.state[i] === LAUNCHING || inst.state[i] === RUNNING) &&
      inst.used[i] < types[inst.type[i]].gpus
    if (want === (inOpen[i] === 1)) return
    inOpen[i] = want ? 1 : 0
    const g = groupOf(i)
    const edit = want ? insertSorted : removeSorted
    edit(open, i)
    edit((openByGroup[g] ??= []), i)
    // only the models warm on it (usually one or two, not 52): the mask in two 26-bit halves, so
    // its set bits can be taken off with 32-bit integer tricks, lowest first
    const mask = inst.models[i]
    let low = mask % HALF_MASK
    let high = (mask - low) / HALF_MASK
    while (low !== 0) {
      const bit = low & -low
      edit((warmByGroup[g * 52 + 31 - Math.clz32(bit)] ??= []), i)
      low -= bit
    }
    while (high !== 0) {
      const bit = high & -high
      edit((warmByGroup[g * 52 + 26 + 31 - Math.clz32(bit)] ??= []), i)
      high -= bit
    }
  }
  // The same instances grouped by (market, type, zone), where all share one price at any time, and
  // by the models warm on them: the best open slot is the earliest warm one, else the earliest, of
  // the cheapest group, so placement costs O(groups + log n) however many instances are idle.
  const groupOf = (i: number): number =>
    (inst.spot[i] * types.length + inst.type[i]) * zoneCount + inst.zone[i]
  const openByGroup: number[][] = []
  const warmByGroup: number[][] = []
  let displaced: number[] = []
  let migrateAt = -1

  const capacitySteps = market.zones.map((_, z) => market.capacitySteps(z))
  const capacityIndex = new Int32Array(zoneCount)
  const runningSpot = new Int32Array(zoneCount)
  const outageUntil = new Float64Array(zoneCount)
  const outageEpoch = new Int32Array(zoneCount)

  const record = (e: SimulationTimelineEvent): void => {
    timeline?.push(e)
  }
  const instanceName = (i: number): string => `sim-${i}`

  const spotCapacityFree = (z: number, t: number): boolean =>
    outageUntil[z] <= t && capacitySteps[z].capacity[capacityIndex[z]] > runningSpot[z]

  const priceOf = (i: number, t: number): number =>
    inst.spot[i] === 1
      ? market.spotPrice(inst.type[i], inst.zone[i], t)
      : types[inst.type[i]].onDemandPrice

  /** Cheapest type (by the price it would be billed now) that fits the task, and where to launch it. */
  const bestLaunch = (
    task: number,
    spot: boolean,
    t: number
  ): { type: number; zone: number; price: number } | null => {
    let best: { type: number; zone: number; price: number } | null = null
    for (let k = 0; k < types.length; k++) {
      if (types[k].gpuMemoryGiB < tasks.gpuMemoryGiB[task]) continue
      if (!spot) {
        const price = types[k].onDemandPrice / types[k].gpus
        if (!best || price < best.price) best = { type: k, zone: 0, price }
        continue
      }
      for (let z = 0; z < zoneCount; z++) {
        if (!spotCapacityFree(z, t)) continue
        const price = market.spotPrice(k, z, t) / types[k].gpus
        if (!best || price < best.price) best = { type: k, zone: z, price }
      }
    }
    return best
  }

  const attach = (task: number, i: number, t: number): void => {
    const base = i * maxSlots
    for (let s = 0; s < maxSlots; s++) {
      if (inst.slots[base + s] === -1) {
        inst.slots[base + s] = task
        break
      }
    }
    inst.used[i]++
    if (inst.spot[i] === 1) freeSpotSlots--
    refreshOpen(i)
    inst.idleEpoch[i]++
    taskInstance[task] = i
    taskState[task] = SETTING_UP
    waitingForCapacity[task] = 0
    expectedDone[task] =
      Math.max(t, inst.readyAt[i]) + setupSeconds(task, i) + (tasks.work[task] - progress[task])
    if (inst.state[i] === RUNNING) startSetup(task, i, t)
  }

  const detach = (task: number, i: number): void => {
    const base = i * maxSlots
    for (let s = 0; s < maxSlots; s++) if (inst.slots[base + s] === task) inst.slots[base + s] = -1
    inst.used[i]--
    if (inst.spot[i] === 1 && (inst.state[i] === LAUNCHING || inst.state[i] === RUNNING))
      freeSpotSlots++
    refreshOpen(i)
    taskInstance[task] = -1
  }

  /** Set-up time on an instance: the model's load if it is not there, the checkpoint's fetch if any. */
  const setupSeconds = (task: number, i: number): number =>
    (hasModel(inst.models[i], tasks.model[task]) ? 0 : workload.coldStartSeconds) +
    (checkpointed[task] > 0 ? tasks.stateGiB[task] / bandwidth[inst.type[i]] : 0)

  /** Set-up on a running instance: load the model if it is not there, fetch the checkpoint if any. */
  const startSetup = (task: number, i: number, t: number): void => {
    const model = tasks.model[task]
    let delay = 0
    if (!hasModel(inst.models[i], model)) {
      delay += workload.coldStartSeconds
      inst.models[i] += modelBit(model)
      if (inOpen[i] === 1) insertSorted((warmByGroup[groupOf(i) * 52 + (model % 52)] ??= []), i)
    }
    if (checkpointed[task] > 0) delay += tasks.stateGiB[task] / bandwidth[inst.type[i]]
    queue.push(t + delay, TASK_RUN, task, taskEpoch[task])
  }

  const launch = (
    task: number,
    spot: boolean,
    t: number,
    wanted?: { type: number; zone: number }
  ): boolean => {
    // a chosen spot zone may have filled up with launches earlier in the same pass
    const choice =
      wanted && (!spot || spotCapacityFree(wanted.zone, t)) ? wanted : bestLaunch(task, spot, t)
    if (!choice) return false
    const i = inst.add()
    inst.type[i] = choice.type
    inst.zone[i] = choice.zone
    inst.spot[i] = spot ? 1 : 0
    inst.state[i] = LAUNCHING
    inst.launchedAt[i] = t
    inst.readyAt[i] = t + changeover
    inst.endedAt[i] = NaN
    inst.used[i] = 0
    // The changeover covers boot and set-up of the first task's model.
    inst.models[i] = modelBit(tasks.model[task])
    if (spot) {
      runningSpot[choice.zone]++
      freeSpotSlots += types[choice.type].gpus
      metrics.instances_launched_spot++
      const reclaim = market.drawReclaimTime(choice.type, choice.zone, t, uniform)
      if (reclaim < horizon) queue.push(reclaim, NOTICE, i)
    } else {
      metrics.instances_launched_ondemand++
    }
    queue.push(inst.readyAt[i], READY, i)
    record({
      t,
      kind: 'launch',
      instance: instanceName(i),
      zone: market.zones[choice.zone],
      market: spot ? 'spot' : 'ondemand',
      detail: types[choice.type].name
    })
    attach(task, i, t)
    return true
  }

  /**
   * An open instance of the wanted market with a free slot that fits: warm model first, then
   * cheapest, then earliest launched (what a scan of every instance in launch order would pick).
   */
  const findOpenSlot = (task: number, spot: boolean, t: number): number => {
    let best = -1
    let bestScore = Infinity
    const bit = tasks.model[task] % 52
    const market = spot ? 1 : 0
    for (let k = 0; k < types.length; k++) {
      if (types[k].gpuMemoryGiB < tasks.gpuMemoryGiB[task]) continue
      for (let z = 0; z < zoneCount; z++) {
        const g = (market * types.length + k) * zoneCount + z
        const all = openByGroup[g]
        if (!all || all.length === 0) continue
        const warm = warmByGroup[g * 52 + bit]
        const i = warm && warm.length > 0 ? warm[0] : all[0]
        const score = (warm && warm.length > 0 ? 0 : 1) * 1e9 + priceOf(i, t)
        if (score < bestScore || (score === bestScore && i < best)) {
          bestScore = score
          best = i
        }
      }
    }
    return best
  }

  const taskView = (task: number, t: number): BatchTaskView => ({
    preemptions: preemptions[task],
    remainingWork: tasks.work[task] - progress[task],
    spotAvailable: findOpenSlot(task, true, t) >= 0 || bestLaunch(task, true, t) !== null
  })

  /** No waiting task can take spot now: no free slot on a live spot instance, no zone with capacity. */
  const spotClosed = (t: number): boolean => {
    if (freeSpotSlots > 0) return false
    for (let z = 0; z < zoneCount; z++) if (spotCapacityFree(z, t)) return false
    return true
  }

  /**
   * Places pending tasks in order; those that find no capacity wait for the next capacity change.
   * A task that failed while spot was closed sees the same view (its progress and preemptions do not
   * change while it waits) and fails again while spot stays closed, so those are skipped, not re-tried.
   */
  const dispatch = (t: number): void => {
    if (pending.size === 0) return
    let spotBlocked = false
    let closed = spotClosed(t)
    let firstRetryable = -1
    const blockedEnd = pending.blockedEnd
    for (let at = pending.head; at < pending.tail; at++) {
      if (closed && at < blockedEnd) {
        at = blockedEnd - 1
        continue
      }
      const task = pending.tasks[at]
      if (task < 0) continue
      const spot = policy.chooseMarket(taskView(task, t)) === 'spot'
      const open = findOpenSlot(task, spot, t)
      if (open >= 0) {
        attach(task, open, t)
        pending.remove(at)
        if (!closed) closed = spotClosed(t)
        continue
      }
      if (!(spot && spotBlocked) && launch(task, spot, t)) {
        pending.remove(at)
        if (!closed) closed = spotClosed(t)
        continue
      }
      if (spot) spotBlocked = bestLaunch(task, true, t) === null
      if (!waitingForCapacity[task]) {
        waitingForCapacity[task] = 1
        metrics.launch_failures++
        record({
          t,
          kind: 'launch-failed',
          task,
          market: spot ? 'spot' : 'ondemand',
          detail: 'no spot capacity in any zone'
        })
      }
      if (!closed && firstRetryable < 0) firstRetryable = at
    }
    pending.blockedEnd = firstRetryable >= 0 ? firstRetryable : pending.tail
    pending.compact()
  }

  const releaseIfIdle = (i: number, t: number): void => {
    if (inst.used[i] === 0 && inst.state[i] === RUNNING) {
      inst.releaseAt[i] = t + config.idleReleaseSeconds
      queue.push(inst.releaseAt[i], IDLE, i, ++inst.idleEpoch[i])
    }
  }

  const endInstance = (i: number, t: number): void => {
    if (inst.state[i] === LAUNCHING || inst.state[i] === RUNNING) {
      if (inst.spot[i] === 1) {
        runningSpot[inst.zone[i]]--
        freeSpotSlots -= types[inst.type[i]].gpus - inst.used[i]
      }
      inst.retire(i)
    }
    inst.state[i] = GONE
    refreshOpen(i)
    inst.endedAt[i] = t
  }

  /** Interruption notice: save what the notice allows, cancel the tasks' futures, terminate at t + grace. */
  const notice = (i: number, t: number): void => {
    if (inst.state[i] !== RUNNING && inst.state[i] !== LAUNCHING) return
    metrics.notices++
    runningSpot[inst.zone[i]]--
    freeSpotSlots -= types[inst.type[i]].gpus - inst.used[i]
    inst.state[i] = NOTICED
    inst.retire(i)
    refreshOpen(i)
    queue.push(t + grace, TERMINATE, i)
    record({
      t,
      kind: 'notice',
      instance: instanceName(i),
      zone: market.zones[inst.zone[i]],
      market: 'spot'
    })
    const base = i * maxSlots
    let sharing = 0
    for (let s = 0; s < maxSlots; s++)
      if (inst.slots[base + s] >= 0 && taskState[inst.slots[base + s]] === WORKING) sharing++
    const share = bandwidth[inst.type[i]] / Math.max(1, sharing)
    for (let s = 0; s < maxSlots; s++) {
      const task = inst.slots[base + s]
      if (task < 0) continue
      if (taskState[task] === WORKING) {
        const done = progress[task] + (t - segmentStart[task])
        const interval = workload.checkpointIntervalSeconds
        const periodic =
          interval > 0
            ? Math.max(checkpointed[task], Math.floor(done / interval) * interval)
            : checkpointed[task]
        const plan = planCheckpoint(tasks.stateGiB[task], share, grace, config.checkpoint)
        const saved = periodic + plan.savedFraction * (done - periodic)
        bookWork(i, saved - progress[task])
        metrics.work_lost_gpu_hours += (done - saved) / 3600
        metrics.work_saved_gpu_hours += (saved - periodic) / 3600
        if (plan.decision === 'full') metrics.checkpoints_full++
        else if (plan.decision === 'partial') metrics.checkpoints_partial++
        else metrics.checkpoints_restart++
        progress[task] = saved
        checkpointed[task] = saved
        record({ t, kind: 'checkpoint', instance: instanceName(i), task, detail: plan.decision })
      }
      taskEpoch[task]++
      preemptions[task]++
      metrics.preemptions++
      taskState[task] = PENDING
      detach(task, i)
      displaced.push(task)
    }
    const outage = market.drawOutageSeconds(inst.zone[i], uniform)
    if (outage > 0 && t + outage > outageUntil[inst.zone[i]]) {
      outageUntil[inst.zone[i]] = t + outage
      if (t + outage < horizon)
        queue.push(t + outage, ZONE_OPEN, inst.zone[i], ++outageEpoch[inst.zone[i]])
    }
    // Notices at the same instant are placed together, so the optimal placement sees all of them.
    if (migrateAt !== t) {
      migrateAt = t
      queue.push(t, MIGRATE, 0)
    }
  }

  const hazard = expectedHazardPerHour(config.market)
  const times = {
    coldStartSeconds: workload.coldStartSeconds,
    changeoverSeconds: changeover,
    idleReleaseSeconds: config.idleReleaseSeconds
  }

  /** The instance is open (live, a free slot), on the task's market, with the GPU memory it needs. */
  const fitsOpen = (task: number, i: number, spot: boolean): boolean =>
    inOpen[i] === 1 &&
    inst.spot[i] === (spot ? 1 : 0) &&
    types[inst.type[i]].gpuMemoryGiB >= tasks.gpuMemoryGiB[task]

  /** When an open instance would be released with nothing more placed on it, absolute seconds. */
  const releaseTime = (i: number): number => {
    if (inst.used[i] === 0) return inst.releaseAt[i]
    let busyUntil = 0
    const base = i * maxSlots
    for (let s = 0; s < maxSlots; s++) {
      const task = inst.slots[base + s]
      if (task >= 0 && expectedDone[task] > busyUntil) busyUntil = expectedDone[task]
    }
    return busyUntil + config.idleReleaseSeconds
  }

  /** What could be launched now: every type, per zone with spot capacity for spot. */
  const launchChoices = (t: number): LaunchChoice[] => {
    const choices: LaunchChoice[] = []
    for (let k = 0; k < types.length; k++) {
      const common = {
        type: k,
        gpus: types[k].gpus,
        gpuMemoryGiB: types[k].gpuMemoryGiB,
        bandwidthGiBps: bandwidth[k]
      }
      choices.push({
        ...common,
        zone: 0,
        spot: false,
        pricePerHour: types[k].onDemandPrice,
        hazardPerHour: 0
      })
      for (let z = 0; z < zoneCount; z++)
        if (spotCapacityFree(z, t))
          choices.push({
            ...common,
            zone: z,
            spot: true,
            pricePerHour: market.spotPrice(k, z, t),
            hazardPerHour: hazard
          })
    }
    return choices
  }

  const migrate = (t: number): void => {
    const batch = displaced
    displaced = []
    const slots: OpenSlot[] = []
    for (let k = 0; k < open.length; k++) {
      const i = open[k]
      const free = types[inst.type[i]].gpus - inst.used[i]
      if (free <= 0) continue
      slots.push({
        instance: i,
        free,
        spot: inst.spot[i] === 1,
        gpuMemoryGiB: types[inst.type[i]].gpuMemoryGiB,
        instancePricePerHour: priceOf(i, t),
        bandwidthGiBps: bandwidth[inst.type[i]],
        waitSeconds: Math.max(0, inst.readyAt[i] - t),
        releaseInSeconds: Math.max(0, releaseTime(i) - t),
        hazardPerHour: inst.spot[i] === 1 ? hazard : 0,
        hasModel: (model: number) => hasModel(inst.models[i], model)
      })
    }
    const requests = batch.map((task) => {
      const spot = policy.chooseMarket(taskView(task, t)) === 'spot'
      return {
        task,
        spot,
        gpuMemoryGiB: tasks.gpuMemoryGiB[task],
        stateGiB: checkpointed[task] > 0 ? tasks.stateGiB[task] : 0,
        model: tasks.model[task],
        remainingSeconds: tasks.work[task] - progress[task],
        launchable: bestLaunch(task, spot, t) !== null
      }
    })
    const launches = config.migration === 'optimal' ? launchChoices(t) : []
    const plan = placeDisplaced(config.migration, requests, slots, launches, times)
    // tasks the plan puts together on one fresh instance of a choice: launched by the first of them
    const sharedLaunch = new Map<number, number>()
    const launched: number[] = []
    for (let r = 0; r < requests.length; r++) {
      const { task, spot } = requests[r]
      const target = plan.targets[r]
      const choice = plan.launch[r]
      if (target >= 0) {
        metrics.migrations++
        attach(task, target, t)
        continue
      }
      if (target !== LAUNCH_FRESH) {
        pending.push(task)
        continue
      }
      const host = plan.fillFresh
        ? launched.find((i) => fitsOpen(task, i, spot))
        : plan.shared[r] === 1
          ? sharedLaunch.get(choice)
          : undefined
      if (host !== undefined && fitsOpen(task, host, spot)) {
        attach(task, host, t)
        continue
      }
      if (!launch(task, spot, t, choice >= 0 ? launches[choice] : undefined)) {
        pending.push(task)
        continue
      }
      launched.push(inst.count - 1)
      if (plan.shared[r] === 1) sharedLaunch.set(choice, inst.count - 1)
    }
    dispatch(t)
  }

  const applyCapacity = (z: number, t: number): void => {
    const capacity = capacitySteps[z].capacity[capacityIndex[z]]
    let excess = runningSpot[z] - capacity
    if (excess > 0) {
      // The market reclaims `excess` of our spot instances in the zone, chosen at random (seeded).
      const victims: number[] = []
      for (let i = inst.firstLive; i !== -1; i = inst.nextLive[i])
        if (inst.spot[i] === 1 && inst.zone[i] === z) victims.push(i)
      while (excess-- > 0 && victims.length > 0) {
        const k = Math.floor(uniform() * victims.length)
        const victim = victims[k]
        victims[k] = victims[victims.length - 1]
        victims.pop()
        notice(victim, t)
      }
    } else dispatch(t)
  }

  for (let i = 0; i < tasks.count; i++) queue.push(tasks.arrival[i], ARRIVE, i)
  for (let z = 0; z < zoneCount; z++) {
    const steps = capacitySteps[z]
    for (let k = 1; k < steps.times.length; k++)
      if (steps.times[k] < horizon) queue.push(steps.times[k], CAPACITY, z, k)
  }

  let processed = 0
  while (queue.pop()) {
    const t = queue.time
    if (t > horizon) break
    processed++
    const subject = queue.subject
    switch (queue.kind) {
      case ARRIVE:
        taskState[subject] = PENDING
        pending.push(subject)
        dispatch(t)
        break
      case READY: {
        if (inst.state[subject] !== LAUNCHING) break
        inst.state[subject] = RUNNING
        record({ t, kind: 'ready', instance: instanceName(subject) })
        const base = subject * maxSlots
        for (let s = 0; s < maxSlots; s++) {
          const task = inst.slots[base + s]
          if (task >= 0 && taskState[task] === SETTING_UP) startSetup(task, subject, t)
        }
        releaseIfIdle(subject, t)
        break
      }
      case TASK_RUN:
        if (queue.epoch !== taskEpoch[subject]) break
        taskState[subject] = WORKING
        segmentStart[subject] = t
        expectedDone[subject] = t + (tasks.work[subject] - progress[subject])
        queue.push(
          t + (tasks.work[subject] - progress[subject]),
          TASK_DONE,
          subject,
          taskEpoch[subject]
        )
        record({
          t,
          kind: 'task-start',
          task: subject,
          instance: instanceName(taskInstance[subject])
        })
        break
      case TASK_DONE: {
        if (queue.epoch !== taskEpoch[subject]) break // cancelled by a reclaim
        const i = taskInstance[subject]
        taskState[subject] = DONE
        bookWork(i, tasks.work[subject] - progress[subject])
        progress[subject] = tasks.work[subject]
        finishedAt[subject] = t
        detach(subject, i)
        record({ t, kind: 'task-done', task: subject, instance: instanceName(i) })
        releaseIfIdle(i, t)
        dispatch(t)
        break
      }
      case NOTICE:
        notice(subject, t)
        break
      case TERMINATE:
        endInstance(subject, t)
        record({ t, kind: 'terminate', instance: instanceName(subject) })
        break
      case IDLE:
        if (
          queue.epoch !== inst.idleEpoch[subject] ||
          inst.used[subject] !== 0 ||
          inst.state[subject] !== RUNNING
        )
          break
        endInstance(subject, t)
        record({ t, kind: 'release', instance: instanceName(subject) })
        // A released spot instance frees zone capacity a waiting task may need (one that could not share it).
        dispatch(t)
        break
      case CAPACITY:
        capacityIndex[subject] = queue.epoch
        applyCapacity(subject, t)
        break
      case ZONE_OPEN:
        if (queue.epoch === outageEpoch[subject]) dispatch(t)
        break
      case MIGRATE:
        migrate(t)
        break
    }
  }

  if (stats) stats.events += processed
  for (let i = 0; i < inst.count; i++) {
    billLife(metrics, market, {
      typeIndex: inst.type[i],
      zoneIndex: inst.zone[i],
      spot: inst.spot[i] === 1,
      start: inst.launchedAt[i],
      end: inst.state[i] === GONE ? inst.endedAt[i] : NaN
    })
  }

  const completion: number[] = []
  for (let task = 0; task < tasks.count; task++) {
    if (taskState[task] === DONE) {
      metrics.completed_tasks++
      metrics.completed_work_hours += tasks.work[task] / 3600
      completion.push((finishedAt[task] - tasks.arrival[task]) / 3600)
      continue
    }
    const running = taskState[task] === WORKING ? horizon - segmentStart[task] : 0
    if (running > 0) bookWork(taskInstance[task], running)
    const done = progress[task] + running
    metrics.unfinished_work_hours += Math.max(0, tasks.work[task] - done) / 3600
  }
  metrics.unfinished_tasks = tasks.count - metrics.completed_tasks
  metrics.spot_work_hours = spotWork / 3600
  metrics.ondemand_work_hours = ondemandWork / 3600
  completion.sort((a, b) => a - b)
  metrics.completion_time_mean_hours = completion.length
    ? completion.reduce((s, x) => s + x, 0) / completion.length
    : NaN
  metrics.completion_time_p50_hours = percentile(completion, 0.5)
  metrics.completion_time_p99_hours = percentile(completion, 0.99)
  metrics.deadline_met_pct = tasks.count ? (100 * metrics.completed_tasks) / tasks.count : NaN
  return metrics
}
