// The one check every way in applies to a trace path (`synkti simulate --trace`, the sandbox's
// tracePath setting, a what-if started over the API) before a byte is read: regular files, or a
// folder of them, of a bounded size. Devices (/dev/zero), FIFOs and sockets are refused from their
// stat, so nothing can block or read without end.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import type { Stats } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { TraceError } from './types'

export interface TraceLimits {
  /** largest trace (or price) file, bytes */
  maxFileBytes: number
  /** largest total of the files one trace path reads (trace files and the price file), bytes */
  maxTotalBytes: number
  /** most trace files in one folder */
  maxFiles: number
}

/** A year of one-minute probes is about 12 MiB of CSV per zone; the bundled sets are 5 MiB in all. */
export const TRACE_LIMITS: TraceLimits = {
  maxFileBytes: 32 << 20,
  maxTotalBytes: 256 << 20,
  maxFiles: 256
}

export const PRICE_FILE = 'spot_prices.json'
/** Files that sit beside traces but are not traces. */
const NOT_TRACES = new Set([PRICE_FILE, 'spot_price_summary.csv'])
const TRACE_EXTENSIONS = new Set(['.csv', '.json'])

export interface CheckedTrace {
  /** trace files to read, in file-name order */
  files: string[]
  /** bytes the trace files and any price file add up to */
  totalBytes: number
}

/**
 * Checks a trace path and lists its trace files, or throws a one-line TraceError. A file must be a
 * regular .csv or .json file within the size cap; a folder must hold 1..maxFiles of them (other
 * entries are ignored, but a trace-named entry that is not a regular file is refused) and, with
 * its price file, stay within the total cap.
 */
export function checkTracePath(path: string, limits: TraceLimits = TRACE_LIMITS): CheckedTrace {
  if (typeof path !== 'string' || path.trim() === '')
    throw new TraceError(String(path), 'empty path')
  if (path.includes('\0'))
    throw new TraceError(path.replace(/\0/g, '\\0'), 'path contains a NUL byte')
  const stat = statOrThrow(path)
  if (stat.isDirectory()) return checkFolder(path, limits)
  requireRegular(path, stat)
  if (NOT_TRACES.has(basename(path)))
    throw new TraceError(path, 'is a price file, not a trace; load its folder or a trace file')
  if (!TRACE_EXTENSIONS.has(extname(path).toLowerCase()))
    throw new TraceError(
      path,
      'is not a trace file: a trace is a .csv or .json file, or a folder of them'
    )
  requireSize(path, stat.size, limits)
  const price = priceFileSize(dirname(path), limits)
  return { files: [path], totalBytes: requireTotal(path, stat.size + price, limits) }
}

function checkFolder(path: string, limits: TraceLimits): CheckedTrace {
  let names: string[]
  try {
    names = readdirSync(path)
  } catch (err) {
    throw new TraceError(path, `cannot read folder (${codeOf(err)})`)
  }
  const traceNames = names.filter(isTraceName).sort()
  if (traceNames.length === 0)
    throw new TraceError(path, 'no trace files (.csv or .json) in this folder')
  if (traceNames.length > limits.maxFiles)
    throw new TraceError(
      path,
      `holds ${traceNames.length} trace files, more than the ${limits.maxFiles} a trace may have`
    )
  let total = priceFileSize(path, limits)
  const files = traceNames.map((name) => {
    const file = join(path, name)
    const stat = statOrThrow(file)
    requireRegular(file, stat)
    requireSize(file, stat.size, limits)
    total += stat.size
    return file
  })
  return { files, totalBytes: requireTotal(path, total, limits) }
}

function isTraceName(name: string): boolean {
  return (
    TRACE_EXTENSIONS.has(extname(name).toLowerCase()) &&
    !name.startsWith('.') &&
    !NOT_TRACES.has(name)
  )
}

/** Size of the folder's price file, 0 when there is none; it is held to the same rules as a trace file. */
function priceFileSize(folder: string, limits: TraceLimits): number {
  const file = join(folder, PRICE_FILE)
  let stat: Stats
  try {
    stat = statSync(file)
  } catch (err) {
    if (codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR') return 0
    throw new TraceError(file, `cannot read (${codeOf(err)})`)
  }
  requireRegular(file, stat)
  requireSize(file, stat.size, limits)
  return stat.size
}

/**
 * Reads a checked file as UTF-8, at most maxBytes. The file is opened without blocking and checked
 * again on its descriptor, so a path swapped for a FIFO or a device after the check is still refused,
 * and a file that grows past the cap while being read is refused rather than read on.
 */
export function readTraceText(file: string, maxBytes = TRACE_LIMITS.maxFileBytes): string {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    throw new TraceError(
      file,
      codeOf(err) === 'ENOENT' ? 'no such file' : `cannot read (${codeOf(err)})`
    )
  }
  try {
    const stat = fstatSync(fd)
    requireRegular(file, stat)
    requireSize(file, stat.size, { ...TRACE_LIMITS, maxFileBytes: maxBytes })
    const chunks: Buffer[] = []
    let length = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 << 10)
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      length += n
      if (length > maxBytes)
        throw new TraceError(file, `grew past ${mib(maxBytes)} while being read`)
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n))
    }
    return Buffer.concat(chunks, length).toString('utf8')
  } catch (err) {
    if (err instanceof TraceError) throw err
    throw new TraceError(file, `cannot read (${codeOf(err)})`)
  } finally {
    closeSync(fd)
  }
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path)
  } catch (err) {
    const code = codeOf(err)
    throw new TraceError(
      path,
      code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code})`
    )
  }
}

function requireRegular(path: string, stat: Stats): void {
  if (stat.isFile()) return
  const kind = stat.isCharacterDevice()
    ? 'a character device'
    : stat.isBlockDevice()
      ? 'a block device'
      : stat.isFIFO()
        ? 'a FIFO'
        : stat.isSocket()
          ? 'a socket'
          : stat.isDirectory()
            ? 'a folder'
            : 'not a regular file'
  throw new TraceError(path, `is ${kind}; a trace is a regular file or a folder of them`)
}

function requireSize(path: string, size: number, limits: TraceLimits): void {
  if (size > limits.maxFileBytes)
    throw new TraceError(
      path,
      `is ${mib(size)}, larger than the ${mib(limits.maxFileBytes)} a trace file may be`
    )
}

function requireTotal(path: string, total: number, limits: TraceLimits): number {
  if (total > limits.maxTotalBytes)
    throw new TraceError(
      path,
      `adds up to ${mib(total)}, more than the ${mib(limits.maxTotalBytes)} one trace may read`
    )
  return total
}

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(bytes < 1 << 20 ? 2 : 1)} MiB`
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error'
}
