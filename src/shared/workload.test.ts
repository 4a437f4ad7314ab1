import { describe, expect, it } from 'vitest'
import {
  checkWorkload,
  DEFAULT_VLLM_IMAGE,
  describeValue,
  pathText,
  problemText,
  type Workload
} from './workload'

const service = {
  kind: 'service',
  name: 'llama',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  instanceTypes: ['g5.xlarge', 'g6.xlarge']
}
const job = {
  kind: 'job',
  name: 'finetune',
  command: ['python', 'train.py', '--resume', '/ckpt'],
  workHours: 6,
  deadlineHours: 9,
  instanceTypes: ['g5.xlarge']
}

function valid(value: unknown): Workload {
  const checked = checkWorkload(value)
  if (!checked.ok) throw new Error(checked.problems.map(problemText).join('\n'))
  return checked.workload
}

/** every problem of an invalid workload, as the one-line texts a user sees */
function problems(value: unknown): string[] {
  const checked = checkWorkload(value)
  if (checked.ok) throw new Error(`unexpectedly valid: ${JSON.stringify(value)}`)
  return checked.problems.map(problemText)
}

describe('service workloads', () => {
  it('applies every default', () => {
    expect(valid(service)).toEqual({
      ...service,
      replicas: 1,
      standby: 0,
      overProvision: 0,
      market: 'spot-with-fallback',
      rebalance: 'wait',
      image: DEFAULT_VLLM_IMAGE,
      port: 8000,
      args: [],
      env: {},
      health: { readyTimeoutSeconds: 1800, intervalSeconds: 10, failureThreshold: 3 },
      router: 'builtin'
    })
    expect(DEFAULT_VLLM_IMAGE).toBe('vllm/vllm-openai:v0.12.0')
  })

  it('keeps every field a user gives', () => {
    const full = {
      ...service,
      replicas: 2,
      standby: 1,
      overProvision: 1,
      market: 'spot-with-fallback',
      rebalance: 'replace',
      maxOnDemandShare: 0.5,
      budgetPerHour: 3,
      zones: ['us-east-1a', 'us-east-1b'],
      image: 'ghcr.io/acme/vllm-openai:v0.12.0-cu128',
      port: 8080,
      args: ['--max-model-len', '8192', '--gpu-memory-utilization=0.9'],
      env: { HF_HOME: '/models', VLLM_LOGGING_LEVEL: 'INFO' },
      health: { readyTimeoutSeconds: 600, intervalSeconds: 5, failureThreshold: 2 },
      router: {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/llama/0123456789abcdef'
      }
    }
    expect(valid(full)).toEqual(full)
    expect(problems({ ...service, router: 'alb' })).toEqual([
      'router: expected builtin, or { targetGroupArn: <an ELBv2 target group ARN> }, got "alb"'
    ])
    expect(problems({ ...service, router: { targetGroupArn: 'tg-1' } })[0]).toMatch(
      /^router\.targetGroupArn: expected an ELBv2 target group ARN like arn:aws:elasticloadbalancing:/
    )
    // a partial health block gets the other defaults
    expect(valid({ ...service, health: { intervalSeconds: 30 } })).toMatchObject({
      health: { readyTimeoutSeconds: 1800, intervalSeconds: 30, failureThreshold: 3 }
    })
  })

  it('rejects unknown fields, at any depth, one problem per field', () => {
    expect(problems({ ...service, replica: 2, gpu: 'a10g', health: { path: '/ready' } })).toEqual([
      'health: unknown field "path"',
      'unknown field "replica"',
      'unknown field "gpu"'
    ])
    const checked = checkWorkload({ ...service, replica: 2 })
    expect(checked.ok ? [] : checked.problems).toEqual([
      { path: ['replica'], message: 'unknown field "replica"', unknownField: true }
    ])
  })

  it('bounds every number with one message naming the range and the value', () => {
    expect(problems({ ...service, replicas: 2.5 })).toEqual([
      'replicas: expected a whole number from 0 to 64, got 2.5'
    ])
    expect(problems({ ...service, replicas: 65 })).toEqual([
      'replicas: expected a whole number from 0 to 64, got 65'
    ])
    expect(problems({ ...service, replicas: '2' })).toEqual([
      'replicas: expected a whole number from 0 to 64, got "2"'
    ])
    expect(problems({ ...service, standby: 17 })).toEqual([
      'standby: expected a whole number from 0 to 16, got 17'
    ])
    expect(problems({ ...service, rebalance: 'now' })).toEqual([
      'rebalance: expected one of wait, replace, got "now"'
    ])
    expect(problems({ ...service, overProvision: -1 })).toEqual([
      'overProvision: expected a whole number from 0 to 16, got -1'
    ])
    expect(problems({ ...service, port: 0 })).toEqual([
      'port: expected a whole number from 1 to 65535, got 0'
    ])
    expect(problems({ ...service, diskGiB: 4 })).toEqual([
      'diskGiB: expected a whole number from 8 to 16384, got 4'
    ])
    expect(checkWorkload({ ...service, diskGiB: 300 })).toMatchObject({
      ok: true,
      workload: { diskGiB: 300 }
    })
    expect(problems({ ...service, budgetPerHour: Infinity })).toEqual([
      'budgetPerHour: expected a number of dollars per hour from 0 to 100000, got Infinity'
    ])
    expect(problems({ ...service, budgetPerHour: -1 })).toEqual([
      'budgetPerHour: expected a number of dollars per hour from 0 to 100000, got -1'
    ])
    expect(problems({ ...service, maxOnDemandShare: 1.5 })).toEqual([
      'maxOnDemandShare: expected a share of the replicas from 0 to 1, got 1.5'
    ])
    expect(problems({ ...service, health: { readyTimeoutSeconds: 5 } })).toEqual([
      'health.readyTimeoutSeconds: expected a whole number from 10 to 7200, got 5'
    ])
  })

  it('names: DNS-label style, at most 40 characters', () => {
    const rule =
      "expected a name of lowercase letters, digits and '-' (at most 40, starting and ending with a letter or digit)"
    expect(valid({ ...service, name: 'a' })).toMatchObject({ name: 'a' })
    expect(valid({ ...service, name: `l${'-a'.repeat(19)}9` }).name).toHaveLength(40)
    expect(problems({ ...service, name: 'Llama' })).toEqual([`name: ${rule}, got "Llama"`])
    expect(problems({ ...service, name: '-llama' })).toEqual([`name: ${rule}, got "-llama"`])
    expect(problems({ ...service, name: 'llama-' })).toEqual([`name: ${rule}, got "llama-"`])
    expect(problems({ ...service, name: 'a'.repeat(41) })).toEqual([
      `name: ${rule}, got "${'a'.repeat(40)}..."`
    ])
    expect(problems({ ...service, name: '' })).toEqual([`name: ${rule}, got ""`])
  })

  it('lists: instance types and zones non-empty, bounded and distinct', () => {
    expect(problems({ ...service, instanceTypes: [] })).toEqual([
      'instanceTypes: expected a list of 1 to 16 instance types, got an empty list'
    ])
    expect(problems({ ...service, instanceTypes: 'g5.xlarge' })).toEqual([
      'instanceTypes: expected a list of 1 to 16 instance types, got "g5.xlarge"'
    ])
    expect(problems({ ...service, instanceTypes: ['g5.xlarge', 'G6'] })).toEqual([
      'instanceTypes[1]: expected an instance type name like g5.xlarge, got "G6"'
    ])
    expect(problems({ ...service, instanceTypes: ['g5.xlarge', 'g5.xlarge'] })).toEqual([
      'instanceTypes[1]: "g5.xlarge" is listed twice'
    ])
    expect(problems({ ...service, zones: [] })).toEqual([
      'zones: expected a list of 1 to 16 zones, got an empty list'
    ])
    expect(
      problems({ ...service, instanceTypes: Array.from({ length: 17 }, (_, i) => `t${i}.large`) })
    ).toEqual(['instanceTypes: expected a list of 1 to 16 instance types, got a list of 17'])
  })

  it('market is one of three; maxOnDemandShare only under spot-with-fallback', () => {
    expect(problems({ ...service, market: 'cheap' })).toEqual([
      'market: expected one of spot, ondemand, spot-with-fallback, got "cheap"'
    ])
    expect(problems({ ...service, market: 'spot', maxOnDemandShare: 0.5 })).toEqual([
      'maxOnDemandShare: only applies to market: spot-with-fallback (market is spot)'
    ])
    expect(valid({ ...service, market: 'ondemand' })).toMatchObject({ market: 'ondemand' })
  })

  it('args: vLLM flags the controller owns are refused', () => {
    expect(problems({ ...service, args: ['--max-model-len', '4096', '--port=9000'] })).toEqual([
      'args[2]: "--port" is set by Synkti from the workload (use port)'
    ])
    expect(problems({ ...service, args: ['--model', 'x'] })).toEqual([
      'args[0]: "--model" is set by Synkti from the workload (use model)'
    ])
    expect(problems({ ...service, args: [''] })).toEqual([
      'args[0]: expected text of 1 to 1024 characters, got ""'
    ])
  })

  it('env: names, text values and a bound on entries', () => {
    expect(problems({ ...service, env: { WORKERS: 4 } })).toEqual([
      'env.WORKERS: expected text (quote numbers and booleans, e.g. "1"), got 4'
    ])
    expect(problems({ ...service, env: { 'MY VAR': 'x' } })).toEqual([
      'env["MY VAR"]: expected a variable name of letters, digits and _ (not starting with a digit), got "MY VAR"'
    ])
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, 'x']))
    expect(problems({ ...service, env: many })).toEqual([
      'env: expected at most 64 variables, got 65'
    ])
    expect(problems({ ...service, env: ['A=1'] })).toEqual([
      'env: expected a map of variable names to text, got a list of 1'
    ])
  })

  it('image and model are checked for form', () => {
    expect(valid({ ...service, image: 'localhost:5000/vllm' })).toMatchObject({
      image: 'localhost:5000/vllm'
    })
    expect(valid({ ...service, image: `vllm/vllm-openai@sha256:${'a'.repeat(64)}` }).kind).toBe(
      'service'
    )
    expect(problems({ ...service, image: 'vllm openai' })).toEqual([
      'image: expected a container image like vllm/vllm-openai:v0.12.0 (registry/path:tag, lowercase path), got "vllm openai"'
    ])
    expect(problems({ ...service, model: 'a "quoted" name' })).toEqual([
      'model: expected a model id like meta-llama/Llama-3.1-8B-Instruct (no spaces or quotes), got "a \\"quoted\\" name"'
    ])
  })

  it('names every missing required field', () => {
    expect(problems({ kind: 'service' })).toEqual([
      'name: required',
      'model: required',
      'instanceTypes: required'
    ])
  })
})

describe('job workloads', () => {
  it('applies every default', () => {
    expect(valid(job)).toEqual({
      ...job,
      changeoverHours: 0.1,
      policy: 'uniform-progress',
      env: {}
    })
    expect(valid({ ...job, checkpoint: { dir: '/ckpt', stateGiB: 20 } })).toMatchObject({
      checkpoint: { dir: '/ckpt', stateGiB: 20, everyMinutes: 30 }
    })
  })

  it('takes the issue example as written', () => {
    const example = {
      kind: 'job',
      name: 'finetune',
      command: ['python', 'train.py', '--resume', '/ckpt'],
      workHours: 6,
      deadline: '2026-12-05T18:00:00Z',
      changeoverHours: 0.2,
      checkpoint: { dir: '/ckpt', stateGiB: 20, everyMinutes: 30 },
      policy: 'uniform-progress',
      instanceTypes: ['g5.xlarge'],
      image: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      zones: ['us-east-1a'],
      env: { WANDB_MODE: 'offline' }
    }
    expect(valid(example)).toEqual(example)
    expect(valid({ ...example, deadline: '2026-12-05T20:00:00+02:00' })).toMatchObject({
      deadline: '2026-12-05T20:00:00+02:00'
    })
  })

  it('deadline or deadlineHours: one of them, never both, never neither', () => {
    expect(problems({ ...job, deadline: '2026-12-05T18:00:00Z' })).toEqual([
      'deadlineHours: give deadline or deadlineHours, not both'
    ])
    const { deadlineHours: _left, ...neither } = job
    expect(problems(neither)).toEqual([
      'a job needs deadline (an ISO time) or deadlineHours (hours from submission); neither is given'
    ])
    expect(problems({ ...job, deadlineHours: 5 })).toEqual([
      'deadlineHours: 5 hours is less than workHours (6): the job cannot finish in time'
    ])
  })

  it('a deadline is an ISO date and time with a zone', () => {
    const rule = 'expected an ISO 8601 date and time with a zone, like 2026-12-05T18:00:00Z'
    const { deadlineHours: _left, ...base } = job
    expect(problems({ ...base, deadline: '2026-12-05' })).toEqual([
      `deadline: ${rule}, got "2026-12-05"`
    ])
    expect(problems({ ...base, deadline: '2026-12-05T18:00:00' })).toEqual([
      `deadline: ${rule}, got "2026-12-05T18:00:00"`
    ])
    expect(problems({ ...base, deadline: '2026-02-30T18:00:00Z' })).toEqual([
      `deadline: ${rule}, got "2026-02-30T18:00:00Z"`
    ])
    expect(problems({ ...base, deadline: 1764957600 })).toEqual([
      `deadline: ${rule}, got 1764957600`
    ])
  })

  it('takes an SSM parameter name for the Hugging Face token, never the token', () => {
    expect(valid({ ...service, hfTokenParameter: '/synkti/hf-token' })).toMatchObject({
      hfTokenParameter: '/synkti/hf-token'
    })
    expect(valid({ ...job, hfTokenParameter: '/synkti/lab/hf_token.v2' })).toMatchObject({
      hfTokenParameter: '/synkti/lab/hf_token.v2'
    })
    expect(problems({ ...service, hfTokenParameter: '/x $(id)' })).toEqual([
      'hfTokenParameter: expected an SSM parameter name like /synkti/hf-token (letters, digits and . _ - /), got "/x $(id)"'
    ])
    expect(problems({ ...job, hfTokenParameter: '/team/hf-token' })).toEqual([
      "hfTokenParameter: must be under /synkti/, the only SSM path the instances' role may read (e.g. /synkti/hf-token)"
    ])
    expect(problems({ ...job, hfTokenParameter: '' })).toHaveLength(1)
    expect(problems({ ...job, hfTokenParameter: '/a'.repeat(1025) })).toHaveLength(1)
  })

  it('bounds hours, the command and the checkpoint', () => {
    expect(problems({ ...job, workHours: 0 })).toEqual([
      'workHours: expected a number of hours above 0 and at most 10000, got 0'
    ])
    expect(problems({ ...job, workHours: 10_001, deadlineHours: 20_000 })).toEqual([
      'workHours: expected a number of hours above 0 and at most 10000, got 10001'
    ])
    expect(problems({ ...job, changeoverHours: 25 })).toEqual([
      'changeoverHours: expected a number of hours from 0 to 24, got 25'
    ])
    expect(problems({ ...job, command: 'python train.py' })).toEqual([
      'command: expected a list of 1 to 64 arguments (argv, e.g. ["python", "train.py"]), got "python train.py"'
    ])
    expect(problems({ ...job, command: ['python', 3] })).toEqual([
      'command[1]: expected text of 1 to 4096 characters, got 3'
    ])
    expect(problems({ ...job, checkpoint: { dir: 'ckpt', stateGiB: 20 } })).toEqual([
      'checkpoint.dir: expected an absolute path like /ckpt (no .., no : or , or control characters), got "ckpt"'
    ])
    expect(problems({ ...job, checkpoint: { dir: '/a/../etc', stateGiB: 20 } })).toEqual([
      'checkpoint.dir: expected an absolute path like /ckpt (no .., no : or , or control characters), got "/a/../etc"'
    ])
    // docker's bind-mount syntax splits at ':' and ','; a newline is a pasted mistake
    for (const dir of ['/ckpt:/etc', '/a,b', '/a\nb'])
      expect(problems({ ...job, checkpoint: { dir, stateGiB: 20 } })).toHaveLength(1)
    // shell-significant characters are only data (the boot script quotes them)
    expect(valid({ ...job, checkpoint: { dir: "/ckpt/$(id) 'x'", stateGiB: 20 } }).kind).toBe('job')
    expect(
      problems({ ...job, checkpoint: { dir: '/ckpt', stateGiB: 20, everyMinutes: 0 } })
    ).toEqual([
      'checkpoint.everyMinutes: expected a number of minutes above 0 and at most 1440, got 0'
    ])
    expect(problems({ ...job, checkpoint: { dir: '/ckpt' } })).toEqual([
      'checkpoint.stateGiB: required'
    ])
    expect(problems({ ...job, checkpoint: '/ckpt' })).toEqual([
      'checkpoint: expected a map of dir, stateGiB and everyMinutes, got "/ckpt"'
    ])
  })

  it('policy is one of the four job policies', () => {
    expect(valid({ ...job, policy: 'greedy' })).toMatchObject({ policy: 'greedy' })
    expect(problems({ ...job, policy: 'spot-or-ondemand' })).toEqual([
      'policy: expected one of greedy, uniform-progress, ondemand, fallback, got "spot-or-ondemand"'
    ])
  })

  it('fields of the other kind are unknown fields', () => {
    expect(problems({ ...job, replicas: 2, maxOnDemandShare: 0.5 })).toEqual([
      'unknown field "replicas"',
      'unknown field "maxOnDemandShare"'
    ])
  })
})

describe('the kind and the shape', () => {
  it('kind is required and is service or job', () => {
    expect(problems({ name: 'x' })).toEqual(['kind: required (service or job)'])
    expect(problems({ ...service, kind: 'Service' })).toEqual([
      'kind: expected service or job, got "Service"'
    ])
    expect(problems([service])).toEqual([
      'expected a workload (a map with kind: service or kind: job), got a list of 1'
    ])
    expect(problems('llama')).toEqual([
      'expected a workload (a map with kind: service or kind: job), got "llama"'
    ])
  })

  it('describes values and paths as a user writes them', () => {
    expect(describeValue({ a: 1 })).toBe('a map')
    expect(describeValue(null)).toBe('null')
    expect(describeValue(true)).toBe('true')
    expect(pathText(['checkpoint', 'stateGiB'])).toBe('checkpoint.stateGiB')
    expect(pathText(['command', 0])).toBe('command[0]')
    expect(pathText([2, 'name'])).toBe('[2].name')
    expect(pathText(['env', 'A B'])).toBe('env["A B"]')
  })
})
