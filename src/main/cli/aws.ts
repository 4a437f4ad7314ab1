// `synkti aws setup|teardown|policy|prices`: the account side of running on AWS.
import type { Command } from 'commander'
import { defaultDataDir } from '../engine/data-dir'
import { openSettingsStore } from '../engine/settings-store'
import { PricingClient, type PricingClientConfig } from '@aws-sdk/client-pricing'
import { ec2ClientConfig } from '../providers/aws/client'
import { PRICE_LIST_REGION, fetchOnDemandPrices } from '../providers/aws/price-list'
import { createOnDemandPriceBook } from '../providers/aws/pricing'
import { createSetupClients, runSetup, runTeardown, type SetupReport } from '../providers/aws/setup'
import { operatorIamPolicy } from '../providers/aws/setup-policy'
import { UsageError, parseNumberFlag, providerRefusalsAsUsage } from './errors'

interface AwsFlags {
  region?: string
  profile?: string
  fleetTag: string
  dryRun?: boolean
  ingressCidr?: string
  modelPort: string
  vpcId?: string
  dataDir?: string
  save: boolean
  json?: boolean
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
const VPC = /^vpc-[0-9a-f]{8,17}$/
const FLEET_TAG = /^[A-Za-z0-9_.:/=+@-]{1,128}$/

function regionOf(flags: { region?: string }): string {
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
  if (!region) throw new UsageError('--region (or AWS_REGION) is required')
  if (!REGION.test(region))
    throw new UsageError(`--region: expected a region like us-east-1, got "${region}"`)
  return region
}

function setupOptions(flags: AwsFlags) {
  if (!FLEET_TAG.test(flags.fleetTag))
    throw new UsageError(
      `--fleet-tag: expected 1-128 letters, digits or _.:/=+@-, got "${flags.fleetTag}"`
    )
  if (flags.vpcId && !VPC.test(flags.vpcId))
    throw new UsageError(
      `--vpc-id: expected a VPC id like vpc-0123456789abcdef0, got "${flags.vpcId}"`
    )
  const modelPort = parseNumberFlag('--model-port', flags.modelPort, 'integer>=1')
  if (modelPort > 65535)
    throw new UsageError(`--model-port must be at most 65535, got "${flags.modelPort}"`)
  return {
    fleetTag: flags.fleetTag,
    region: regionOf(flags),
    modelPort,
    ingressCidr: flags.ingressCidr ?? '',
    vpcId: flags.vpcId,
    profile: flags.profile
  }
}

function clients(flags: AwsFlags, region: string) {
  // the SDK reads the endpoint variables itself; S3 also needs path-style addressing on an emulator
  const emulated = !!(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL)
  return createSetupClients({ region, profile: flags.profile }, { forcePathStyle: emulated })
}

function print(report: SetupReport, flags: AwsFlags, verb: 'setup' | 'teardown'): void {
  if (flags.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
    return
  }
  const n = report.names
  const head = `synkti aws ${verb}: fleet ${n.fleetTag} in ${n.region}, account ${n.accountId}${flags.dryRun ? ' (dry run: nothing is changed)' : ''}`
  const total = report.resources.length
  const tail =
    report.changed === 0
      ? verb === 'setup'
        ? `nothing to change: all ${total} resources exist`
        : `nothing to delete: none of the ${total} resources exist`
      : flags.dryRun
        ? `${report.changed} of ${total} would change; run without --dry-run to apply`
        : `${report.changed} of ${total} changed`
  process.stdout.write([head, ...report.lines.map((l) => `  ${l}`), tail].join('\n') + '\n')
}

const withCommon = (command: Command): Command =>
  command
    .option('--region <region>', 'AWS region (default AWS_REGION)')
    .option('--profile <name>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .option('--fleet-tag <tag>', 'value of the synkti:fleet tag', 'synkti')
    .option('--dry-run', 'print the plan; change nothing')
    .option('--model-port <port>', 'the port replicas serve on', '8000')
    .option('--vpc-id <vpc>', "the security group's VPC (default: the region's default VPC)")
    .option('--data-dir <dir>', "settings folder (default: the desktop app's)")
    .option(
      '--no-save',
      'do not write the queue, security group and instance profile into the settings'
    )
    .option('--json', 'print JSON')

export function registerAws(program: Command): void {
  const aws = program
    .command('aws')
    .description('set up and tear down the AWS resources a fleet uses; the IAM policy it needs')
  withCommon(
    aws
      .command('setup')
      .description(
        'create the interruption and reports queues, EventBridge rules, agent role and instance profile, bucket and security group (idempotent)'
      )
  )
    .requiredOption('--ingress-cidr <cidr>', 'who may reach the model port, e.g. 203.0.113.7/32')
    .action(async (flags: AwsFlags) => {
      const o = setupOptions(flags)
      const report = await providerRefusalsAsUsage(() =>
        runSetup(clients(flags, o.region), o, { dryRun: !!flags.dryRun })
      )
      print(report, flags, 'setup')
      if (report.settings && flags.save) {
        const store = openSettingsStore(flags.dataDir ?? defaultDataDir())
        const current = store.get()
        const aws = {
          ...current.aws,
          fleetTag: o.fleetTag,
          sqsQueueUrl: report.settings.sqsQueueUrl,
          securityGroupIds: report.settings.securityGroupIds,
          instanceProfileName: report.settings.instanceProfileName
        }
        if (JSON.stringify(aws) === JSON.stringify(current.aws)) return
        store.set({ ...current, aws })
        if (!flags.json)
          process.stdout.write(
            `settings: aws.sqsQueueUrl, aws.securityGroupIds and aws.instanceProfileName now use these resources\n`
          )
      }
    })
  withCommon(
    aws
      .command('teardown')
      .description('delete what `synkti aws setup` created (by its tags), nothing else')
  ).action(async (flags: AwsFlags) => {
    const o = setupOptions(flags)
    const report = await providerRefusalsAsUsage(() =>
      runTeardown(clients(flags, o.region), o, { dryRun: !!flags.dryRun })
    )
    print(report, flags, 'teardown')
    if (!flags.dryRun && flags.save) {
      const store = openSettingsStore(flags.dataDir ?? defaultDataDir())
      const current = store.get()
      const n = report.names
      if (current.aws.instanceProfileName === n.instanceProfile)
        store.set({
          ...current,
          aws: { ...current.aws, sqsQueueUrl: '', securityGroupIds: [], instanceProfileName: '' }
        })
    }
  })
  aws
    .command('prices')
    .description(
      'on-demand $/h from the AWS Price List API, or the labelled offline table when it cannot be read'
    )
    .requiredOption('--type <instance-type...>', 'instance types, e.g. g5.xlarge')
    .option('--region <region>', 'AWS region (default AWS_REGION)')
    .option('--profile <name>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .option('--json', 'print JSON')
    .action(
      async (flags: { type: string[]; region?: string; profile?: string; json?: boolean }) => {
        const region = regionOf(flags)
        for (const t of flags.type)
          if (!/^[a-z0-9-]+\.[a-z0-9-]+$/.test(t))
            throw new UsageError(`--type: expected an instance type like g5.xlarge, got "${t}"`)
        const pricing = new PricingClient(
          ec2ClientConfig({
            region: PRICE_LIST_REGION,
            profile: flags.profile
          }) as PricingClientConfig
        )
        const book = createOnDemandPriceBook({
          fetch: (r, types) => fetchOnDemandPrices(pricing, r, types),
          now: Date.now,
          log: (line) => process.stderr.write(`synkti: ${line}\n`)
        })
        await book.refresh(region, flags.type)
        const rows = flags.type.map((type) => ({ type, region, ...book.quote(region, type) }))
        if (flags.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
          return
        }
        const lines = rows.map((r) =>
          [
            r.type.padEnd(16),
            r.region.padEnd(14),
            (r.pricePerHour === undefined ? 'unknown' : `$${r.pricePerHour.toFixed(4)}/h`).padEnd(
              12
            ),
            r.source === 'price-list'
              ? 'AWS Price List API'
              : r.source === 'offline-table'
                ? 'offline table (approximate us-east-1 list price)'
                : 'no price: a launch under a budget cap is blocked'
          ].join(' ')
        )
        process.stdout.write(lines.join('\n') + '\n')
      }
    )
  aws
    .command('policy')
    .description('print the IAM policy your own identity needs for Synkti (fleet, prices, setup)')
    .option('--fleet-tag <tag>', 'value of the synkti:fleet tag', 'synkti')
    .action((flags: { fleetTag: string }) => {
      if (!FLEET_TAG.test(flags.fleetTag))
        throw new UsageError(
          `--fleet-tag: expected 1-128 letters, digits or _.:/=+@-, got "${flags.fleetTag}"`
        )
      process.stdout.write(
        JSON.stringify(operatorIamPolicy({ fleetTag: flags.fleetTag }), null, 2) + '\n'
      )
    })
}
