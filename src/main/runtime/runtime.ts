import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Settings } from '../../shared/api'
import { createEngineHandlers } from '../api/engine-handlers'
import { createWorkloadHandlers } from '../api/workload-handlers'
import { createStreamHub, type ApiHandlers, type StreamHub } from '../api/handlers'
import { createSimulationJobs, type SimulationJobs } from '../api/simulation-jobs'
import { resourcesDir } from '../api/traces-catalog'
import { systemClock, type Clock } from '../clock'
import { openHistory, takeDaemonLock, DAEMON_LEASE_TTL_MS, type History } from '../history'
import { errorText } from '../../shared/errors'
import { createAwsProvider, createMultiRegionProvider } from '../providers/aws'
import { createSandboxProvider } from '../providers/sandbox'
import { isProviderError } from '../providers/errors'
import { mixSeed } from '../../shared/random'
import type { CloudProvider } from '../providers/types'
import { createAwsOperations } from '../engine/aws-operations'
import { createEngine, type Engine } from '../engine/engine'
import type { FleetOperations } from '../engine/operations'
import { createSandboxOperations } from '../engine/sandbox-operations'
import { openSettingsStore, type SettingsStore } from '../engine/settings-store'
import type { FleetEvent } from '../../shared/fleet'
import { createController, type Controller } from '../controller/controller'
import type { JobSpec, ServiceSpec } from '../controller/types'
import { serviceWorkloadSchema } from '../../shared/workload'
import type { SandboxProvider } from '../providers/sandbox'
import { DEFAULT_ROUTER_PORT, startHttpRouter, type HttpRouter } from '../router'
import { createElbv2Router } from '../router/elbv2'
import { createPerServiceRouter } from '../router/elbv2-select'
import { ec2ClientConfig } from '../providers/aws/client'
import {
  priceViews,
  startLivePriceBook,
  type LivePriceBook
} from '../providers/aws/pricing-refresh'
import {
  ElasticLoadBalancingV2Client,
  type ElasticLoadBalancingV2ClientConfig
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { agentServing } from '../serving/agent'
import { startAgentBoot, type AgentBoot } from '../providers/aws/agent-boot'
import type { SenderCheck } from '../providers/aws/agent-channel'
import { createSandboxServing, type SandboxServing } from '../serving/sandbox'
import type { ServingBackend } from '../serving/serving'

export interface RuntimeOptions {
  dataDir: string
  /** history file; default <dataDir>/history.db */
  dbPath?: string
  /** overrides the mode in the settings */
  mode?: Settings['mode']
  region?: string
  profile?: string
  clock?: Clock
  /** token of the HTTP API and of the node agents' reports; generated when absent */
  token?: string
  log?: (line: string) => void
  version?: string
  /** sandbox only: declare the demo service (3 replicas, 1 spare) when no workload was ever applied (default true) */
  demo?: boolean
  /** sandbox only: simulated seconds per real second (default: the settings' sandbox speed) */
  sandboxSpeed?: number
  /**
   * sandbox only: run on this sandbox cloud instead of a new one. The cloud outlives the runtime, as
   * a real cloud outlives a daemon restart (tests restart the daemon in the middle of failovers).
   */
  sandbox?: { provider: SandboxProvider; serving: SandboxServing }
  /** the OpenAI-compatible router's port (default 8000; 0 picks a free one) */
  routerPort?: number
  /** the router's address (default 127.0.0.1) */
  routerHost?: string
  /** when set, clients of the router must send it as a bearer token */
  routerApiKey?: string
  seed?: number
  workerScript?: string
  /** AWS only: the built agent bundle the cockpit uploads for launches (default out/agent/synkti-agent.mjs beside the built main) */
  agentBundlePath?: string
  /**
   * AWS only: who may report for an instance over the reports queue (default: the real instance-role
   * rule, `<agents' role id>:<instance id>`). Emulators that stamp no real sender (moto) need their own.
   */
  agentSenderCheck?: SenderCheck
  /** AWS only: the reports queue's long-poll wait, seconds (default 20) */
  agentWaitSeconds?: number
}

export interface Runtime {
  engine: Engine
  controller: Controller
  router: HttpRouter
  history: History
  hub: StreamHub
  handlers: ApiHandlers
  jobs: SimulationJobs
  settings: SettingsStore
  provider: CloudProvider
  token: string
  mode: Settings['mode']
  /** cloud seconds per real second (1 on a real cloud) */
  speed: number
  stop(): Promise<void>
}

/** Everything behind the cockpit, wired once: the desktop app and `synkti serve` both start this. */
export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const clock = o.clock ?? systemClock
  const log = o.log ?? (() => {})
  mkdirSync(o.dataDir, { recursive: true })
  const settings = openSettingsStore(o.dataDir)
  /** what the engine could not use as configured; shown in its status line until the next start */
  const warnings: string[] = []
  if (settings.warning) warnings.push(settings.warning)
  if (settings.warning) log(settings.warning)
  const current = settings.get()
  const mode = o.mode ?? current.mode
  const token = o.token ?? randomBytes(24).toString('base64url')
  const dbPath = o.dbPath ?? join(o.dataDir, 'history.db')
  const history = openHistory(dbPath, { clock: clock.now })
  // one daemon per history file: a second one would record every event again and act on the same fleet
  let lock: ReturnType<typeof takeDaemonLock>
  try {
    lock = takeDaemonLock(history.leases, clock.now, dbPath)
  } catch (error) {
    history.close()
    throw error
  }
  const renewLock = setInterval(() => {
    try {
      if (!lock.renew()) log(`the daemon lease of ${dbPath} was taken by another daemon`)
    } catch (error) {
      log(`the daemon lease of ${dbPath} was not renewed: ${errorText(error)}`)
    }
  }, DAEMON_LEASE_TTL_MS / 3)
  renewLock.unref()
  const closeHistory = (): void => {
    clearInterval(renewLock)
    try {
      lock.release()
    } catch (error) {
      // a read-only or full file: the lease lapses by itself
      log(`the daemon lease of ${dbPath} was not released: ${errorText(error)}`)
    }
    history.close()
  }
  const hub = createStreamHub()

  let provider: CloudProvider
  let operations: FleetOperations
  let livePrices: LivePriceBook | undefined
  let priceRegion = ''
  let regionsInUse: readonly string[] = []
  /** the instance types worth pricing: the workloads' and the settings' */
  const priceTypes = (): string[] => [
    ...new Set([
      settings.get().fleet.instanceType,
      ...history.workloads.list().flatMap((w) => (w.spec as ServiceSpec).instanceTypes)
    ])
  ]
  let serving: ServingBackend
  let ownedSandbox: SandboxServing | undefined
  /** AWS: the agents' reports channel and bundle, started once the engine can take reports */
  let startBoot: (() => AgentBoot) | undefined
  let agentBoot: AgentBoot | undefined
  let timeScale = 1
  if (mode === 'sandbox' && o.sandbox) {
    provider = o.sandbox.provider
    serving = o.sandbox.serving
    operations = createSandboxOperations(o.sandbox.provider, clock, o.seed ?? 1)
    timeScale = o.sandbox.provider.speed
  } else if (mode === 'sandbox') {
    // A sandbox is new at every start; mixing in how many instances history already knows keeps its
    // instance ids from colliding with earlier sessions' while a fresh history stays reproducible.
    const known = history.stats().instances
    const seed = known === 0 ? (o.seed ?? 1) : mixSeed(o.seed ?? 1, known) >>> 1
    const sandboxOptions = {
      clock,
      seed,
      fleetTag: current.aws.fleetTag,
      speed: o.sandboxSpeed ?? current.sandbox.speed
    }
    let sandbox: ReturnType<typeof createSandboxProvider>
    try {
      sandbox = createSandboxProvider({
        ...sandboxOptions,
        market: current.sandbox.tracePath
          ? { kind: 'trace', path: current.sandbox.tracePath }
          : { kind: 'synthetic' }
      })
    } catch (error) {
      // a saved trace that cannot be replayed (moved, malformed, not a trace) must not stop the start
      if (!current.sandbox.tracePath || !isProviderError(error, 'invalid-parameter')) {
        closeHistory()
        throw error
      }
      warnings.push(`${error.message}; running the synthetic market instead`)
      log(warnings[warnings.length - 1])
      sandbox = createSandboxProvider({ ...sandboxOptions, market: { kind: 'synthetic' } })
    }
    provider = sandbox
    operations = createSandboxOperations(sandbox, clock, seed)
    ownedSandbox = createSandboxServing(sandbox, clock, { log })
    serving = ownedSandbox
    timeScale = sandbox.speed
  } else {
    const regions = o.region ? [o.region] : current.aws.regions
    const profile = o.profile ?? (current.aws.profile || undefined)
    const launch = {
      imageId: current.aws.imageId || undefined,
      securityGroupIds: current.aws.securityGroupIds.length
        ? current.aws.securityGroupIds
        : undefined,
      keyName: current.aws.keyName || undefined,
      instanceProfile: current.aws.instanceProfileName
        ? { name: current.aws.instanceProfileName }
        : undefined
    }
    // on-demand prices from the AWS Price List API, kept in history, refreshed; the table is the labelled fallback
    livePrices = startLivePriceBook({
      profile,
      clock,
      store: history.onDemandPrices,
      regions,
      instanceTypes: () => priceTypes(),
      log
    })
    const book = livePrices.book
    const awsOptions = {
      profile,
      fleetTag: current.aws.fleetTag,
      launch,
      log,
      onDemandPriceOf: (r: string, type: string) => book.quote(r, type)?.pricePerHour
    }
    provider =
      regions.length === 1
        ? createAwsProvider({ region: regions[0], ...awsOptions })
        : createMultiRegionProvider(regions, awsOptions)
    priceRegion = regions[0]
    regionsInUse = regions
    operations = createAwsOperations({
      provider,
      clock,
      settings: settings.get,
      history,
      log,
      agentBoot: () => agentBoot?.status() ?? { kind: 'starting' }
    })
    serving = agentServing()
    const awsProvider = provider
    startBoot = () =>
      startAgentBoot({
        client: { region: regions[0], profile },
        fleetTag: current.aws.fleetTag,
        version: o.version ?? '0.1.0',
        bundlePath: o.agentBundlePath ?? builtAgentBundle(),
        sink: (kind, body) => engine.agentReport(kind, body),
        list: () => awsProvider.listInstances(),
        senderCheck: o.agentSenderCheck,
        waitSeconds: o.agentWaitSeconds,
        clock,
        log
      })
  }

  const routerOptions = {
    host: o.routerHost ?? '127.0.0.1',
    apiKey: o.routerApiKey,
    clock,
    declaredServices: () =>
      history.workloads
        .list()
        .filter((w) => w.kind === 'service')
        .map((w) => ({ service: w.name, model: (w.spec as ServiceSpec).model }))
  }
  let router: HttpRouter
  try {
    router = await startHttpRouter({ ...routerOptions, port: o.routerPort ?? DEFAULT_ROUTER_PORT })
  } catch (error) {
    // the default port taken by something else: any free port will do, and the URL says which;
    // a port the user asked for is theirs to fix
    if (o.routerPort !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      closeHistory()
      throw error
    }
    router = await startHttpRouter({ ...routerOptions, port: 0 }).catch((retryError: unknown) => {
      closeHistory()
      throw retryError
    })
    log(`router: port ${DEFAULT_ROUTER_PORT} is in use; listening on ${router.url} instead`)
  }
  const record = (e: FleetEvent): void => engine.record(e)
  // a service with `router: { targetGroupArn }` is routed by that ELBv2 target group instead
  const awsProfile = o.profile ?? (current.aws.profile || undefined)
  const routes = createPerServiceRouter({
    builtin: router,
    targetGroupOf: (service) => {
      const spec = history.workloads.get(service)?.spec as ServiceSpec | undefined
      return typeof spec?.router === 'object' ? spec.router.targetGroupArn : undefined
    },
    targetGroup: (arn) =>
      createElbv2Router({
        client: new ElasticLoadBalancingV2Client(
          ec2ClientConfig({
            region: arn.split(':')[3],
            profile: awsProfile
          }) as ElasticLoadBalancingV2ClientConfig
        ),
        targetGroupArn: arn,
        clock,
        log
      })
  })
  const controller = createController({
    provider,
    history,
    clock,
    router: routes,
    serving,
    record,
    log,
    timeScale,
    zones: operations.zones,
    priceOf: (type, market) => {
      const listed = livePrices?.book.quote(priceRegion, type)?.pricePerHour
      if (market === 'ondemand' && livePrices) return listed
      return operations.priceOf(type, market) ?? listed
    },
    userData: (spec) => operations.userData(spec.model, spec),
    // on a real cloud a job's launch boots its command; the sandbox has none (its clock model)
    ...(operations.jobUserData
      ? { jobBootScript: (name: string, spec: JobSpec) => operations.jobUserData!(name, spec) }
      : {}),
    // read at each notice, so a changed drain margin applies without a restart
    drainMarginMs: () => operations.drainMarginMs(settings.get()),
    retireDrainMs: Math.max(2000, (120_000 / timeScale) | 0),
    notices: () => engine.notices()
  })
  if (
    mode === 'sandbox' &&
    o.demo !== false &&
    history.workloads.list({ includeCancelled: true }).length === 0
  )
    history.workloads.apply('demo', 'service', demoService(current), clock.now())

  const jobs = createSimulationJobs({
    save: (name, config, output) => history.saveSimulationRun(name, config, output),
    publish: (status) => hub.publish({ type: 'simulation', status }),
    workerScript: o.workerScript
  })
  const engine = createEngine({
    provider,
    operations,
    history,
    clock,
    settings: settings.get,
    publish: (event) => hub.publish(event),
    mode,
    dataDir: o.dataDir,
    version: o.version ?? '0.1.0',
    log,
    controller,
    speed: timeScale,
    routerUrl: router.url,
    ...(livePrices
      ? { onDemandPrices: () => priceViews(livePrices!, priceTypes(), regionsInUse) }
      : {}),
    warnings
  })
  const engineHandlers = createEngineHandlers({
    engine,
    history,
    settings,
    jobs,
    exportsDir: join(o.dataDir, 'traces'),
    bundledTracesDir: join(resourcesDir(), 'traces')
  })
  const handlers: ApiHandlers = {
    ...engineHandlers,
    ...createWorkloadHandlers({
      history,
      engine,
      controller,
      router,
      routes,
      clock,
      speed: timeScale
    })
  }
  try {
    await engine.start()
    agentBoot = startBoot?.()
    // launches wait for the agent's bundle: once it is published, act without waiting for the next
    // sync; when it cannot be, the status says why nothing launches (the warnings are read live)
    void agentBoot?.ready.then(() => {
      const boot = agentBoot?.status()
      if (boot?.kind === 'off' && !settings.get().fleet.cockpitUrl)
        warnings.push(`launches refused: a node needs its agent, which is off: ${boot.reason}`)
      controller.poke()
    })
  } catch (error) {
    await router.close()
    await ownedSandbox?.stopAll()
    closeHistory()
    throw error
  }
  return {
    engine,
    controller,
    router,
    history,
    hub,
    handlers,
    jobs,
    settings,
    provider,
    token,
    mode,
    speed: timeScale,
    async stop() {
      livePrices?.stop()
      jobs.cancelAll()
      await agentBoot?.stop()
      await engine.stop()
      await router.close()
      await ownedSandbox?.stopAll()
      closeHistory()
    }
  }
}

/** the bundle `npm run build` made: beside the built main (out/agent), or under out/ from the sources */
function builtAgentBundle(): string {
  const candidates = [
    join(__dirname, '..', 'agent', 'synkti-agent.mjs'),
    join(__dirname, '..', '..', '..', 'out', 'agent', 'synkti-agent.mjs')
  ]
  return candidates.find((path) => existsSync(path)) ?? candidates[0]
}

/** The sandbox's demo: a small service on spot with a warm spare, so a newcomer sees failovers. */
function demoService(settings: Settings): ServiceSpec {
  return serviceWorkloadSchema.parse({
    kind: 'service',
    name: 'demo',
    model: settings.fleet.model || 'meta-llama/Llama-3.1-8B-Instruct',
    replicas: 3,
    standby: 1,
    instanceTypes: [settings.fleet.instanceType],
    market: 'spot-with-fallback'
  })
}
