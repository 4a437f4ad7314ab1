// `synkti apply --dry-run --provider aws`: besides what would change, ask EC2 (DryRun) whether each
// instance type of each workload could be launched as the controller would launch it, and say why not.
import type { Workload } from '../../shared/workload'
import { parseWorkloadText } from '../workloads/files'
import { UsageError } from './errors'
import { awsLaunchSettingsFrom, providerFrom, settingsFile } from './fleet'
import { isProviderError } from '../providers/errors'
import type { CloudProvider } from '../providers/types'

export async function ec2DryRun(
  provider: CloudProvider,
  workloads: readonly Workload[]
): Promise<{ lines: string[]; failed: number }> {
  const lines: string[] = []
  let failed = 0
  for (const w of workloads) {
    const market = w.kind === 'service' && w.market === 'ondemand' ? 'ondemand' : 'spot'
    for (const instanceType of w.instanceTypes) {
      const label = `${w.kind} ${w.name}: EC2 dry run of ${instanceType} (${market})`
      try {
        await provider.launch({
          instanceType,
          market,
          zones: w.zones,
          name: `${w.name}-dry-run`,
          rootVolumeGiB: w.diskGiB,
          dryRun: true
        })
        // a provider that launched for real on a dry run would be a bug: never count it as a check
        lines.push(`${label}: no dry run answer`)
        failed++
      } catch (error) {
        if (isProviderError(error, 'dry-run-ok')) lines.push(`${label}: would succeed`)
        else if (isProviderError(error)) {
          lines.push(`${label}: would fail: ${error.message}`)
          failed++
        } else throw error
      }
    }
  }
  return { lines, failed }
}

export interface ApplyDryRunFlags {
  provider?: string
  region?: string[]
  profile?: string
  dataDir?: string
}

/** the EC2 half of `apply --dry-run --provider aws`: prints one line per check, exit 2 when one fails */
export async function awsApplyDryRun(
  flags: ApplyDryRunFlags,
  text: string,
  file: string
): Promise<void> {
  const parsed = parseWorkloadText(text, { file })
  if (parsed.errors.length > 0) return // the apply itself reported them
  const settings = settingsFile(flags)
  const launch = awsLaunchSettingsFrom({}, process.env, settings.aws)
  const provider = providerFrom(
    {
      provider: 'aws',
      region: flags.region ?? settings.aws.regions,
      profile: flags.profile ?? (settings.aws.profile || undefined),
      fleetTag: settings.aws.fleetTag
    },
    launch
  )
  const { lines, failed } = await ec2DryRun(provider, parsed.workloads)
  for (const line of lines) process.stdout.write(`${line}\n`)
  if (failed > 0)
    throw new UsageError(`${failed} of ${lines.length} launches would fail on EC2 (see above)`)
}
