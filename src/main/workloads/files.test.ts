import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_VLLM_IMAGE } from '../../shared/workload'
import {
  formatOf,
  loadWorkloadFile,
  MAX_WORKLOAD_FILE_BYTES,
  parseWorkloadText,
  readWorkloadFile,
  WorkloadFileError
} from './files'

// The example, as a user would save it.
const EXAMPLE = `kind: service            # an OpenAI-compatible model server (vLLM)
name: llama
model: meta-llama/Llama-3.1-8B-Instruct
replicas: 2              # ready replicas wanted
standby: 1               # warm spares
instanceTypes: [g5.xlarge, g6.xlarge]
market: spot-with-fallback   # spot | ondemand | spot-with-fallback
budgetPerHour: 3
---
kind: job                # a checkpointable batch/training command with a deadline
name: finetune
command: ["python", "train.py", "--resume", "/ckpt"]
workHours: 6             # C: compute time on one instance
deadline: 2026-12-05T18:00:00Z   # or deadlineHours: 9 from submission
changeoverHours: 0.2     # d
checkpoint: { dir: /ckpt, stateGiB: 20, everyMinutes: 30 }
policy: uniform-progress # greedy | uniform-progress | ondemand | fallback
instanceTypes: [g5.xlarge]
`

const SERVICE_OUT = {
  kind: 'service',
  name: 'llama',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  replicas: 2,
  standby: 1,
  overProvision: 0,
  instanceTypes: ['g5.xlarge', 'g6.xlarge'],
  market: 'spot-with-fallback',
  rebalance: 'wait',
  budgetPerHour: 3,
  image: DEFAULT_VLLM_IMAGE,
  port: 8000,
  args: [],
  env: {},
  health: { readyTimeoutSeconds: 1800, intervalSeconds: 10, failureThreshold: 3 },
  router: 'builtin'
}
const JOB_OUT = {
  kind: 'job',
  name: 'finetune',
  command: ['python', 'train.py', '--resume', '/ckpt'],
  workHours: 6,
  deadline: '2026-12-05T18:00:00Z',
  changeoverHours: 0.2,
  checkpoint: { dir: '/ckpt', stateGiB: 20, everyMinutes: 30 },
  policy: 'uniform-progress',
  instanceTypes: ['g5.xlarge'],
  env: {}
}

const errorsOf = (file: string, text: string): string[] => {
  const result = parseWorkloadText(text, { file })
  expect(result.workloads).toEqual([])
  return result.errors
}

describe('good files', () => {
  it('reads the issue example: both kinds, defaults applied, in file order', () => {
    expect(parseWorkloadText(EXAMPLE, { file: 'fleet.yaml' })).toEqual({
      workloads: [SERVICE_OUT, JOB_OUT],
      errors: []
    })
  })

  it('a YAML document may be a list of workloads; empty documents are skipped', () => {
    const text = `---
- kind: service
  name: a
  model: m
  instanceTypes: [g5.xlarge]
- kind: service
  name: b
  model: m
  instanceTypes: [g5.xlarge]
---
# nothing here
---
`
    const result = parseWorkloadText(text, { file: 'list.yml' })
    expect(result.errors).toEqual([])
    expect(result.workloads.map((w) => w.name)).toEqual(['a', 'b'])
  })

  it('JSON: one object or an array of them', () => {
    const one = parseWorkloadText(JSON.stringify(SERVICE_OUT, null, 2), { file: 'llama.json' })
    expect(one).toEqual({ workloads: [SERVICE_OUT], errors: [] })
    const both = parseWorkloadText(JSON.stringify([SERVICE_OUT, JOB_OUT]), { file: 'all.json' })
    expect(both).toEqual({ workloads: [SERVICE_OUT, JOB_OUT], errors: [] })
    // the byte-order mark some editors write is not an error
    expect(
      parseWorkloadText(`\uFEFF${JSON.stringify(JOB_OUT)}`, { file: 'j.json' }).errors
    ).toEqual([])
  })

  it('the format follows the extension unless told', () => {
    expect(formatOf('a.JSON')).toBe('json')
    expect(formatOf('a.yaml')).toBe('yaml')
    expect(formatOf('workloads')).toBe('yaml')
    // a flow-style YAML mapping is not JSON: told it is YAML, it parses
    const flow = '{kind: service, name: a, model: m, instanceTypes: [g5.xlarge]}'
    expect(parseWorkloadText(flow, { file: 'stdin', format: 'yaml' }).errors).toEqual([])
    expect(parseWorkloadText(flow, { file: 'stdin', format: 'json' }).errors).toEqual([
      'stdin:1: invalid JSON: expected a key in double quotes, found "k"'
    ])
  })
})

describe('bad YAML files: one line per problem, with the line', () => {
  const LLAMA = `kind: service
name: llama
replica: 3
model: meta-llama/Llama-3.1-8B-Instruct
instanceTypes:
  - g5.xlarge
replicas: 2.5
`

  it('unknown field and out of range, in line order', () => {
    expect(errorsOf('llama.yaml', LLAMA)).toEqual([
      'llama.yaml:3: unknown field "replica"',
      'llama.yaml:7: replicas: expected a whole number from 0 to 64, got 2.5'
    ])
  })

  it('wrong types, nested fields and list items name their own line', () => {
    const text = `kind: job
name: ft
command:
  - python
  - 3
workHours: six
deadlineHours: 9
checkpoint:
  dir: /ckpt
  everyMinutes: 0
  keep: 3
instanceTypes: [g5.xlarge, "G6"]
`
    expect(errorsOf('ft.yaml', text)).toEqual([
      'ft.yaml:5: command[1]: expected text of 1 to 4096 characters, got 3',
      'ft.yaml:6: workHours: expected a number of hours above 0 and at most 10000, got "six"',
      // a missing field is shown at its parent's key
      'ft.yaml:8: checkpoint.stateGiB: required',
      'ft.yaml:10: checkpoint.everyMinutes: expected a number of minutes above 0 and at most 1440, got 0',
      'ft.yaml:11: checkpoint: unknown field "keep"',
      'ft.yaml:12: instanceTypes[1]: expected an instance type name like g5.xlarge, got "G6"'
    ])
  })

  it('both deadline forms; neither; missing required fields at the document', () => {
    const both = `kind: job
name: ft
command: [python]
workHours: 6
deadline: 2026-12-05T18:00:00Z
deadlineHours: 9
instanceTypes: [g5.xlarge]
`
    expect(errorsOf('ft.yaml', both)).toEqual([
      'ft.yaml:6: deadlineHours: give deadline or deadlineHours, not both'
    ])
    const neither = both.replace(/deadline.*\n/g, '')
    expect(errorsOf('ft.yaml', neither)).toEqual([
      'ft.yaml:1: a job needs deadline (an ISO time) or deadlineHours (hours from submission); neither is given'
    ])
    expect(errorsOf('x.yaml', '# a service\n\nkind: service\nname: x\n')).toEqual([
      'x.yaml:3: model: required',
      'x.yaml:3: instanceTypes: required'
    ])
  })

  it('a problem in the second document names that document’s line', () => {
    const text = EXAMPLE.replace('workHours: 6 ', 'workHours: 0 ')
    expect(errorsOf('fleet.yaml', text)).toEqual([
      'fleet.yaml:13: workHours: expected a number of hours above 0 and at most 10000, got 0'
    ])
  })

  it('bad YAML syntax, with the line the parser stopped at', () => {
    expect(errorsOf('bad.yaml', 'kind: service\nname: llama\nmodel: "unclosed\n')).toEqual([
      'bad.yaml:3: invalid YAML: Missing closing "quote'
    ])
    expect(errorsOf('tab.yaml', 'kind: service\nhealth:\n\tintervalSeconds: 5\n')).toEqual([
      'tab.yaml:3: invalid YAML: Tabs are not allowed as indentation'
    ])
    expect(errorsOf('dup.yaml', 'kind: service\nname: a\nname: b\n')).toEqual([
      'dup.yaml:3: invalid YAML: Map keys must be unique'
    ])
    expect(errorsOf('tag.yaml', 'kind: service\nname: !secret llama\n')).toEqual([
      'tag.yaml:2: invalid YAML: Unresolved tag: !secret'
    ])
  })

  it('not a workload at all', () => {
    expect(errorsOf('s.yaml', 'llama\n')).toEqual([
      's.yaml:1: expected a workload (a map with kind: service or kind: job), got "llama"'
    ])
    expect(errorsOf('k.yaml', 'kind: model\nname: x\n')).toEqual([
      'k.yaml:1: kind: expected service or job, got "model"'
    ])
  })

  it('duplicate names in one file', () => {
    const one = 'kind: service\nname: llama\nmodel: m\ninstanceTypes: [g5.xlarge]\n'
    expect(errorsOf('two.yaml', `${one}---\n${one}`)).toEqual([
      'two.yaml:7: name: "llama" is already the name of the workload at line 2'
    ])
    // a service and a job may not share a name either: the name is the workload's handle
    const job =
      'kind: job\nname: llama\ncommand: [x]\nworkHours: 1\ndeadlineHours: 2\ninstanceTypes: [g5.xlarge]\n'
    expect(errorsOf('mixed.yaml', `${one}---\n${job}`)).toEqual([
      'mixed.yaml:7: name: "llama" is already the name of the workload at line 2'
    ])
  })

  it('empty files and files of empty documents', () => {
    expect(errorsOf('empty.yaml', '')).toEqual(['empty.yaml: no workloads (the file is empty)'])
    expect(errorsOf('blank.yaml', ' \n\n')).toEqual([
      'blank.yaml: no workloads (the file is empty)'
    ])
    expect(errorsOf('c.yaml', '# only a comment\n---\n')).toEqual([
      'c.yaml: no workloads (only empty documents or empty lists)'
    ])
    expect(errorsOf('e.json', '[]')).toEqual([
      'e.json: no workloads (only empty documents or empty lists)'
    ])
  })

  it('caps: bytes, documents, workloads and aliases', () => {
    const big = `kind: service\nname: a\n# ${'x'.repeat(MAX_WORKLOAD_FILE_BYTES)}\n`
    expect(errorsOf('big.yaml', big)).toEqual([
      'big.yaml: 1.0 MiB is over the 1 MiB limit of a workload file'
    ])
    const one = (i: number): string =>
      `kind: service\nname: s${i}\nmodel: m\ninstanceTypes: [g5.xlarge]\n`
    const docs = Array.from({ length: 101 }, (_, i) => one(i)).join('---\n')
    // document 101's first line is 501 (4 lines and a --- per document)
    expect(errorsOf('many.yaml', docs)).toEqual([
      'many.yaml:501: 101 YAML documents in one file; the limit is 100'
    ])
    const list = JSON.stringify(
      Array.from({ length: 101 }, (_, i) => ({ kind: 'service', name: `s${i}` })),
      null,
      1
    )
    expect(errorsOf('many.json', list)[0]).toMatch(
      /^many\.json:\d+: 101 workloads in one file; the limit is 100$/
    )
    const laughs = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`
    expect(errorsOf('laughs.yaml', laughs)).toEqual([
      'laughs.yaml:1: invalid YAML: ReferenceError: Excessive alias count indicates a resource exhaustion attack'
    ])
  })
})

describe('bad JSON files', () => {
  it('syntax errors name their line', () => {
    expect(errorsOf('a.json', '{\n  "kind": "service",\n  "replicas": }\n')).toEqual([
      'a.json:3: invalid JSON: expected a value, found "}"'
    ])
    expect(errorsOf('b.json', '{\n  "kind": "service",\n  "name": "a",\n}\n')).toEqual([
      'b.json:4: invalid JSON: expected a key in double quotes, found "}"'
    ])
    expect(errorsOf('c.json', '{\n  "kind": "service"\n')).toEqual([
      "c.json:3: invalid JSON: expected ',' or '}', found the end of the text"
    ])
    expect(errorsOf('d.json', '{"kind": "a",\n "kind": "b"}')).toEqual([
      'd.json:2: invalid JSON: the key "kind" appears twice in one object'
    ])
  })

  it('validation problems name the line of the field', () => {
    const text = `[
  {
    "kind": "service",
    "name": "llama",
    "replica": 2,
    "replicas": 99,
    "model": "m",
    "instanceTypes": ["g5.xlarge"],
    "health": { "intervalSeconds": 0 }
  },
  {
    "kind": "job",
    "name": "llama"
  }
]`
    expect(errorsOf('fleet.json', text)).toEqual([
      'fleet.json:5: unknown field "replica"',
      'fleet.json:6: replicas: expected a whole number from 0 to 64, got 99',
      'fleet.json:9: health.intervalSeconds: expected a whole number from 1 to 300, got 0',
      'fleet.json:11: command: required',
      'fleet.json:11: workHours: required',
      'fleet.json:11: instanceTypes: required'
    ])
  })
})

describe('files on disk', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synkti-workloads-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a file, naming it by the path given', async () => {
    const path = join(dir, 'fleet.yaml')
    await writeFile(path, EXAMPLE)
    expect(await loadWorkloadFile(path)).toEqual([SERVICE_OUT, JOB_OUT])
    await writeFile(
      path,
      'kind: service\nname: x\nmodel: m\ninstanceTypes: [g5.xlarge]\nreplica: 2\n'
    )
    expect(await readWorkloadFile(path)).toEqual({
      workloads: [],
      errors: [`${path}:5: unknown field "replica"`]
    })
  })

  it('loadWorkloadFile throws one WorkloadFileError carrying every line', async () => {
    const path = join(dir, 'bad.json')
    await writeFile(path, '{\n "kind": "service",\n "name": "X"\n}')
    const error = await loadWorkloadFile(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkloadFileError)
    expect((error as WorkloadFileError).messages).toEqual([
      `${path}:1: model: required`,
      `${path}:1: instanceTypes: required`,
      `${path}:3: name: expected a name of lowercase letters, digits and '-' (at most 40, starting and ending with a letter or digit), got "X"`
    ])
    expect((error as WorkloadFileError).message).toBe(
      (error as WorkloadFileError).messages.join('\n')
    )
  })

  it('refuses an oversized file before reading it, a missing file and non-UTF-8 bytes', async () => {
    const big = join(dir, 'big.yaml')
    await writeFile(big, Buffer.alloc(MAX_WORKLOAD_FILE_BYTES + 1, 0x20))
    expect((await readWorkloadFile(big)).errors).toEqual([
      `${big}: 1.0 MiB is over the 1 MiB limit of a workload file`
    ])
    const missing = join(dir, 'missing.yaml')
    expect((await readWorkloadFile(missing)).errors[0]).toMatch(
      new RegExp(`^${missing.replace(/[.]/g, '\\.')}: cannot read the file \\(.*ENOENT`)
    )
    const latin1 = join(dir, 'latin1.yaml')
    await writeFile(latin1, Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9, 0x0a]))
    expect((await readWorkloadFile(latin1)).errors).toEqual([`${latin1}: not UTF-8 text`])
  })
})
