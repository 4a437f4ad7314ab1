// Reading vLLM's queue depth from its Prometheus /metrics exposition, strictly.

export interface QueueDepth {
  running: number
  waiting: number
}

export type QueueParse = ({ ok: true } & QueueDepth) | { ok: false; reason: string }

/** The largest /metrics body the drain reads; vLLM's is a few tens of KiB. */
export const MAX_METRICS_BODY_BYTES = 1 << 20

// vllm:num_requests_running today; vllm_num_requests_running where a scraper rewrote the colon;
// anything vllm-prefixed ending in the same words if a later release renames the family.
const RUNNING = /^vllm[:_](?:.*[:_])?num_requests_running$/
const WAITING = /^vllm[:_](?:.*[:_])?num_requests_waiting$/

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
// name="value" with the exposition format's three escapes (\\, \", \n); pairs split by commas
const LABEL_PAIR = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\[\\"n])*)"\s*/
/** A finite, non-negative decimal: no sign, no hex/octal/binary, no NaN or Inf, no separators. */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const TIMESTAMP = /^-?\d+$/

/**
 * Sums running and waiting requests over every label set (model_name, engine, ...). Fail closed:
 * only lines that are exactly right count. A body that lacks either gauge, or any line of those two
 * families that is not `name{labels} <finite non-negative decimal> [timestamp]`, or the same series
 * twice, is "unparsable for drain", never 0. Lines of other metrics are not read at all, so an
 * unusual metric elsewhere (an empty HELP text, a histogram) cannot blind the drain.
 *
 * Written out rather than using parse-prometheus-text-format: that library keeps values as loose
 * strings (`Number('')` is 0, `Number('0x0')` is 0), folds a repeated series into its last value,
 * turns junk after a value into a "timestamp", drops the last line without a trailing newline and
 * throws on a whole body for one odd HELP line — each of which once read a busy server as idle.
 */
export function parseVllmQueue(body: string): QueueParse {
  const totals = {
    running: undefined as number | undefined,
    waiting: undefined as number | undefined
  }
  const seen = new Set<string>()
  const lines = body.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '')
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const name = METRIC_NAME.exec(trimmed)?.[0]
    const family =
      name && RUNNING.test(name) ? 'running' : name && WAITING.test(name) ? 'waiting' : undefined
    if (!family || !name) continue
    const sample = parseSample(trimmed.slice(name.length))
    if (!sample.ok) return { ok: false, reason: `line ${i + 1} (${name}): ${sample.reason}` }
    const series = `${name}{${sample.labels}}`
    if (seen.has(series))
      return { ok: false, reason: `line ${i + 1}: series ${series} is given twice` }
    seen.add(series)
    totals[family] = (totals[family] ?? 0) + sample.value
  }
  const missing = [
    totals.running === undefined && 'num_requests_running',
    totals.waiting === undefined && 'num_requests_waiting'
  ]
    .filter(Boolean)
    .join(' and ')
  if (missing) return { ok: false, reason: `metrics without vllm ${missing}` }
  return { ok: true, running: totals.running!, waiting: totals.waiting! }
}

type Sample = { ok: true; labels: string; value: number } | { ok: false; reason: string }

/** What follows the metric name on a sample line: `{labels}` (optional), the value, a timestamp (optional). */
function parseSample(rest: string): Sample {
  let labels = ''
  let tail = rest
  if (tail.startsWith('{')) {
    const parsed = parseLabels(tail.slice(1))
    if (!parsed.ok) return parsed
    labels = parsed.labels
    tail = parsed.rest
  }
  if (!/^[ \t]/.test(tail)) return { ok: false, reason: 'no value after the name' }
  const fields = tail.trim().split(/[ \t]+/)
  if (fields.length === 0 || fields[0] === '') return { ok: false, reason: 'no value' }
  if (fields.length > 2) return { ok: false, reason: 'text after the value and timestamp' }
  const [text, timestamp] = fields
  if (timestamp !== undefined && !TIMESTAMP.test(timestamp))
    return { ok: false, reason: `timestamp "${clip(timestamp)}" is not whole milliseconds` }
  if (text.startsWith('-')) return { ok: false, reason: `negative value ${clip(text)}` }
  if (!DECIMAL.test(text))
    return { ok: false, reason: `value "${clip(text)}" is not a non-negative decimal number` }
  const value = Number(text)
  if (!Number.isFinite(value)) return { ok: false, reason: `value ${clip(text)} is not finite` }
  return { ok: true, labels, value }
}

/** `a="b",c="d"}` (the opening brace already taken): a canonical, sorted label text and what follows. */
function parseLabels(
  text: string
): { ok: true; labels: string; rest: string } | { ok: false; reason: string } {
  const pairs: string[] = []
  let rest = text
  for (;;) {
    const close = /^\s*\}/.exec(rest)
    if (close) {
      rest = rest.slice(close[0].length)
      break
    }
    const pair = LABEL_PAIR.exec(rest)
    if (!pair) return { ok: false, reason: 'malformed labels' }
    pairs.push(`${pair[1]}="${pair[2]}"`)
    rest = rest.slice(pair[0].length)
    if (rest.startsWith(',')) rest = rest.slice(1)
    else if (!/^\s*\}/.test(rest)) return { ok: false, reason: 'malformed labels' }
  }
  const names = pairs.map((p) => p.slice(0, p.indexOf('=')))
  if (new Set(names).size !== names.length) return { ok: false, reason: 'a label given twice' }
  return { ok: true, labels: pairs.sort().join(','), rest }
}

/** Values in reasons are the server's text: keep them short. */
function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text
}
