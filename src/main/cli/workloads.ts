// `synkti apply | status | cancel | logs | costs`: workloads from the command line. With --url (or
// SYNKTI_URL) they talk to a running daemon over its API, the token read from SYNKTI_TOKEN or
// --token-file (never from argv, which `ps` shows); without, they read and write the history file
// directly, and a daemon on that file picks the change up on its next pass.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { ApiMethod, ApiOutputs, WorkloadChangeView, WorkloadView } from '../../shared/api'
import type { FleetEvent } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import { roleOf, workloadOf } from '../controller/tags'
import { defaultDataDir } from '../engine/data-dir'
import { costsByWorkload, eventsOfWorkload, openHistory, type History } from '../history'
import { parseWorkloadText, MAX_WORKLOAD_FILE_BYTES } from '../workloads/files'
import { UsageError } from './errors'
import { awsApplyDryRun, type ApplyDryRunFlags } from './aws-dry-run'
import { checkProvider } from './serve'

interface TargetFlags {
  url?: string
  tokenFile?: string
  db?: string
  dataDir?: string
}

const DURATION = /^(\d+(?:\.\d+)?)(m|h|d)$/
const MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `7d`, `12h`, `30m` as ms; a clear line otherwise */
export function parseDuration(flag: string, raw: string): number {
  const m = DURATION.exec(raw.trim())
  const ms = m ? Number(m[1]) * MS[m[2] as keyof typeof MS] : Number.NaN
  if (!(ms > 0) || ms > 366 * MS.d)
    throw new UsageError(
      `${flag} must be a duration like 30m, 12h or 7d (at most 366d), got "${raw}"`
    )
  return ms
}

/** One way to reach the workloads: a daemon's API, or the history file itself. */
interface Target {
  call<M extends ApiMethod>(method: M, input: Record<string, unknown>): Promise<ApiOutputs[M]>
  local: boolean
  close(): void
}

async function readToken(flags: TargetFlags): Promise<string> {
  if (flags.tokenFile) {
    const text = await readFile(flags.tokenFile, 'utf8').catch((error: unknown) => {
      throw new UsageError(`--token-file: cannot read ${flags.tokenFile} (${errorText(error)})`)
    })
    const token = text.trim()
    if (token.length < 16) throw new UsageError(`--token-file: ${flags.tokenFile} holds no token`)
    return token
  }
  const token = process.env.SYNKTI_TOKEN?.trim()
  if (!token)
    throw new UsageError(
      'talking to a daemon needs its token: set SYNKTI_TOKEN or pass --token-file FILE'
    )
  return token
}

function remoteTarget(url: string, token: string): Target {
  let base: URL
  try {
    base = new URL(url)
  } catch (_notUrl) {
    throw new UsageError(`--url must be the daemon's URL like http://127.0.0.1:7777, got "${url}"`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new UsageError(`--url must be http(s), got "${url}"`)
  return {
    local: false,
    async call(method, input) {
      let res: Response
      try {
        res = await fetch(new URL(`/api/rpc/${method}`, base), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input),
          signal: AbortSignal.timeout(30_000)
        })
      } catch (error) {
        throw new UsageError(`the daemon at ${base.origin} is not answering (${errorText(error)})`)
      }
      const body = (await res.json().catch(() => ({}))) as {
        result?: unknown
        error?: { message?: string }
      }
      if (res.status === 401) throw new UsageError(`the daemon refused the token (401)`)
      if (!res.ok) throw new UsageError(body.error?.message ?? `the daemon answered ${res.status}`)
      return body.result as never
    },
    close: () => undefined
  }
}

function localTarget(history: History): Target {
  const now = (): number => Date.now()
  const handlers: { [M in ApiMethod]?: (input: Record<string, unknown>) => unknown } = {
    applyWorkloads: (input) => {
      const parsed = parseWorkloadText(String(input.text), { file: String(input.file) })
      if (parsed.errors.length > 0) throw new UsageError(parsed.errors.join('\n'))
      const changes: WorkloadChangeView[] = parsed.workloads.map((w) => ({
        name: w.name,
        kind: w.kind,
        ...(input.dryRun
          ? history.workloads.preview(w.name, w.kind, w)
          : history.workloads.apply(w.name, w.kind, w, now()))
      }))
      return { changes, dryRun: input.dryRun === true }
    },
    listWorkloads: () => storedStatus(history, now()),
    cancelWorkload: (input) => {
      if (!history.workloads.cancel(String(input.name), now()))
        throw new UsageError(`no workload named "${String(input.name)}"`)
      return { ok: true }
    },
    workloadEvents: (input) => {
      const name = String(input.name)
      if (!history.workloads.get(name)) throw new UsageError(`no workload named "${name}"`)
      return eventsOfWorkload(history, name, now(), Number(input.limit ?? 200))
    },
    costs: (input) =>
      input.by === 'workload'
        ? costsByWorkload(history, Number(input.from), Number(input.to))
        : history.costBy(input.by as 'day', Number(input.from), Number(input.to))
  }
  return {
    local: true,
    async call(method, input) {
      const handler = handlers[method]
      if (!handler) throw new UsageError(`${method} needs a running daemon: pass --url`)
      return handler(input) as never
    },
    close: () => history.close()
  }
}

/** Without a daemon: the desired state and the instances history last saw, readiness unknown. */
function storedStatus(history: History, now: number): WorkloadView[] {
  const fleet = history.fleetAt(now)
  return history.workloads.list().map((w) => {
    const spec = w.spec as { replicas?: number; standby?: number }
    const mine = fleet.filter((i) => workloadOf(i) === w.name)
    return {
      name: w.name,
      kind: w.kind,
      generation: w.generation,
      spec: w.spec,
      desired: { replicas: spec.replicas ?? 0, standby: spec.standby ?? 0 },
      serving: mine.filter((i) => roleOf(i) === 'serving').length,
      ready: 0,
      standby: mine.filter((i) => roleOf(i) === 'standby').length,
      leaving: 0,
      recoveries: 0,
      openFailovers: 0,
      costPerHour: mine.reduce((s, i) => s + i.pricePerHour, 0),
      ondemandCostPerHour: mine.reduce((s, i) => s + i.onDemandPricePerHour, 0),
      instances: mine.map((i) => ({
        id: i.id,
        role: roleOf(i) ?? 'serving',
        state: i.state,
        market: i.market,
        zone: i.zone,
        ready: false
      })),
      speed: 1
    }
  })
}

async function openTarget(flags: TargetFlags): Promise<Target> {
  const url = flags.url ?? process.env.SYNKTI_URL
  if (url) return remoteTarget(url, await readToken(flags))
  const db = flags.db ?? join(flags.dataDir ?? defaultDataDir(), 'history.db')
  try {
    return localTarget(openHistory(db))
  } catch (error) {
    throw new UsageError(`cannot open history ${db}: ${errorText(error)}`)
  }
}

async function withTarget<T>(flags: TargetFlags, work: (t: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(flags)
  try {
    return await work(target)
  } finally {
    target.close()
  }
}

const money = (x: number): string => `$${x.toFixed(2)}`
const pct = (cost: number, od: number): string =>
  od > 0 ? `${(100 * (1 - cost / od)).toFixed(0)}%` : '–'

function statusTable(views: WorkloadView[], local: boolean): string {
  const head = ['NAME', 'KIND', 'READY', 'STANDBY', 'LEAVING', 'RECOVERIES', 'COST/H', 'SAVES']
  const rows = views.map((v) => [
    v.name,
    v.kind,
    local ? `?/${v.desired.replicas}` : `${v.ready}/${v.desired.replicas}`,
    `${v.standby}/${v.desired.standby}`,
    String(v.leaving),
    String(v.recoveries),
    money(v.costPerHour),
    pct(v.costPerHour, v.ondemandCostPerHour)
  ])
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, k) => c.padEnd(widths[k]))
      .join('  ')
      .trimEnd()
  const out = [line(head), ...rows.map(line)]
  for (const v of views) if (v.job) out.push(jobLine(v.name, v.job))
  if (local) out.push('(no daemon given: readiness is unknown; pass --url for live status)')
  return out.join('\n')
}

/** a job's progress against ep(t) = t * C / R, its deadline and the policy's current decision */
function jobLine(name: string, j: NonNullable<WorkloadView['job']>): string {
  const h = (x: number): string => `${x.toFixed(2)} h`
  const state =
    j.finishedHours !== undefined
      ? `done at ${h(j.finishedHours)}`
      : j.failed
        ? `failed at ${h(j.failed.atHours)}: ${j.reason}`
        : `${j.decision}: ${j.reason}`
  return (
    `${name}: progress ${h(j.progressHours)} of ${h(j.workHours)}, expected ${h(j.expectedProgressHours)}, ` +
    `deadline ${h(j.deadlineHours)} (now ${h(j.elapsedHours)}), ${j.preemptions} reclaims, ${j.checkpoints} checkpoints; ${state}`
  )
}

function instancesTable(v: WorkloadView): string {
  return v.instances
    .map(
      (i) =>
        `  ${i.id}  ${i.role.padEnd(7)}  ${i.state.padEnd(8)}  ${i.market.padEnd(8)}  ${i.zone}${i.ready ? '  ready' : ''}`
    )
    .join('\n')
}

function eventLine(e: FleetEvent): string {
  const d = e.data ?? {}
  const detail = ['phase', 'outcome', 'role', 'reason', 'replacement', 'market', 'zone']
    .filter((k) => d[k] !== undefined)
    .map((k) => `${k}=${String(d[k])}`)
    .join(' ')
  return `${new Date(e.at).toISOString()}  ${e.kind.padEnd(15)}  ${e.instanceId ?? '-'}  ${detail}`.trimEnd()
}

const targetOptions = (command: Command): Command =>
  command
    .option('--url <url>', 'a running daemon (default: SYNKTI_URL); its token from SYNKTI_TOKEN')
    .option('--token-file <file>', "file holding the daemon's token")
    .option('--db <path>', 'history file, when no daemon is given (default <data dir>/history.db)')
    .option('--data-dir <dir>', "settings and history folder (default: the desktop app's)")

export function registerWorkloads(program: Command): void {
  targetOptions(
    program
      .command('apply')
      .description('create or update the workloads of a YAML or JSON file; prints what changes')
      .requiredOption('-f, --file <file>', 'workload file (YAML, or JSON by its .json ending)')
      .option('--dry-run', 'only say what would change')
      .option(
        '--provider <name>',
        'with --dry-run and aws: also ask EC2 (DryRun) if each launch would succeed'
      )
      .option(
        '--region <region>',
        'AWS region for the EC2 dry run (default: the settings), repeatable',
        (v: string, p: string[] = []) => [...p, v]
      )
      .option('--profile <name>', 'AWS named profile for the EC2 dry run')
  ).action(async (flags: TargetFlags & { file: string; dryRun?: boolean } & ApplyDryRunFlags) => {
    const info = await stat(flags.file).catch((error: unknown) => {
      throw new UsageError(`-f: cannot read ${flags.file} (${errorText(error)})`)
    })
    if (!info.isFile()) throw new UsageError(`-f: ${flags.file} is not a regular file`)
    if (info.size > MAX_WORKLOAD_FILE_BYTES)
      throw new UsageError(`-f: ${flags.file} is over ${MAX_WORKLOAD_FILE_BYTES / 1024 / 1024} MiB`)
    const text = await readFile(flags.file, 'utf8')
    await withTarget(flags, async (t) => {
      const out = await t.call('applyWorkloads', {
        text,
        file: flags.file,
        dryRun: flags.dryRun === true
      })
      for (const c of out.changes)
        process.stdout.write(
          `${c.kind} ${c.name}: ${out.dryRun ? `would be ${c.change}` : c.change} (generation ${c.generation})\n`
        )
    })
    if (flags.dryRun && checkProvider(flags.provider) === 'aws')
      await awsApplyDryRun(flags, text, flags.file)
  })

  targetOptions(
    program
      .command('status [name]')
      .description('workloads: desired and ready replicas, spares, recoveries, cost per hour')
      .option('--json', 'print JSON')
  ).action(async (name: string | undefined, flags: TargetFlags & { json?: boolean }) => {
    await withTarget(flags, async (t) => {
      const all = await t.call('listWorkloads', {})
      const views = name ? all.filter((v) => v.name === name) : all
      if (name && views.length === 0) throw new UsageError(`no workload named "${name}"`)
      if (flags.json) process.stdout.write(`${JSON.stringify(views, null, 2)}\n`)
      else if (views.length === 0)
        process.stdout.write('no workloads: declare one with `synkti apply -f FILE`\n')
      else {
        process.stdout.write(`${statusTable(views, t.local)}\n`)
        if (name) process.stdout.write(`${instancesTable(views[0])}\n`)
      }
    })
  })

  targetOptions(
    program
      .command('cancel <name>')
      .description('cancel a workload: its instances are drained and terminated')
  ).action(async (name: string, flags: TargetFlags) => {
    await withTarget(flags, async (t) => {
      await t.call('cancelWorkload', { name })
      process.stdout.write(`${name}: cancelled; its instances are drained and terminated\n`)
    })
  })

  targetOptions(
    program
      .command('logs <name>')
      .description("a workload's events: launches, notices, drains, failover phases")
      .option('--limit <n>', 'at most this many, newest last', '200')
  ).action(async (name: string, flags: TargetFlags & { limit: string }) => {
    const limit = Number(flags.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new UsageError(`--limit must be a whole number from 1 to 10000, got "${flags.limit}"`)
    await withTarget(flags, async (t) => {
      const events = await t.call('workloadEvents', { name, limit })
      for (const e of events) process.stdout.write(`${eventLine(e)}\n`)
      if (events.length === 0) process.stdout.write(`${name}: no events yet\n`)
    })
  })

  targetOptions(
    program
      .command('costs')
      .description('spend against the on-demand baseline for the same instance-hours')
      .option('--last <duration>', 'window ending now: 30m, 12h, 7d', '7d')
      .option('--by <grouping>', 'workload, instance, type, zone or day', 'workload')
  ).action(async (flags: TargetFlags & { last: string; by: string }) => {
    const window = parseDuration('--last', flags.last)
    if (!['workload', 'instance', 'type', 'zone', 'day'].includes(flags.by))
      throw new UsageError(`--by must be workload, instance, type, zone or day, got "${flags.by}"`)
    const to = Date.now()
    await withTarget(flags, async (t) => {
      const rows = await t.call('costs', { from: to - window, to, by: flags.by })
      const total = rows.reduce((s, r) => ({ cost: s.cost + r.cost, od: s.od + r.ondemandCost }), {
        cost: 0,
        od: 0
      })
      for (const r of rows)
        process.stdout.write(
          `${r.key.padEnd(24)}  ${money(r.cost).padStart(10)}  on-demand ${money(r.ondemandCost).padStart(10)}  saves ${pct(r.cost, r.ondemandCost)}\n`
        )
      process.stdout.write(
        `${'total'.padEnd(24)}  ${money(total.cost).padStart(10)}  on-demand ${money(total.od).padStart(10)}  saves ${pct(total.cost, total.od)}\n`
      )
    })
  })
}
