import { join } from 'node:path'
import type { Command } from 'commander'
import { MAX_EXPORT_TICKS } from '../../shared/api'
import { defaultDataDir } from '../engine/data-dir'
import { openHistory } from '../history'
import { UsageError } from './errors'
import { errorText } from '../../shared/errors'

function parseTime(flag: string, value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms))
    throw new UsageError(
      `${flag} must be an ISO-8601 time (e.g. 2026-11-20T00:00:00Z) or ms since the epoch, got "${value}"`
    )
  return ms
}

/** `synkti history export`: a past window of the fleet as a trace `synkti simulate --trace` replays. */
export function registerHistory(program: Command): void {
  const history = program.command('history').description("the fleet's recorded history")
  history
    .command('export')
    .description(
      'export a past window as spot traces (one JSON file per zone) for `synkti simulate --trace`'
    )
    .requiredOption('--from <time>', 'window start (ISO-8601)')
    .requiredOption('--to <time>', 'window end (ISO-8601)')
    .requiredOption('--out <dir>', 'folder to write <zone>.json files into')
    .option('--gap <seconds>', 'tick length of the trace', '300')
    .option('--db <path>', "history file (default: the desktop app's)")
    .action((flags: { from: string; to: string; out: string; gap: string; db?: string }) => {
      const from = parseTime('--from', flags.from)
      const to = parseTime('--to', flags.to)
      if (to <= from) throw new UsageError('--to must be after --from')
      const gap = Number(flags.gap)
      if (!Number.isInteger(gap) || gap < 1)
        throw new UsageError(`--gap must be a whole number of seconds >= 1, got "${flags.gap}"`)
      const ticks = Math.ceil((to - from) / (gap * 1000))
      if (ticks > MAX_EXPORT_TICKS)
        throw new UsageError(
          `the window is ${ticks} ticks of ${gap} s; an export has at most ${MAX_EXPORT_TICKS}: a shorter window or a larger --gap`
        )
      const db = flags.db ?? join(defaultDataDir(), 'history.db')
      let store
      try {
        store = openHistory(db)
      } catch (error) {
        throw new UsageError(`cannot open history ${db}: ${errorText(error)}`)
      }
      try {
        const files = store.exportTraceFiles(flags.out, from, to, { gapSeconds: gap })
        if (files.length === 0)
          throw new UsageError('no spot instances ran in that window: nothing to export')
        for (const file of files) process.stdout.write(`${file}\n`)
        process.stdout.write(`replay it: npx synkti simulate --trace ${flags.out}\n`)
      } finally {
        store.close()
      }
    })
}
