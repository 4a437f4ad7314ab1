// The GPU nodes of a fleet in moto, as the boot script makes them: moto runs no instances, so this
// harness plays each one's boot. For every running fleet instance it reads the user data EC2 holds,
// takes the agent's settings from the lines the script writes into its config directory (the
// reports queue and model port, exactly as launched), and starts the real agent bundle as a process
// against an instance-metadata fixture of its own (its id and tags, mirrored from EC2). An instance
// that leaves `running` loses its agent, as a reclaimed node does. The poll loop is bounded.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { startImdsServer, type ImdsFixture } from '../fixtures/imds-server'

export interface BootedNode {
  id: string
  imds: ImdsFixture
  agent: ChildProcess
  /** the boot script EC2 holds for it */
  userData: string
  /** what the script writes into /etc/synkti, file name to value */
  config: Record<string, string>
}

export interface MotoNodes {
  /** nodes booted so far, alive or gone */
  readonly booted: ReadonlyMap<string, BootedNode>
  /** every line the agents printed, prefixed by their instance */
  log(): string
  stop(): Promise<void>
}

export interface MotoNodesOptions {
  ec2: EC2Client
  fleetTag: string
  bundlePath: string
  /** the AWS endpoint the agents call (moto) */
  endpoint: string
  /** where their SQS calls go, when not to `endpoint` (the queue URLs' host) */
  sqsEndpoint?: string
  workDir: string
  pollMs?: number
  /** the harness stops by itself after this long (default 10 minutes) */
  lifetimeMs?: number
}

/** The words of one line of shell, undoing `shellQuote` ('...' with '\'' for a quote). */
export function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new Error(`unterminated quote in: ${line}`)
      word = (word ?? '') + line.slice(i + 1, end)
      i = end
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]
    } else if (c === ' ') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else word = (word ?? '') + c
  }
  if (word !== undefined) words.push(word)
  return words
}

/** `printf '%s\n' VALUE > DIR/FILE` lines of the boot script writing into the config directory */
export function configWrites(script: string, configDir = '/etc/synkti'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of script.split('\n')) {
    if (!line.startsWith("printf '%s\\n' ")) continue
    const words = shellWords(line)
    const arrow = words.indexOf('>')
    if (arrow !== 3) continue // a multi-word printf (the systemd unit), not a config value
    const target = words[4]
    if (!target.startsWith(`${configDir}/`)) continue
    out[target.slice(configDir.length + 1)] = words[2]
  }
  return out
}

/**
 * The built agent bundle as a real process, as the boot script's systemd unit starts it, against an
 * instance-metadata fixture and the emulator; its output goes to `output`, line by line or in chunks.
 */
export function startAgentProcess(o: {
  bundlePath: string
  /** the agent's settings: --config-dir DIR, or explicit flags */
  args: string[]
  imdsUrl: string
  endpoint: string
  sqsEndpoint?: string
  heartbeatMs?: number
  output: (chunk: string) => void
}): ChildProcess {
  const agent = spawn(
    process.execPath,
    [
      o.bundlePath,
      ...o.args,
      '--imds-endpoint',
      o.imdsUrl,
      '--poll',
      '100',
      '--heartbeat',
      String(o.heartbeatMs ?? 500),
      '--drain-margin',
      '0'
    ],
    {
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL: o.endpoint,
        ...(o.sqsEndpoint ? { AWS_ENDPOINT_URL_SQS: o.sqsEndpoint } : {}),
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  agent.stdout!.on('data', (c: Buffer) => o.output(c.toString()))
  agent.stderr!.on('data', (c: Buffer) => o.output(c.toString()))
  return agent
}

export function startMotoNodes(o: MotoNodesOptions): MotoNodes {
  const booted = new Map<string, BootedNode>()
  const gone = new Set<string>()
  const lines: string[] = []
  let stopped = false
  const deadline = Date.now() + (o.lifetimeMs ?? 600_000)

  async function boot(id: string, tags: Record<string, string>): Promise<void> {
    const attr = await o.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' })
    )
    const userData = Buffer.from(attr.UserData?.Value ?? '', 'base64').toString('utf8')
    const config = configWrites(userData)
    const imds = await startImdsServer({ instanceId: id })
    mirrorTags(imds, tags)
    imds.setRaw('/latest/meta-data/public-ipv4', '127.0.0.1')
    imds.setRaw('/latest/meta-data/local-ipv4', '127.0.0.1')
    imds.setRaw('/latest/meta-data/placement/region', 'us-east-1')
    const etc = join(o.workDir, id, 'etc-synkti')
    mkdirSync(etc, { recursive: true })
    for (const [file, value] of Object.entries(config)) writeFileSync(join(etc, file), `${value}\n`)
    const agent = startAgentProcess({
      bundlePath: o.bundlePath,
      args: ['--config-dir', etc],
      imdsUrl: imds.url,
      endpoint: o.endpoint,
      sqsEndpoint: o.sqsEndpoint,
      output: (chunk) => {
        for (const l of chunk.split('\n')) if (l) lines.push(`${id} ${l}`)
      }
    })
    booted.set(id, { id, imds, agent, userData, config })
  }

  async function halt(node: BootedNode): Promise<void> {
    node.agent.kill('SIGKILL')
    await node.imds.close()
  }

  async function pass(): Promise<void> {
    const out = await o.ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'tag:synkti:fleet', Values: [o.fleetTag] }]
      })
    )
    for (const i of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const id = i.InstanceId!
      const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']))
      const node = booted.get(id)
      if (i.State?.Name === 'running') {
        if (!node && !gone.has(id)) await boot(id, tags)
        else if (node && !gone.has(id)) mirrorTags(node.imds, tags)
      } else if (node && !gone.has(id)) {
        gone.add(id)
        await halt(node)
      }
    }
  }

  const loop = (async () => {
    while (!stopped && Date.now() < deadline) {
      await pass().catch((error: Error) => lines.push(`harness: ${error.message}`))
      await new Promise((r) => setTimeout(r, o.pollMs ?? 250))
    }
  })()

  return {
    booted,
    log: () => lines.join('\n'),
    async stop() {
      stopped = true
      await loop
      for (const node of booted.values()) if (!gone.has(node.id)) await halt(node)
      gone.clear()
    }
  }
}

function mirrorTags(imds: ImdsFixture, tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags))
    imds.setRaw(`/latest/meta-data/tags/instance/${key}`, value)
}
