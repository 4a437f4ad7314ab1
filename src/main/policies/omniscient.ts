// The omniscient bound of a deadline job: the exact minimum cost of finishing C seconds of work by
// the deadline R on one instance at a time, knowing the whole market in advance (Wu et al., "Can't
// Be Late", NSDI '24, measure every policy against it; they solve an ILP, this is an exact dynamic
// program instead).
//
// The model is the simulator's, relaxed only where a bound must be: each instance life costs its
// price over its length (no one-minute minimum, no rounding to whole seconds, no notice billed
// after a reclaim, since a planner that knows the reclaim leaves just before it), makes no progress
// for its first d seconds (the changeover), and a spot life in a zone needs that zone's capacity
// for all of its length. Every trajectory the simulator can produce is feasible here and costs no
// less, so the bound is below every policy's cost.
//
// Why a DP over intervals is exact: the market is constant inside each interval (the trace ticks,
// merged where nothing changes). Moving two life endpoints that sit inside intervals in opposite
// directions keeps the work done and changes the cost linearly, so one of the two directions never
// costs more; repeating this leaves at most ONE endpoint off the interval grid. Lost time (idle plus
// changeovers) is lambda = sum of idle intervals + L * d, and the work done is R - lambda, so a
// schedule is feasible when lambda reaches exactly S = R - C. The DP keeps, at each boundary and
// for each mode (idle, on-demand, spot in zone z), the Pareto frontier of (lambda, cost) over
// grid-aligned prefixes; a backward pass does the same for suffixes; the one off-grid endpoint is
// the start or end of a life inside some interval j, which turns (S - lambda) of that interval's
// running time back into lost time and refunds its price. Meeting a prefix and a suffix at j is a
// sliding-window minimum, so the whole search is linear in intervals x modes x frontier size.

/** The market as the planner sees it: contiguous intervals from t = 0 to the deadline. */
export interface OmniscientInput {
  /** length of each interval, seconds; they sum to the deadline R */
  lengths: Float64Array
  /** spot zones */
  zones: number
  /** 1 when spot can run in zone z for all of interval k: index k * zones + z */
  spotAvailable: Uint8Array
  /** cost of running spot in zone z for all of interval k, $: index k * zones + z */
  spotCost: Float64Array
  /** $/h */
  onDemandPrice: number
  /** compute time C, seconds */
  computeSeconds: number
  /** changeover d, seconds */
  changeoverSeconds: number
}

export interface PlannedLife {
  market: 'spot' | 'ondemand'
  /** spot zone index; 0 for on-demand */
  zone: number
  /** seconds from t = 0 */
  start: number
  end: number
  /** $ over [start, end) */
  cost: number
}

export interface OmniscientPlan {
  /** the minimum cost, $ */
  cost: number
  lives: PlannedLife[]
  /** when the work is done, seconds */
  finish: number
}

const IDLE = 0
const ONDEMAND = 1
/** modes: 0 idle, 1 on-demand, 2 + z spot in zone z */
const FIRST_SPOT = 2
const EPS = 1e-6
/**
 * Frontier entries the planner may keep over a whole search: about 30 bytes each, so ~150 MB at
 * most. Long jobs with a lot of slack on many zones can need more; the planner then gives up
 * (deterministically, by count) rather than exhaust a worker's memory.
 */
export const OMNISCIENT_MAX_ENTRIES = 5_000_000

/** Thrown when the search would keep more than OMNISCIENT_MAX_ENTRIES entries. */
export class OmniscientTooLarge extends Error {
  constructor(readonly entries: number) {
    super(
      `the omniscient search needs more than ${OMNISCIENT_MAX_ENTRIES} frontier entries (a long job with much slack on many zones)`
    )
    this.name = 'OmniscientTooLarge'
  }
}

/**
 * The DP states that were kept, as a forest: each node is one interval step (its mode and whether
 * it starts a new life) linked to the node of the neighbouring interval (the previous one for the
 * forward pass, the next one for the backward pass). Only read to recover the winning schedule.
 */
class Steps {
  link = new Int32Array(1 << 14)
  mode = new Int32Array(1 << 14)
  fresh = new Uint8Array(1 << 14)
  size = 0

  add(link: number, mode: number, fresh: number): number {
    if (this.size === this.link.length) {
      const n = this.size * 2
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
        b.set(a)
        return b
      }
      this.link = grow(this.link, new Int32Array(n))
      this.mode = grow(this.mode, new Int32Array(n))
      this.fresh = grow(this.fresh, new Uint8Array(n))
    }
    const i = this.size++
    this.link[i] = link
    this.mode[i] = mode
    this.fresh[i] = fresh
    return i
  }
}

/**
 * A Pareto frontier of (lost time, cost): ascending lost time, strictly descending cost. Each entry
 * names a step node; while `step[i]` >= 0 the entry is a candidate that still has to take the step
 * mode * 2 + fresh from that node (merges stay cheap by creating nodes only for survivors).
 */
interface Frontier {
  n: number
  lam: Float64Array
  cost: Float64Array
  node: Int32Array
  step: Int32Array
}

/** A frontier seen shifted by (dl, dc); `step` >= 0 marks every entry with that step, -1 keeps theirs. */
interface View {
  of: Frontier
  dl: number
  dc: number
  step: number
}

const stepOf = (mode: number, fresh: boolean): number => mode * 2 + (fresh ? 1 : 0)

function frontierOf(n: number): Frontier {
  return {
    n: 0,
    lam: new Float64Array(n),
    cost: new Float64Array(n),
    node: new Int32Array(n),
    step: new Int32Array(n)
  }
}

class Search {
  readonly steps = new Steps()
  entries = 0
  private scratch = frontierOf(1024)

  constructor(
    private readonly maxLam: number,
    private readonly maxCost: number
  ) {}

  /** Pareto merge of shifted frontiers, dropping lost time above maxLam and cost above maxCost. */
  merge(views: View[]): Frontier {
    let total = 0
    for (const v of views) total += v.of.n
    if (this.scratch.lam.length < total) this.scratch = frontierOf(total * 2)
    const out = this.scratch
    out.n = 0
    const at = new Int32Array(views.length)
    let cheapest = this.maxCost
    for (;;) {
      let pick = -1
      let pickLam = Infinity
      let pickCost = Infinity
      for (let v = 0; v < views.length; v++) {
        const view = views[v]
        const i = at[v]
        if (i >= view.of.n) continue
        const lam = view.of.lam[i] + view.dl
        const cost = view.of.cost[i] + view.dc
        if (lam < pickLam - EPS || (lam <= pickLam + EPS && cost < pickCost)) {
          pick = v
          pickLam = lam
          pickCost = cost
        }
      }
      if (pick < 0 || pickLam > this.maxLam + EPS) break
      const view = views[pick]
      const i = at[pick]++
      if (pickCost < cheapest - 1e-9) {
        cheapest = pickCost
        const k = out.n++
        out.lam[k] = pickLam
        out.cost[k] = pickCost
        out.node[k] = view.of.node[i]
        out.step[k] = view.step >= 0 ? view.step : view.of.step[i]
      }
    }
    return this.keep(out)
  }

  /** A compact copy of the scratch frontier, counted against the entry budget. */
  private keep(f: Frontier): Frontier {
    this.entries += f.n
    if (this.entries > OMNISCIENT_MAX_ENTRIES) throw new OmniscientTooLarge(this.entries)
    return {
      n: f.n,
      lam: f.lam.slice(0, f.n),
      cost: f.cost.slice(0, f.n),
      node: f.node.slice(0, f.n),
      step: f.step.slice(0, f.n)
    }
  }

  /** Gives every candidate entry its step node (in place). */
  settle(f: Frontier): Frontier {
    for (let i = 0; i < f.n; i++) {
      const s = f.step[i]
      if (s < 0) continue
      f.node[i] = this.steps.add(f.node[i], s >> 1, s & 1)
      f.step[i] = -1
    }
    return f
  }
}

interface Meeting {
  value: number
  /** index into the prefix frontier and the lost time added to it in the interval */
  prefix: number
  prefixShift: number
  /** index into the suffix frontier */
  suffix: number
  /** running seconds of the interval given back (the off-grid endpoint's offset) */
  refund: number
}

/**
 * min over prefix entry A and suffix entry B of cost(A) + cost(B) - rate * a, where the refund
 * a = S - lam(A) - shift - lam(B) must lie in [0, length]. Taking A in descending lost time moves
 * the admissible window of B towards larger lost time, so a monotone deque gives each window's
 * minimum of cost(B) + rate * lam(B): linear in the two frontier sizes.
 */
function meet(
  prefix: Frontier,
  prefixShift: number,
  suffix: Frontier,
  S: number,
  length: number,
  rate: number
): Meeting | null {
  let best: Meeting | null = null
  const deque = new Int32Array(suffix.n)
  let head = 0
  let tail = 0
  let next = 0
  const key = (b: number): number => suffix.cost[b] + rate * suffix.lam[b]
  for (let a = prefix.n - 1; a >= 0; a--) {
    const lamA = prefix.lam[a] + prefixShift
    const hi = S - lamA
    const lo = hi - length
    while (next < suffix.n && suffix.lam[next] <= hi + EPS) {
      while (tail > head && key(deque[tail - 1]) >= key(next)) tail--
      deque[tail++] = next++
    }
    while (tail > head && suffix.lam[deque[head]] < lo - EPS) head++
    if (tail === head) continue
    const b = deque[head]
    const refund = Math.min(length, Math.max(0, S - lamA - suffix.lam[b]))
    const value = prefix.cost[a] + suffix.cost[b] - rate * refund
    if (!best || value < best.value - 1e-12)
      best = { value, prefix: a, prefixShift, suffix: b, refund }
  }
  return best
}

interface Winner {
  value: number
  interval: number
  mode: number
  /** the off-grid endpoint starts the interval's life ('start') or ends it ('end') */
  kind: 'start' | 'end'
  refund: number
  /** node of interval j - 1 on the prefix side, of interval j + 1 on the suffix side */
  prefixNode: number
  suffixNode: number
  /** whether interval j starts a new life */
  fresh: number
}

/**
 * The omniscient plan: the cheapest schedule that finishes the work by the deadline, or null when
 * even on-demand from t = 0 cannot (C + d > R). Throws OmniscientTooLarge past the entry budget.
 */
export function planOmniscient(input: OmniscientInput): OmniscientPlan | null {
  const { lengths, zones, spotAvailable, spotCost, onDemandPrice } = input
  const C = input.computeSeconds
  const d = input.changeoverSeconds
  const K = lengths.length
  const M = zones + FIRST_SPOT
  let R = 0
  let longest = 0
  for (let k = 0; k < K; k++) {
    R += lengths[k]
    longest = Math.max(longest, lengths[k])
  }
  const S = R - C
  if (!(C > 0) || S < d - EPS) return null

  const intervalCost = (k: number, m: number): number =>
    m === IDLE
      ? 0
      : m === ONDEMAND
        ? (onDemandPrice * lengths[k]) / 3600
        : spotCost[k * zones + m - FIRST_SPOT]
  const runnable = (k: number, m: number): boolean =>
    m === ONDEMAND || (m >= FIRST_SPOT && spotAvailable[k * zones + m - FIRST_SPOT] === 1)
  // On-demand from the start is feasible, so nothing dearer (plus one interval of refund) matters.
  const search = new Search(S, (onDemandPrice * (C + d + longest)) / 3600 + 1e-6)
  const { steps } = search
  const single = (lam: number, node: number): Frontier => ({
    n: 1,
    lam: Float64Array.of(lam),
    cost: Float64Array.of(0),
    node: Int32Array.of(node),
    step: Int32Array.of(-1)
  })

  // Backward: back[k][m] = suffixes over intervals k..K-1 when interval k-1 ran in mode m (idle:
  // nothing to continue); their nodes link towards the end.
  const back: Frontier[][] = new Array(K + 1)
  back[K] = new Array<Frontier>(M).fill(single(0, steps.add(-1, IDLE, 0)))
  for (let k = K - 1; k >= 0; k--) {
    const after = back[k + 1]
    const starts: View[] = [{ of: after[IDLE], dl: lengths[k], dc: 0, step: stepOf(IDLE, false) }]
    for (let m = 1; m < M; m++)
      if (runnable(k, m))
        starts.push({ of: after[m], dl: d, dc: intervalCost(k, m), step: stepOf(m, true) })
    const anew = search.settle(search.merge(starts))
    const layer = new Array<Frontier>(M).fill(anew)
    for (let m = 1; m < M; m++) {
      if (!runnable(k, m)) continue
      layer[m] = search.settle(
        search.merge([
          { of: anew, dl: 0, dc: 0, step: -1 },
          { of: after[m], dl: 0, dc: intervalCost(k, m), step: stepOf(m, false) }
        ])
      )
    }
    back[k] = layer
  }

  // Forward, meeting the backward frontiers at every interval.
  const empty = frontierOf(0)
  let layer = new Array<Frontier>(M).fill(empty)
  layer[IDLE] = single(0, steps.add(-1, IDLE, 0))
  let best: Winner | null = null
  for (let j = 0; j < K; j++) {
    const all = search.merge(layer.map((of) => ({ of, dl: 0, dc: 0, step: -1 })))
    const next = new Array<Frontier>(M).fill(empty)
    next[IDLE] = search.settle(
      search.merge([{ of: all, dl: lengths[j], dc: 0, step: stepOf(IDLE, false) }])
    )
    for (let m = 1; m < M; m++) {
      if (!runnable(j, m)) continue
      const cost = intervalCost(j, m)
      const rate = cost / lengths[j]
      // The off-grid endpoint starts the life inside j (a new life; any suffix may follow) ...
      const started = meet(all, d, back[j + 1][m], S, lengths[j], rate)
      if (started && (!best || started.value + cost < best.value - 1e-12))
        best = {
          value: started.value + cost,
          interval: j,
          mode: m,
          kind: 'start',
          refund: started.refund,
          prefixNode: all.node[started.prefix],
          suffixNode: back[j + 1][m].node[started.suffix],
          fresh: 1
        }
      // ... or ends it inside j (mode m continued or started here; nothing continues it after j).
      const reach = search.merge([
        { of: layer[m], dl: 0, dc: 0, step: stepOf(m, false) },
        { of: all, dl: d, dc: 0, step: stepOf(m, true) }
      ])
      const ended = meet(reach, 0, back[j + 1][IDLE], S, lengths[j], rate)
      if (ended && (!best || ended.value + cost < best.value - 1e-12))
        best = {
          value: ended.value + cost,
          interval: j,
          mode: m,
          kind: 'end',
          refund: ended.refund,
          prefixNode: reach.node[ended.prefix],
          suffixNode: back[j + 1][IDLE].node[ended.suffix],
          fresh: reach.step[ended.prefix] & 1
        }
      for (let i = 0; i < reach.n; i++) reach.cost[i] += cost
      next[m] = search.settle(reach)
    }
    layer = next
  }
  if (!best) return null
  return readPlan(steps, best, input, R)
}

/** Reads the winner's schedule: a mode per interval, then lives with the one off-grid endpoint. */
function readPlan(steps: Steps, best: Winner, input: OmniscientInput, R: number): OmniscientPlan {
  const { lengths, zones, onDemandPrice, spotCost } = input
  const K = lengths.length
  const mode = new Int32Array(K)
  const fresh = new Uint8Array(K)
  const j = best.interval
  // The prefix chain runs from interval j - 1 back to the root (whose link is -1).
  let k = j - 1
  for (let n = best.prefixNode; steps.link[n] >= 0; n = steps.link[n], k--) {
    mode[k] = steps.mode[n]
    fresh[k] = steps.fresh[n]
  }
  if (k !== -1) throw new Error(`omniscient: the prefix ends at interval ${k + 1}, not 0`)
  mode[j] = best.mode
  fresh[j] = best.fresh
  k = j + 1
  for (let n = best.suffixNode; steps.link[n] >= 0; n = steps.link[n], k++) {
    mode[k] = steps.mode[n]
    fresh[k] = steps.fresh[n]
  }
  if (k !== K) throw new Error(`omniscient: the suffix ends at interval ${k}, not ${K}`)

  const lives: PlannedLife[] = []
  let open: PlannedLife | null = null
  let t = 0
  for (let i = 0; i < K; i++) {
    const m = mode[i]
    if (open && (m === IDLE || fresh[i] === 1 || mode[i - 1] !== m)) {
      lives.push(open)
      open = null
    }
    if (m !== IDLE) {
      const from = i === j && best.kind === 'start' ? t + best.refund : t
      const to = i === j && best.kind === 'end' ? t + lengths[i] - best.refund : t + lengths[i]
      const cost =
        m === ONDEMAND
          ? (onDemandPrice * (to - from)) / 3600
          : (spotCost[i * zones + m - FIRST_SPOT] * (to - from)) / lengths[i]
      if (!open)
        open = {
          market: m === ONDEMAND ? 'ondemand' : 'spot',
          zone: m === ONDEMAND ? 0 : m - FIRST_SPOT,
          start: from,
          end: to,
          cost: 0
        }
      open.end = to
      open.cost += cost
      if (i === j && best.kind === 'end') {
        lives.push(open)
        open = null
      }
    }
    t += lengths[i]
  }
  if (open) lives.push(open)
  // A refund of a whole one-interval life (possible only when d = 0) leaves an empty life: drop it.
  const kept = lives.filter((life) => life.end - life.start > 1e-9)
  let work = 0
  let finish = 0
  for (const life of kept) {
    work += life.end - life.start - input.changeoverSeconds
    finish = Math.max(finish, life.end)
  }
  if (Math.abs(work - input.computeSeconds) > 1e-3 || finish > R + 1e-3)
    throw new Error(
      `omniscient: the plan read back does ${work} s of ${input.computeSeconds} s of work by ${finish} s (deadline ${R} s)`
    )
  return { cost: best.value, lives: kept, finish }
}
