// Reading vLLM's queue depth from its Prometheus /metrics exposition.
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

export interface QueueDepth {
  running: number
  waiting: number
}

export type QueueParse = ({ ok: true } & QueueDepth) | { ok: false; reason: string }

// vllm:num_requests_running today; vllm_num_requests_running where a scraper rewrote the colon;
// anything vllm-prefixed ending in the same words if a later release renames the family.
const RUNNING = /^vllm[:_](?:.*[:_])?num_requests_running$/
const WAITING = /^vllm[:_](?:.*[:_])?num_requests_waiting$/

/**
 * Sums running and waiting requests over every label set (model_name, engine, ...). Fail closed:
 * a body that lacks either gauge, or has a non-numeric value, is "unparsable for drain", never 0.
 */
export function parseVllmQueue(body: string): QueueParse {
  const families = parseLenient(body)
  const running = sumMatching(families, RUNNING)
  const waiting = sumMatching(families, WAITING)
  const missing = [
    running === undefined && 'num_requests_running',
    waiting === undefined && 'num_requests_waiting'
  ]
    .filter(Boolean)
    .join(' and ')
  if (missing) return { ok: false, reason: `metrics without vllm ${missing}` }
  if (Number.isNaN(running) || Number.isNaN(waiting))
    return { ok: false, reason: 'non-numeric vllm queue gauge' }
  return { ok: true, running: running!, waiting: waiting! }
}

type Families = ReturnType<typeof parsePrometheusTextFormat>

function sumMatching(families: Families, name: RegExp): number | undefined {
  let total: number | undefined
  // a family can appear more than once (the library splits non-adjacent lines): sum them all
  for (const family of families) {
    if (!name.test(family.name)) continue
    for (const sample of family.metrics) total = (total ?? 0) + Number(sample.value ?? NaN)
  }
  return total
}

/**
 * parse-prometheus-text-format 1.1.1 has two faults seen on valid exposition text (reproduced
 * against the installed copy):
 * - the last sample line is dropped when the body does not end in "\n"
 *   (`parse('vllm:num_requests_running 3')` returns []) — so we append one;
 * - the whole parse throws InvalidLineError on a HELP line with an empty docstring: the library
 *   trims the line to "# HELP name" and then finds no space. Python's prometheus_client (vLLM's
 *   exporter) writes exactly "# HELP name \n" for a metric with empty documentation (its
 *   generate_latest formats '# HELP {} {}\n' with the docstring). Any other odd line throws the
 *   same way. Then we parse line by line and keep what parses, so one unusual metric elsewhere
 *   cannot blind the drain.
 * - it also folds labelled histogram buckets into one object (losing model_name/engine), harmless
 *   here because we only read the two gauges.
 * Colons in names (`vllm:num_requests_running{model_name="x"} 3`) parse fine.
 */
function parseLenient(body: string): Families {
  const text = body.endsWith('\n') ? body : body + '\n'
  try {
    return parsePrometheusTextFormat(text)
  } catch {
    return text.split('\n').flatMap((line) => parseLine(line))
  }
}

function parseLine(line: string): Families {
  const trimmed = line.trim()
  if (!trimmed || trimmed.startsWith('#')) return []
  try {
    return parsePrometheusTextFormat(trimmed + '\n')
  } catch {
    return []
  }
}
