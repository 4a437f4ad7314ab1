import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkTracePath, loadTrace, readTraceText, TRACE_LIMITS, TraceError } from './index'

const TRACE = JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1, 0, 1] })

/** The one-line TraceError a call throws, and how long it took to throw it. */
function refusal(run: () => unknown): { message: string; ms: number } {
  const started = performance.now()
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(TraceError)
    const message = (err as TraceError).message
    expect(message).not.toContain('\n')
    return { message, ms: performance.now() - started }
  }
  throw new Error('expected a TraceError')
}

describe('checkTracePath: regular files or a folder of them, bounded in size', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-trace-path-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses /dev/zero, /dev/null and /etc/passwd at once, without reading them', () => {
    for (const [path, pattern] of [
      ['/dev/zero', /^\/dev\/zero: is a character device; a trace is a regular file/],
      ['/dev/null', /character device/],
      ['/etc/passwd', /^\/etc\/passwd: is not a trace file: a trace is a \.csv or \.json file/]
    ] as const) {
      const { message, ms } = refusal(() => loadTrace(path))
      expect(message).toMatch(pattern)
      expect(message).not.toMatch(/root:/)
      expect(ms).toBeLessThan(2000)
    }
  })

  it('refuses a FIFO, even one named like a trace, without blocking', () => {
    const fifo = join(dir, 'pipe.csv')
    execFileSync('mkfifo', [fifo])
    expect(refusal(() => loadTrace(fifo)).message).toBe(
      `${fifo}: is a FIFO; a trace is a regular file or a folder of them`
    )
    // a FIFO inside a folder of traces is refused too, not skipped or opened
    mkdirSync(join(dir, 'with-fifo'))
    writeFileSync(join(dir, 'with-fifo', 'a.json'), TRACE)
    execFileSync('mkfifo', [join(dir, 'with-fifo', 'b.json')])
    expect(refusal(() => loadTrace(join(dir, 'with-fifo'))).message).toMatch(/b\.json: is a FIFO/)
    // read directly (the path swapped after the check): the descriptor is checked, nothing blocks
    expect(refusal(() => readTraceText(fifo)).message).toMatch(/is a FIFO/)
  })

  it('refuses a symlink to a device', () => {
    const link = join(dir, 'zero.json')
    symlinkSync('/dev/zero', link)
    expect(refusal(() => loadTrace(link)).message).toMatch(/zero\.json: is a character device/)
  })

  it('refuses a huge file quickly from its size (a sparse 4 GiB file)', () => {
    const huge = join(dir, 'huge.csv')
    writeFileSync(huge, '')
    truncateSync(huge, 4 * 1024 ** 3)
    const { message, ms } = refusal(() => loadTrace(huge))
    expect(message).toBe(`${huge}: is 4096.0 MiB, larger than the 32.0 MiB a trace file may be`)
    expect(ms).toBeLessThan(2000)
  })

  it('caps a folder in files and in total bytes, the price file included', () => {
    const folder = join(dir, 'many')
    mkdirSync(folder)
    for (let i = 0; i < 4; i++) writeFileSync(join(folder, `z${i}.json`), TRACE)
    const small = { maxFileBytes: 1000, maxTotalBytes: 1000, maxFiles: 3 }
    expect(refusal(() => checkTracePath(folder, small)).message).toBe(
      `${folder}: holds 4 trace files, more than the 3 a trace may have`
    )
    writeFileSync(join(folder, 'spot_prices.json'), JSON.stringify({ z0: [1, 2, 3] }))
    const sizes = checkTracePath(folder, { ...small, maxFiles: 10, maxTotalBytes: 1e6 })
    expect(sizes.files).toHaveLength(4)
    expect(sizes.totalBytes).toBe(4 * TRACE.length + JSON.stringify({ z0: [1, 2, 3] }).length)
    expect(
      refusal(() =>
        checkTracePath(folder, { ...small, maxFiles: 10, maxTotalBytes: sizes.totalBytes - 1 })
      ).message
    ).toMatch(/^.*many: adds up to 0\.00 MiB, more than the 0\.00 MiB one trace may read$/)
    expect(TRACE_LIMITS).toEqual({
      maxFileBytes: 32 << 20,
      maxTotalBytes: 256 << 20,
      maxFiles: 256
    })
  })

  it('a bounded read refuses a file past its cap', () => {
    const file = join(dir, 'big.json')
    writeFileSync(file, 'x'.repeat(5000))
    expect(refusal(() => readTraceText(file, 4096)).message).toMatch(
      /big\.json: is 0\.00 MiB, larger than the 0\.00 MiB a trace file may be/
    )
    expect(readTraceText(file, 5000)).toHaveLength(5000)
  })

  it('still loads a regular trace file and folder', () => {
    writeFileSync(join(dir, 'ok.json'), TRACE)
    expect(loadTrace(join(dir, 'ok.json')).ticks).toBe(3)
    expect(checkTracePath(join(dir, 'ok.json')).files).toEqual([join(dir, 'ok.json')])
  })
})
