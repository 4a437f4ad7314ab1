import type { Command } from 'commander'
import type { ManagedInstance } from '../../shared/fleet'
import { systemClock } from '../clock'
import { createAwsProvider } from '../providers/aws'
import { isProviderError } from '../providers/errors'
import { createSandboxProvider } from '../providers/sandbox'
import type { CloudProvider } from '../providers/types'
import { UsageError } from './errors'
import { checkProvider } from './serve'

interface FleetFlags {
  provider?: string
  region?: string
  profile?: string
  fleetTag?: string
  json?: boolean
}

function providerFrom(flags: FleetFlags): CloudProvider {
  const kind = checkProvider(flags.provider) ?? 'sandbox'
  if (kind === 'sandbox')
    return createSandboxProvider({ clock: systemClock, fleetTag: flags.fleetTag })
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
  if (!region) throw new UsageError('--region (or AWS_REGION) is required with --provider aws')
  return createAwsProvider({ region, profile: flags.profile, fleetTag: flags.fleetTag })
}

/** Provider refusals (credentials, capacity, not owned...) are the user's to act on: exit 2, one line. */
async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (isProviderError(error)) throw new UsageError(error.message)
    throw error
  }
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

function withProviderOptions(command: Command): Command {
  return command
    .option('--provider <name>', 'sandbox or aws', 'sandbox')
    .option('--region <region>', 'AWS region (default AWS_REGION)')
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
      const list = await run(() => providerFrom(flags).listInstances())
      process.stdout.write((flags.json ? JSON.stringify(list, null, 2) : instanceRows(list)) + '\n')
    }
  )
  withProviderOptions(fleet.command('launch').description('launch one instance'))
    .requiredOption('--type <instance-type>', 'e.g. g5.xlarge')
    .option('--market <market>', 'spot or ondemand', 'spot')
    .option('--zone <zone...>', 'preferred zones, tried in order')
    .option('--name <name>', 'Name tag', 'synkti-cli')
    .option('--model <model>', 'model the instance serves (synkti:model tag)')
    .option('--dry-run', 'only check that the launch would be allowed')
    .action(
      async (
        flags: FleetFlags & {
          type: string
          market: string
          zone?: string[]
          name: string
          model?: string
          dryRun?: boolean
        }
      ) => {
        if (flags.market !== 'spot' && flags.market !== 'ondemand')
          throw new UsageError(`--market must be spot or ondemand, got "${flags.market}"`)
        const provider = providerFrom(flags)
        try {
          const instance = await provider.launch({
            instanceType: flags.type,
            market: flags.market,
            zones: flags.zone,
            name: flags.name,
            model: flags.model,
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
        await run(() => provider.terminate(id))
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
      const points = await run(() =>
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
