import { writeFileSync } from 'node:fs'
import { DEFAULT_TIME_SLICES } from '../../shared/simulation'
import type { Command } from 'commander'
import { SIMULATION_LIMITS } from '../../shared/simulation-schema'
import { prepareSimulation } from '../simulator/run'
import { runSimulation } from '../simulator/pool'
import { parseNumberFlag, UsageError } from './errors'
import { formatResultsTable } from './format'
import { configFromFlags, type SimulateFlags } from './simulate-options'
import { errorText } from '../../shared/errors'

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('what would each policy have cost? a deterministic discrete-event spot simulation')
    .option('--duration <hours>', 'simulated window, hours', '48')
    .option('--tasks <n>', 'batch tasks (default 100)')
    .option(
      '--policies <list>',
      'comma-separated: greedy, fallback, ondemand, spot-or-ondemand; for --job also uniform-progress, time-sliced, and with --trace uniform-progress-oracle, omniscient (default greedy,fallback,ondemand; with --job greedy,uniform-progress,ondemand)'
    )
    .option('--output <file>', 'write the JSON result to this file')
    .option('--json', 'print the JSON result on stdout instead of the table')
    .option(
      '--spot-price <usd>',
      'mean spot price, $/h (synthetic market; constant price for traces without prices)'
    )
    .option('--ondemand-price <usd>', 'on-demand price, $/h')
    .option('--seed <n>', 'seed of every random draw (default 1)')
    .option('--runs <n>', 'seeded runs; with --trace each starts at a random offset (default 1)')
    .option('--trace <path>', 'replay a spot trace file or folder instead of the synthetic market')
    .option(
      '--start-offsets <list|file>',
      'with --trace: replay these start points, seconds into the trace (comma list or a file), one run each'
    )
    .option(
      '--trace-capacity <n>',
      'instances a 0/1 probe trace allows per zone while available (default 1000)'
    )
    .option(
      '--preemption-rate <per-hour>',
      'hourly reclaim hazard of a spot instance (synthetic market, default 0.05)'
    )
    .option(
      '--hazard <kind>',
      'fixed, or price-linked: the hazard rises with the spot price (default fixed)'
    )
    .option('--hazard-elasticity <k>', 'price-linked hazard: rate * (price / mean) ^ k (default 2)')
    .option('--grace <seconds>', 'interruption notice, seconds (default 120)')
    .option(
      '--migration <strategy>',
      'placement of displaced tasks: optimal, first-fit or naive (default optimal)'
    )
    .option(
      '--instance-types <list>',
      'synthetic market: comma-separated types from the catalog, e.g. g5.xlarge,g5.12xlarge,p3.8xlarge (default p3.2xlarge)'
    )
    .option(
      '--models <n>',
      'batch: distinct models, warm once loaded on an instance (default 4, at most 52)'
    )
    .option(
      '--cold-start <seconds>',
      'batch: load time of a model not yet on the instance (default 120)'
    )
    .option(
      '--gpu-memory <list>',
      'batch: GPU memory a task needs, GiB, drawn from this list (default 8,12,16)'
    )
    .option(
      '--idle-release <seconds>',
      'an idle instance is released after this long (default 600)'
    )
    .option('--job <hours>', 'deadline job: compute time C, hours')
    .option('--deadline <hours>', 'deadline job: deadline R, hours from the start')
    .option('--changeover <hours>', 'deadline job: changeover delay d, hours (default 0.1)')
    .option(
      '--time-slices <n>',
      `time-sliced policy: slices of the deadline (default ${DEFAULT_TIME_SLICES})`
    )
    .option(
      '--service <replicas>',
      'service mode: a model service kept at this many ready replicas, compared over --placements'
    )
    .option(
      '--placements <list>',
      'service mode, comma-separated: spothedge, even-spread, round-robin, ondemand (default all)'
    )
    .option(
      '--over-provision <n>',
      "service mode: spothedge's extra spot replicas beyond --service (default 1)"
    )
    .option('--standby <n>', 'service mode: warm spot spares (default 0)')
    .option('--boot <seconds>', 'service mode: launch to running, seconds (default 180)')
    .option(
      '--model-load <seconds>',
      'service mode: running to ready (model loaded, answering), seconds (default 300)'
    )
    .option('--workers <n>', 'worker threads for many runs (default: one per core when runs >= 8)')
    .option('--timeline', "include the first run's event timeline per policy in the JSON")
    .action(async (flags: SimulateFlags) => {
      // commander fills the default for --duration; the others stay undefined so configFromFlags knows what was given
      const { config, trace } = configFromFlags(flags)
      const workers =
        flags.workers !== undefined
          ? parseNumberFlag('--workers', flags.workers, 'integer>=0')
          : undefined
      if (workers !== undefined && workers > SIMULATION_LIMITS.workers)
        throw new UsageError(
          `--workers must be at most ${SIMULATION_LIMITS.workers}, got "${flags.workers}"`
        )
      try {
        prepareSimulation(config, trace)
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message)
        throw error
      }
      const progress = progressReporter(config.runs)
      const output = await runSimulation(config, {
        workers,
        trace,
        onProgress: progress.update,
        timeline: flags.timeline
      })
      progress.end()
      const json = JSON.stringify(output, null, 2) + '\n'
      if (flags.output) {
        try {
          writeFileSync(flags.output, json)
        } catch (error) {
          throw new UsageError(
            `--output: cannot write ${flags.output}: ${(error as NodeJS.ErrnoException).code ?? errorText(error)}`
          )
        }
      }
      if (flags.json) process.stdout.write(json)
      else
        process.stdout.write(
          formatResultsTable(output) +
            '\n' +
            (flags.output ? `JSON written to ${flags.output}\n` : '')
        )
    })
}

/** Progress on stderr for long sweeps: a live line on a terminal, a line per 10% otherwise. */
function progressReporter(total: number): {
  update: (done: number, total: number) => void
  end: () => void
} {
  const started = Date.now()
  const tty = process.stderr.isTTY
  let lastDecile = 0
  let shown = false
  return {
    update: (done) => {
      if (total < 2 || Date.now() - started < 300) return
      const pct = Math.floor((100 * done) / total)
      if (tty) {
        process.stderr.write(`\rsimulating: ${done}/${total} runs (${pct}%)`)
        shown = true
      } else if (Math.floor(pct / 10) > lastDecile) {
        lastDecile = Math.floor(pct / 10)
        process.stderr.write(`simulating: ${done}/${total} runs (${pct}%)\n`)
      }
    },
    end: () => {
      if (shown) process.stderr.write('\n')
    }
  }
}
