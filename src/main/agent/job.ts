// The agent's part in a deadline job on a real cloud (the job itself runs under host systemd units,
// engine/user-data.ts): report the command's exit status once the runner has written it, and at a
// spot notice drop the notice file that starts the host's final checkpoint sync. The agent runs in
// a container without the docker socket, so files in the shared state directory are the interface.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock } from '../clock'
import type { Log, LogFields } from '../logging/log'
import type { ReportTransport } from './reports'
import { errorText } from '../../shared/errors'

/** the job state files (written by the host's runner, read here; the notice written here) */
export const JOB_STATE_FILES = { exit: 'job-exit', notice: 'notice' } as const

export const JOB_EXIT_PHASES = ['restore', 'secret', 'run', 'save'] as const
export type JobExitPhase = (typeof JOB_EXIT_PHASES)[number]

/** What the agent reports (POST /api/agent/job, or kind `job` on the reports queue). */
export interface AgentJobReport {
  instanceId: string
  /** when the agent read the status, ms */
  at: number
  exitCode: number
  phase: JobExitPhase
}

/**
 * The runner's status file: `<code>\n<phase>\n`. Undefined while it is not there; an unreadable or
 * malformed file throws (it is the runner's, and a half-written one cannot exist: it is renamed in).
 */
export async function readJobExit(
  stateDir: string
): Promise<{ exitCode: number; phase: JobExitPhase } | undefined> {
  let text: string
  try {
    text = await readFile(join(stateDir, JOB_STATE_FILES.exit), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const [code, phase] = text.split('\n')
  const exitCode = Number(code)
  if (!/^\d{1,3}$/.test(code) || exitCode > 255 || !JOB_EXIT_PHASES.includes(phase as JobExitPhase))
    throw new Error(
      `${JOB_STATE_FILES.exit}: not "<code 0-255>\\n<phase>": ${JSON.stringify(text.slice(0, 40))}`
    )
  return { exitCode, phase: phase as JobExitPhase }
}

/** Drops the notice file (atomically) the host's path unit waits for. */
export async function writeJobNotice(stateDir: string, noticeDeadline: number): Promise<void> {
  const file = join(stateDir, JOB_STATE_FILES.notice)
  await writeFile(`${file}.tmp`, `${new Date(noticeDeadline).toISOString()}\n`)
  await rename(`${file}.tmp`, file)
}

export interface JobWatchContext {
  instanceId: string
  stateDir: string
  reports: ReportTransport
  clock: Clock
  signal: AbortSignal
  log: Log
  pollMs: number
  /** between tries of an undelivered report (the file stays, so nothing is lost meanwhile) */
  retryMs: number
  /** false once a notice came: the job was stopped for it, and that is no outcome of the command */
  reportable: () => boolean
}

/**
 * Waits for the runner's status and reports it until one report is delivered (each a full retry
 * round of the transport), then returns; returns at abort or once a notice made it moot.
 */
export async function watchJobExit(c: JobWatchContext): Promise<void> {
  let lastProblem = ''
  const problem = (what: string, fields: LogFields): void => {
    const text = JSON.stringify(fields)
    if (text !== lastProblem) c.log(what, fields)
    lastProblem = text
  }
  while (!c.signal.aborted && c.reportable()) {
    let status: Awaited<ReturnType<typeof readJobExit>>
    try {
      status = await readJobExit(c.stateDir)
    } catch (error) {
      problem('job-exit-unreadable', { error: errorText(error) })
      status = undefined
    }
    if (status && c.reportable()) {
      const report: AgentJobReport = { instanceId: c.instanceId, at: c.clock.now(), ...status }
      const sent = await c.reports.send('job', report, { stop: c.signal })
      if (sent.ok) {
        c.log('job-exit-reported', {
          code: status.exitCode,
          phase: status.phase,
          attempts: sent.attempts
        })
        return
      }
      problem('job-exit-unsent', { code: status.exitCode, reason: sent.reason })
    }
    await c.clock.sleep(status ? c.retryMs : c.pollMs, c.signal).catch(() => undefined)
  }
}
