import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openHistory } from '../../src/main/history'

const ROOT = resolve(__dirname, '../..')
const WRITER = join(__dirname, 'fixtures', 'history-writer.ts')

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

interface KillResult {
  lastReported: number
  signal: NodeJS.Signals | null
  stderr: string
}

/** Runs the writer, SIGKILLs it once it has reported `killAfter` events, resolves when it is gone. */
function runAndKill(file: string, killAfter: number): Promise<KillResult> {
  return new Promise((resolvePromise, reject) => {
    // process.execPath is the Node running vitest (22, which better-sqlite3 needs); tsx loads the .ts
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, '8', '5'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let buffer = ''
    let lastReported = 0
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? '' // a partial last line is not a report yet
      for (const line of lines) if (/^\d+$/.test(line)) lastReported = Number(line)
      if (lastReported >= killAfter && child.exitCode === null && !child.killed)
        child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('close', (_code, signal) => resolvePromise({ lastReported, signal, stderr }))
  })
}

it('keeps every event the writer reported committed when it is SIGKILLed mid-stream', async () => {
  dir = mkdtempSync(join(tmpdir(), 'synkti-durability-'))
  const file = join(dir, 'history.db')

  const { lastReported, signal, stderr } = await runAndKill(file, 3000)
  expect(stderr).toBe('')
  expect(signal).toBe('SIGKILL') // killed mid-stream, not finished on its own
  expect(lastReported).toBeGreaterThanOrEqual(3000)

  // a raw connection first: opening recovers the WAL; the file must be sound
  const raw = new Database(file)
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
  raw.close()

  const history = openHistory(file)
  try {
    const count = history.stats().events
    expect(count).toBeGreaterThanOrEqual(lastReported)
    // whole transactions only: batches of 5, and no holes in the sequence
    expect(count % 5).toBe(0)
    const events = history.eventsBetween(0, Number.MAX_SAFE_INTEGER)
    expect(events.map((e) => e.data?.seq)).toEqual(Array.from({ length: count }, (_, i) => i))
  } finally {
    history.close()
  }
})
