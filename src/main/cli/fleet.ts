import type { Command } from 'commander'
import type { ManagedInstance } from '../../shared/fleet'
import { systemClock } from '../clock'
import type { Settings } from '../../shared/api'
import { defaultDataDir } from '../engine/data-dir'
import { openSettingsStore } from '../engine/settings-store'
import {
  createAwsProvider,
  createMultiRegionProvider,
  type AwsLaunchSettings
} from '../providers/aws'
import { isProviderError } from '../providers/errors'
import { createSandboxProvider } from '../providers/sandbox'
import type { CloudProvider } from '../providers/types'
import { UsageError, parseNumberFlag, providerRefusalsAsUsage } from './errors'
import { checkProvider } from './serve'

export interface FleetFlags {
  provider?: string
  region?: string[]
  profile?: string
  fleetTag?: string
  dataDir?: string
  json?: boolean
}

/** how an AWS launch is configured: flags, else SYNKTI_* variables, else the settings file */
export interface AwsLaunchFlags {
  imageId?: string
  launchTemplate?: string
  subnet?: string[]
  securityGroup?: string[]
  keyName?: string
  instanceProfile?: string
}

const AMI = /^ami-[0-9a-f]{8,17}$/
const SG = /^sg-[0-9a-f]{8,17}$/
const SUBNET = /^([a-z]{2}(-[a-z]+)+-\d[a-z])=(subnet-[0-9a-f]{8,17})$/
const TEMPLATE = /^(lt-[0-9a-f]{8,17}|[A-Za-z0-9()./_-]{3,128})(:(\$Latest|\$Default|\d+))?$/
const KEY_NAME = /^[\x20-\x7e]{1,255}$/
const PROFILE_NAME = /^[\w+=,.@-]{1,128}$/
const PROFILE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:instance-profile\/[\w+=,.@/-]{1,512}$/

const list = (raw: string | undefined): string[] | undefined =>
  raw
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean)

function check(flag: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new UsageError(`${flag}: expected ${what}, got "${value}"`)
  return value
}

/**
 * The AWS launch settings of one CLI call, each field from its flag, else its SYNKTI_* variable, else
 * the settings file; every value checked, a bad one is one line (exit 2).
 */
export function awsLaunchSettingsFrom(
  flags: AwsLaunchFlags,
  env: NodeJS.ProcessEnv,
  file: Settings['aws']
): AwsLaunchSettings {
  const imageId = flags.imageId ?? env.SYNKTI_IMAGE_ID ?? (file.imageId || undefined)
  const template = flags.launchTemplate ?? env.SYNKTI_LAUNCH_TEMPLATE
  const subnets = flags.subnet ?? list(env.SYNKTI_SUBNETS)
  const groups =
    flags.securityGroup ??
    list(env.SYNKTI_SECURITY_GROUPS) ??
    (file.securityGroupIds.length ? file.securityGroupIds : undefined)
  const keyName = flags.keyName ?? env.SYNKTI_KEY_NAME ?? (file.keyName || undefined)
  const profile =
    flags.instanceProfile ?? env.SYNKTI_INSTANCE_PROFILE ?? (file.instanceProfileName || undefined)
  const out: AwsLaunchSettings = {}
  if (imageId)
    out.imageId = check('--image-id', imageId, AMI, 'an AMI id like ami-0123456789abcdef0')
  if (template) {
    const m = TEMPLATE.exec(
      check(
        '--launch-template',
        template,
        TEMPLATE,
        'lt-<hex> or a template name, optionally :version'
      )
    )!
    const version = m[3]
    out.launchTemplate = m[1].startsWith('lt-')
      ? { id: m[1], ...(version ? { version } : {}) }
      : { name: m[1], ...(version ? { version } : {}) }
  }
  if (subnets?.length) {
    out.subnetByZone = {}
    for (const entry of subnets) {
      const m = SUBNET.exec(
        check('--subnet', entry, SUBNET, 'zone=subnet-id, e.g. us-east-1a=subnet-0123456789abcdef0')
      )!
      out.subnetByZone[m[1]] = m[3]
    }
  }
  if (groups?.length)
    out.securityGroupIds = groups.map((g) =>
      check('--security-group', g, SG, 'a security group id like sg-0123456789abcdef0')
    )
  if (keyName) out.keyName = check('--key-name', keyName, KEY_NAME, 'an EC2 key pair name')
  if (profile)
    out.instanceProfile = profile.startsWith('arn:')
      ? { arn: check('--instance-profile', profile, PROFILE_ARN, 'an instance profile ARN') }
      : { name: check('--instance-profile', profile, PROFILE_NAME, 'an instance profile name') }
  return out
}

export function providerFrom(flags: FleetFlags, launch: AwsLaunchSettings = {}): CloudProvider {
  const kind = checkProvider(flags.provider) ?? 'sandbox'
  if (kind === 'sandbox')
    return createSandboxProvider({ clock: systemClock, fleetTag: flags.fleetTag })
  const fromEnv = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
  const regions = flags.region?.length ? flags.region : fromEnv ? [fromEnv] : []
  if (regions.length === 0)
    throw new UsageError('--region (or AWS_REGION) is required with --provider aws')
  for (const r of regions)
    check('--region', r, /^[a-z]{2}(-[a-z]+)+-\d$/, 'a region like us-east-1')
  const opts = {
    profile: flags.profile,
    fleetTag: flags.fleetTag,
    launch,
    log: (line: string) => process.stderr.write(`synkti: ${line}\n`)
  }
  return regions.length === 1
    ? createAwsProvider({ region: regions[0], ...opts })
    : createMultiRegionProvider(regions, opts)
}

export function settingsFile(flags: FleetFlags): Settings {
  const store = openSettingsStore(flags.dataDir ?? defaultDataDir())
  if (store.warning) process.stderr.write(`synkti: ${store.warning}\n`)
  return store.get()
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd()
    )
    .join('\n')
}

function instanceRows(list: ManagedInstance[]): string {
  if (list.length === 0) return 'no instances in this fleet'
  return table([
    ['id', 'name', 'type', 'zone', 'market', 'state', '$/h', 'model'],
    ...list.map((i) => [
      i.id,
      i.name,
      i.instanceType,
      i.zone,
      i.market,
      i.state,
      i.pricePerHour.toFixed(3),
      i.model ?? ''
    ])
  ])
}

/** a repeatable flag: each use adds one value (never swallows the command's own arguments) */
const repeat = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value
]

function withProviderOptions(command: Command): Command {
  return command
    .option('--provider <name>', 'sandbox or aws', 'sandbox')
    .option('--region <region>', 'AWS region (default AWS_REGION); repeat for several', repeat)
    .option('--profile <name>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .option('--fleet-tag <tag>', 'value of the synkti:fleet tag', 'synkti')
    .option('--json', 'print JSON')
}

/** `synkti fleet list|launch|terminate|prices`. The sandbox lives inside one process: use `synkti serve` for a lasting one. */
export function registerFleet(program: Command): void {
  const fleet = program
    .command('fleet')
    .description("list, launch and terminate the fleet's instances; spot prices")
  withProviderOptions(fleet.command('list').description("this fleet's instances")).action(
    async (flags: FleetFlags) => {
      const list = await providerRefusalsAsUsage(() => providerFrom(flags).listInstances())
      process.stdout.write((flags.json ? JSON.stringify(list, null, 2) : instanceRows(list)) + '\n')
    }
  )
  withProviderOptions(fleet.command('launch').description('launch one instance'))
    .requiredOption('--type <instance-type>', 'e.g. g5.xlarge')
    .option('--market <market>', 'spot or ondemand', 'spot')
    .option('--zone <zone...>', 'preferred zones, tried in order')
    .option('--name <name>', 'Name tag', 'synkti-cli')
    .option('--model <model>', 'model the instance serves (synkti:model tag)')
    .option('--dry-run', 'only check that the launch would be allowed (AWS DryRun)')
    .option('--image-id <ami>', 'AMI to boot (SYNKTI_IMAGE_ID, settings aws.imageId)')
    .option('--launch-template <id|name[:version]>', 'EC2 launch template (SYNKTI_LAUNCH_TEMPLATE)')
    .option('--subnet <zone=subnet>', 'subnet per zone, repeatable (SYNKTI_SUBNETS)', repeat)
    .option('--security-group <sg>', 'security group, repeatable (SYNKTI_SECURITY_GROUPS)', repeat)
    .option('--key-name <name>', 'EC2 key pair (SYNKTI_KEY_NAME)')
    .option('--instance-profile <name|arn>', 'instance profile (SYNKTI_INSTANCE_PROFILE)')
    .option('--root-volume-gib <n>', 'root disk size in GiB (default 200)')
    .option('--data-dir <dir>', "settings folder (default: the desktop app's)")
    .action(
      async (
        flags: FleetFlags & {
          type: string
          market: string
          zone?: string[]
          name: string
          model?: string
          dryRun?: boolean
          rootVolumeGib?: string
        } & AwsLaunchFlags
      ) => {
        if (flags.market !== 'spot' && flags.market !== 'ondemand')
          throw new UsageError(`--market must be spot or ondemand, got "${flags.market}"`)
        const rootVolumeGiB =
          flags.rootVolumeGib === undefined
            ? undefined
            : parseNumberFlag('--root-volume-gib', flags.rootVolumeGib, 'integer>=1')
        const launch =
          checkProvider(flags.provider) === 'aws'
            ? awsLaunchSettingsFrom(flags, process.env, settingsFile(flags).aws)
            : {}
        const provider = providerFrom(flags, launch)
        try {
          const instance = await provider.launch({
            instanceType: flags.type,
            market: flags.market,
            zones: flags.zone,
            name: flags.name,
            model: flags.model,
            rootVolumeGiB,
            dryRun: flags.dryRun
          })
          process.stdout.write(
            (flags.json ? JSON.stringify(instance, null, 2) : instanceRows([instance])) + '\n'
          )
        } catch (error) {
          if (isProviderError(error) && error.code === 'dry-run-ok') {
            process.stdout.write(`${error.message}\n`)
            return
          }
          if (isProviderError(error)) throw new UsageError(error.message)
          throw error
        }
      }
    )
  withProviderOptions(
    fleet
      .command('terminate')
      .description('terminate instances this fleet owns (others are refused)')
  )
    .argument('<instance-id...>')
    .action(async (ids: string[], flags: FleetFlags) => {
      const provider = providerFrom(flags)
      for (const id of ids) {
        await providerRefusalsAsUsage(() => provider.terminate(id))
        process.stdout.write(`terminating ${id}\n`)
      }
    })
  withProviderOptions(fleet.command('prices').description('spot price history'))
    .requiredOption('--type <instance-type...>', 'instance types')
    .option('--hours <n>', 'how far back', '24')
    .action(async (flags: FleetFlags & { type: string[]; hours: string }) => {
      const hours = Number(flags.hours)
      if (!(hours > 0)) throw new UsageError(`--hours must be a number > 0, got "${flags.hours}"`)
      const now = Date.now()
      const points = await providerRefusalsAsUsage(() =>
        providerFrom(flags).spotPriceHistory({
          instanceTypes: flags.type,
          from: now - hours * 3_600_000,
          to: now
        })
      )
      if (flags.json) process.stdout.write(JSON.stringify(points, null, 2) + '\n')
      else if (points.length === 0) process.stdout.write('no spot prices in that window\n')
      else
        process.stdout.write(
          table([
            ['time', 'zone', 'type', '$/h'],
            ...points.map((p) => [
              new Date(p.at).toISOString(),
              p.zone,
              p.instanceType,
              p.price.toFixed(4)
            ])
          ]) + '\n'
        )
    })
}
