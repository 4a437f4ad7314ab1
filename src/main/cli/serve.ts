import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { startApiServer } from '../api/http-server'
import { defaultDataDir } from '../engine/data-dir'
import { DaemonLockRefused } from '../history'
import { startRuntime } from '../runtime/runtime'
import { errorText } from '../../shared/errors'
import { parseNumberFlag, UsageError } from './errors'

interface ServeFlags {
  host: string
  port: string
  token?: string
  tokenFile?: string
  db?: string
  dataDir?: string
  provider?: string
  region?: string
  profile?: string
  demo: boolean
  exitAfter?: string
  seed?: string
  speed?: string
  routerPort?: string
  routerHost: string
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

/** The built cockpit, served to browsers by the daemon. */
export function rendererDir(): string | undefined {
  for (const dir of [join(__dirname, '..', 'renderer'), join(__dirname, '..', '..', 'renderer')]) {
    if (existsSync(join(dir, 'index.html'))) return dir
  }
  return undefined
}

export function checkProvider(value: string | undefined): 'sandbox' | 'aws' | undefined {
  if (value === undefined) return undefined
  if (value !== 'sandbox' && value !== 'aws')
    throw new UsageError(`--provider must be sandbox or aws, got "${value}"`)
  return value
}

/** `synkti serve`: the engine, history and the cockpit over HTTP, headless. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the engine headless and serve the cockpit and its API over HTTP (token required)'
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '7777')
    .option(
      '--token <token>',
      'API and agent token (visible in ps: prefer --token-file or SYNKTI_TOKEN; default: a new random one, printed)'
    )
    .option('--token-file <path>', 'read the token from this file (first line)')
    .option('--db <path>', 'history file (default <data dir>/history.db)')
    .option('--data-dir <dir>', "settings and history folder (default: the desktop app's)")
    .option('--provider <name>', 'sandbox or aws (default: the settings, sandbox at first)')
    .option('--region <region>', 'AWS region (overrides the settings)')
    .option('--profile <name>', 'AWS named profile (overrides the settings)')
    .option('--no-demo', 'sandbox: start with no workloads (no demo service)')
    .option(
      '--speed <n>',
      'sandbox: simulated seconds per real second (default: the settings, 360)'
    )
    .option(
      '--router-port <n>',
      'port of the OpenAI-compatible router (default 8000, or a free one when 8000 is taken; 0 = any free port)'
    )
    .option('--router-host <address>', 'address the router listens on', '127.0.0.1')
    .option('--seed <n>', 'sandbox seed', '1')
    .option('--exit-after <seconds>', 'stop by itself after this long (for scripted runs)')
    .action(async (flags: ServeFlags) => {
      const port = parseNumberFlag('--port', flags.port, 'integer>=0')
      if (port > 65535) throw new UsageError(`--port must be at most 65535, got "${flags.port}"`)
      const exitAfter =
        flags.exitAfter !== undefined
          ? parseNumberFlag('--exit-after', flags.exitAfter, 'positive')
          : undefined
      const token = resolveToken(flags, process.env)
      const host = flags.host.replace(/^\[|\]$/g, '') // `[::1]` as well as `::1`
      const mode = checkProvider(flags.provider)
      const routerPort =
        flags.routerPort === undefined
          ? undefined
          : parseNumberFlag('--router-port', flags.routerPort, 'integer>=0')
      if (routerPort !== undefined && routerPort > 65535)
        throw new UsageError(`--router-port must be at most 65535, got "${flags.routerPort}"`)
      const speed =
        flags.speed !== undefined ? parseNumberFlag('--speed', flags.speed, 'positive') : undefined
      if (speed !== undefined && speed > 100_000)
        throw new UsageError(`--speed must be at most 100000, got "${flags.speed}"`)
      const dataDir = flags.dataDir ?? defaultDataDir()
      const log = quietRepeats((line) =>
        process.stderr.write(`${new Date().toISOString()} ${line}\n`)
      )
      let runtime
      try {
        runtime = await startRuntime({
          dataDir,
          dbPath: flags.db,
          mode,
          region: flags.region,
          profile: flags.profile,
          token,
          log,
          demo: flags.demo,
          sandboxSpeed: speed,
          routerPort,
          routerHost: flags.routerHost,
          // a key for the router's clients, from the environment so it never shows in `ps`
          routerApiKey: process.env.SYNKTI_ROUTER_API_KEY || undefined,
          seed: parseNumberFlag('--seed', flags.seed ?? '1', 'integer>=0')
        })
      } catch (error) {
        // another daemon on this history file: one line naming it, exit 2
        if (error instanceof DaemonLockRefused) throw new UsageError(error.message)
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new UsageError(
            `router port ${routerPort} is already in use: pick another with --router-port`
          )
        throw error
      }
      const staticDir = rendererDir()
      let server
      try {
        server = await startApiServer({
          handlers: runtime.handlers,
          speed: runtime.speed,
          stream: runtime.hub,
          token: runtime.token,
          staticDir,
          agentSink: (kind, body) => runtime.engine.agentReport(kind, body),
          host,
          port,
          log,
          // agents report to the settings' cockpit URL: its name is this daemon's too
          allowedHosts: () => hostsOfUrl(runtime.settings.get().fleet.cockpitUrl)
        })
      } catch (error) {
        await runtime.stop()
        const code = (error as NodeJS.ErrnoException).code
        throw new UsageError(
          code === 'EADDRINUSE'
            ? `port ${port} is already in use: pick another with --port`
            : `cannot listen on ${flags.host} port ${port}: ${errorText(error)}`
        )
      }
      if (!LOOPBACK.has(host))
        log(
          `warning: listening on ${flags.host}, reachable from other machines; keep the token secret`
        )
      process.stdout.write(
        `Synkti cockpit (${runtime.mode}): ${server.url}/#token=${runtime.token}\n`
      )
      process.stdout.write(`OpenAI-compatible router: ${runtime.router.url}/v1\n`)
      if (!staticDir)
        process.stdout.write('(the cockpit is not built: API only; run `npm run build`)\n')
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        if (exitAfter !== undefined) setTimeout(stop, exitAfter * 1000).unref()
      })
      log('stopping')
      await server.close()
      await runtime.stop()
    })
}

const MIN_TOKEN_LENGTH = 16
const MAX_TOKEN_LENGTH = 1024
/** A token file is one line; anything bigger is not one. */
const MAX_TOKEN_FILE_BYTES = 4096

/**
 * The token from --token, --token-file or SYNKTI_TOKEN (in that order; --token and --token-file
 * together are refused), or undefined for a new random one. A token on the command line is visible
 * to every user of the machine in `ps`; a file or the environment is not.
 */
export function resolveToken(
  flags: { token?: string; tokenFile?: string },
  env: NodeJS.ProcessEnv
): string | undefined {
  if (flags.token !== undefined && flags.tokenFile !== undefined)
    throw new UsageError('give the token once: --token or --token-file, not both')
  const [token, from] =
    flags.token !== undefined
      ? [flags.token, '--token']
      : flags.tokenFile !== undefined
        ? [readTokenFile(flags.tokenFile), `the token in --token-file ${flags.tokenFile}`]
        : env.SYNKTI_TOKEN !== undefined && env.SYNKTI_TOKEN !== ''
          ? [env.SYNKTI_TOKEN, 'SYNKTI_TOKEN']
          : [undefined, '']
  if (token === undefined) return undefined
  if (token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(`${from} must be at least ${MIN_TOKEN_LENGTH} characters`)
  if (token.length > MAX_TOKEN_LENGTH)
    throw new UsageError(`${from} must be at most ${MAX_TOKEN_LENGTH} characters`)
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new UsageError(`${from} must be printable ASCII without spaces`)
  return token
}

function readTokenFile(path: string): string {
  let text: string
  try {
    const stat = statSync(path)
    if (!stat.isFile()) throw new UsageError(`--token-file ${path} is not a regular file`)
    if (stat.size > MAX_TOKEN_FILE_BYTES)
      throw new UsageError(`--token-file ${path} is larger than ${MAX_TOKEN_FILE_BYTES} bytes`)
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(
      `--token-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`
    )
  }
  return text.split(/\r?\n/)[0].trim()
}

/** The host name of a URL (the settings' cockpit URL), as a list: empty when there is none. */
function hostsOfUrl(url: string): string[] {
  if (!url) return []
  try {
    return [new URL(url).hostname]
  } catch {
    // TypeError: not a URL (settings validate it, so only a hand-edited file gets here)
    return []
  }
}

/**
 * A failing poll repeats the same line every few seconds: print a line at most once per window, and
 * say how often it came meanwhile when it is printed again, so the log stays readable.
 */
export function quietRepeats(
  write: (line: string) => void,
  windowMs = 600_000,
  now: () => number = Date.now
): (line: string) => void {
  const seen = new Map<string, { printedAt: number; suppressed: number }>()
  return (line) => {
    const entry = seen.get(line)
    const t = now()
    if (entry && t - entry.printedAt < windowMs) {
      entry.suppressed++
      return
    }
    write(
      entry?.suppressed ? `${line} (${entry.suppressed} more times since it was last shown)` : line
    )
    seen.set(line, { printedAt: t, suppressed: 0 })
    if (seen.size > 1000) seen.delete(seen.keys().next().value!)
  }
}
