// Workload files: YAML (one workload per `---` document, or a list) or JSON (an object or an array),
// validated against the shared schema. Every problem becomes one line naming the file, the line and
// the field, e.g. `llama.yaml:7: replicas: expected a whole number from 0 to 64, got 2.5`, so a CLI
// prints them as they are and exits 2. A file is all or nothing: one problem anywhere and no
// workload of it is returned (loadWorkloadFile throws instead).
import { readFile, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml'
import { errorText } from '../../shared/errors'
import { checkWorkload, problemText, type PathSegment, type Workload } from '../../shared/workload'
import { jsonOffset, scanJson } from './json-locations'

export const MAX_WORKLOAD_FILE_BYTES = 1024 * 1024
/** workloads (and YAML documents) in one file */
export const MAX_WORKLOADS_PER_FILE = 100
/** aliases expanded per YAML document: a few are handy, thousands are a "billion laughs" */
export const MAX_YAML_ALIASES = 100

export type WorkloadFileFormat = 'yaml' | 'json'

export interface WorkloadFileResult {
  /** the file's workloads, defaults applied, in file order; none when there is any error */
  workloads: Workload[]
  /** one line per problem: `file:line: field: message` (or `file: message` for the whole file) */
  errors: string[]
}

/** Every problem of one file; `messages` are the lines to print, `message` joins them. */
export class WorkloadFileError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('\n'))
    this.name = 'WorkloadFileError'
  }
}

/** `.json` is JSON; anything else is YAML (which also reads JSON, but with YAML's messages). */
export function formatOf(file: string): WorkloadFileFormat {
  return extname(file).toLowerCase() === '.json' ? 'json' : 'yaml'
}

/** One candidate workload and how to find the line of a path inside it. */
interface Candidate {
  value: unknown
  lineOf: (path: readonly PathSegment[], atKey: boolean) => number
}

type Split = { candidates: Candidate[]; errors: string[] }

/** Parse and validate the text of a workload file; `file` names it in every message. */
export function parseWorkloadText(
  text: string,
  options: { file: string; format?: WorkloadFileFormat }
): WorkloadFileResult {
  const file = options.file
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_WORKLOAD_FILE_BYTES) return { workloads: [], errors: [tooBig(file, bytes)] }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  if (body.trim() === '')
    return { workloads: [], errors: [`${file}: no workloads (the file is empty)`] }

  const split =
    (options.format ?? formatOf(file)) === 'json' ? splitJson(body, file) : splitYaml(body, file)
  if (split.errors.length > 0) return { workloads: [], errors: split.errors }
  if (split.candidates.length === 0)
    return {
      workloads: [],
      errors: [`${file}: no workloads (only empty documents or empty lists)`]
    }
  if (split.candidates.length > MAX_WORKLOADS_PER_FILE) {
    const line = split.candidates[MAX_WORKLOADS_PER_FILE].lineOf([], false)
    return {
      workloads: [],
      errors: [
        `${file}:${line}: ${split.candidates.length} workloads in one file; the limit is ${MAX_WORKLOADS_PER_FILE}`
      ]
    }
  }
  return validate(split.candidates, file)
}

/** All or nothing: a file with any problem yields no workloads, so none is applied by halves. */
function validate(candidates: Candidate[], file: string): WorkloadFileResult {
  const workloads: Workload[] = []
  const errors: string[] = []
  const lineByName = new Map<string, number>()
  for (const candidate of candidates) {
    const checked = checkWorkload(candidate.value)
    if (!checked.ok) {
      // in the order of the file's lines, as an editor would list them (a stable sort keeps the
      // schema's order within a line)
      const lines = checked.problems.map((problem) => ({
        line: candidate.lineOf(problem.path, problem.unknownField === true),
        text: problemText(problem)
      }))
      lines.sort((a, b) => a.line - b.line)
      errors.push(...lines.map(({ line, text }) => `${file}:${line}: ${text}`))
      continue
    }
    const { name } = checked.workload
    const line = candidate.lineOf(['name'], false)
    const first = lineByName.get(name)
    if (first !== undefined) {
      errors.push(
        `${file}:${line}: name: ${JSON.stringify(name)} is already the name of the workload at line ${first}`
      )
      continue
    }
    lineByName.set(name, line)
    workloads.push(checked.workload)
  }
  return errors.length > 0 ? { workloads: [], errors } : { workloads, errors }
}

const tooBig = (file: string, bytes: number): string =>
  `${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB is over the ${MAX_WORKLOAD_FILE_BYTES / 1024 / 1024} MiB limit of a workload file`

// ---------------------------------------------------------------- YAML

function splitYaml(text: string, file: string): Split {
  const lines = new LineCounter()
  // an error "at the end" (an unclosed quote) is shown on the last line, not the empty one after it
  const lineAt = (offset: number): number =>
    lines.linePos(Math.max(0, Math.min(offset, text.length - 1))).line
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })
  if (!Array.isArray(documents)) return { candidates: [], errors: [] } // an empty stream
  if (documents.length > MAX_WORKLOADS_PER_FILE) {
    const first = documents[MAX_WORKLOADS_PER_FILE]
    const line = lineAt(rangeStart(first.contents) ?? first.range[0])
    return {
      candidates: [],
      errors: [
        `${file}:${line}: ${documents.length} YAML documents in one file; the limit is ${MAX_WORKLOADS_PER_FILE}`
      ]
    }
  }
  // YAML warnings (an unknown tag, say) are errors here: a workload file means exactly what it says
  const syntax = documents.flatMap((document) =>
    [...document.errors, ...document.warnings].map(
      (problem) => `${file}:${lineAt(problem.pos[0])}: invalid YAML: ${problem.message}`
    )
  )
  if (syntax.length > 0) return { candidates: [], errors: syntax }

  const candidates: Candidate[] = []
  const errors: string[] = []
  for (const document of documents) {
    let value: unknown
    try {
      value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES })
    } catch (error) {
      // too many aliases (ReferenceError) or nesting too deep for the stack (RangeError)
      const line = lineAt(rangeStart(document.contents) ?? document.range[0])
      errors.push(`${file}:${line}: invalid YAML: ${errorText(error)}`)
      continue
    }
    if (value === null || value === undefined) continue // an empty document (a trailing ---)
    const lineOf = (prefix: PathSegment[]) => (path: readonly PathSegment[], atKey: boolean) =>
      yamlLine(document, [...prefix, ...path], atKey, lineAt)
    if (Array.isArray(value))
      value.forEach((item, i) => candidates.push({ value: item, lineOf: lineOf([i]) }))
    else candidates.push({ value, lineOf: lineOf([]) })
  }
  return { candidates, errors }
}

/**
 * The line of `path` in a YAML document: a scalar's own line, a collection's key line (so
 * `command:` rather than its first item), the key itself for an unknown field, and for a missing
 * field the key of its nearest existing parent (the document's first line at the top).
 */
function yamlLine(
  document: Document.Parsed,
  path: readonly PathSegment[],
  atKey: boolean,
  lineAt: (offset: number) => number
): number {
  let node: unknown = document.contents
  let offset = rangeStart(node) ?? document.range[0]
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment)
      )
      if (!pair) return lineAt(offset)
      const keyStart = rangeStart(pair.key)
      if (i === path.length - 1 && atKey) return lineAt(keyStart ?? offset)
      offset = keyStart ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment]
      offset = rangeStart(node) ?? offset
    } else return lineAt(offset)
  }
  if (isScalar(node)) offset = rangeStart(node) ?? offset
  return lineAt(offset)
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range
  return range?.[0]
}

// ---------------------------------------------------------------- JSON

function splitJson(text: string, file: string): Split {
  const lineStarts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1)
  const lineAt = (offset: number): number => {
    let low = 0
    let high = lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (lineStarts[mid] <= offset) low = mid
      else high = mid - 1
    }
    return low + 1
  }

  const scan = scanJson(text)
  if (!scan.ok)
    return {
      candidates: [],
      errors: [`${file}:${lineAt(scan.offset)}: invalid JSON: ${scan.message}`]
    }
  const value: unknown = JSON.parse(text)
  const lineOf = (prefix: PathSegment[]) => (path: readonly PathSegment[], atKey: boolean) =>
    lineAt(jsonOffset(scan.locations, [...prefix, ...path], atKey))
  if (Array.isArray(value))
    return {
      candidates: value.map((item, i) => ({ value: item, lineOf: lineOf([i]) })),
      errors: []
    }
  return { candidates: [{ value, lineOf: lineOf([]) }], errors: [] }
}

// ---------------------------------------------------------------- files on disk

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Read and validate a workload file; unreadable, oversized or non-UTF-8 files are one error line. */
export async function readWorkloadFile(
  path: string,
  options: { format?: WorkloadFileFormat } = {}
): Promise<WorkloadFileResult> {
  let bytes: Buffer
  try {
    // the size first, so a huge file is refused before it is read into memory
    const size = (await stat(path)).size
    if (size > MAX_WORKLOAD_FILE_BYTES) return { workloads: [], errors: [tooBig(path, size)] }
    bytes = await readFile(path)
  } catch (error) {
    return { workloads: [], errors: [`${path}: cannot read the file (${errorText(error)})`] }
  }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch (_notUtf8) {
    return { workloads: [], errors: [`${path}: not UTF-8 text`] }
  }
  return parseWorkloadText(text, { file: path, format: options.format })
}

/** The workloads of a file, or a WorkloadFileError carrying every problem (print its `messages`). */
export async function loadWorkloadFile(
  path: string,
  options: { format?: WorkloadFileFormat } = {}
): Promise<Workload[]> {
  const result = await readWorkloadFile(path, options)
  if (result.errors.length > 0) throw new WorkloadFileError(result.errors)
  return result.workloads
}
