import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { checkWorkload } from '@shared/workload'
import { EXAMPLE_SERVICE } from './model'
import {
  checkForm,
  commandText,
  emptyForm,
  formToInput,
  formToYaml,
  parseCommand,
  yamlToForm
} from './WorkloadForm.model'

describe('workload form model', () => {
  it('reads the example service and writes it back as the same workload', () => {
    const read = yamlToForm(EXAMPLE_SERVICE)
    expect(read.ok).toBe(true)
    if (!read.ok) return
    expect(read.state.service).toMatchObject({ name: 'llama', replicas: '2', standby: '1' })
    expect(parse(formToYaml(read.state))).toEqual(parse(EXAMPLE_SERVICE))
    expect(checkForm(read.state)).toEqual([])
  })

  it('keeps the keys the form has no input for, both ways', () => {
    const source = `kind: job
name: train
command: [python, "train model.py", --epochs, "3"]
workHours: 6
deadlineHours: 9
instanceTypes: [g5.xlarge]
image: ghcr.io/acme/train:1
env: { WANDB_MODE: offline }
checkpoint: { dir: /ckpt, stateGiB: 40, everyMinutes: 15 }
`
    const read = yamlToForm(source)
    if (!read.ok) throw new Error(read.reason)
    expect(read.state.job.command).toBe('python "train model.py" --epochs 3')
    expect(read.state.job.deadline).toBe('9')
    expect(read.state.extra).toMatchObject({ image: 'ghcr.io/acme/train:1' })
    read.state.job.workHours = '7'
    const back = parse(formToYaml(read.state))
    expect(back).toMatchObject({
      command: ['python', 'train model.py', '--epochs', '3'],
      workHours: 7,
      image: 'ghcr.io/acme/train:1',
      env: { WANDB_MODE: 'offline' },
      checkpoint: { dir: '/ckpt', stateGiB: 40, everyMinutes: 15 }
    })
    expect(checkWorkload(back).ok).toBe(true)
  })

  it("puts the CLI's problems at their fields, named by label", () => {
    const state = emptyForm()
    state.service.replicas = '2.5'
    state.service.name = 'Bad Name'
    const problems = checkForm(state)
    expect(problems.map((p) => [p.field, p.label])).toEqual([
      ['name', 'Name'],
      ['replicas', 'Replicas']
    ])
    expect(problems[1].message).toBe('expected a whole number from 0 to 64, got 2.5')
    state.kind = 'job'
    state.job.deadline = '3' // shorter than the 6 h of work
    expect(checkForm(state)).toEqual([
      {
        field: 'deadline',
        label: 'Deadline R',
        message: '3 hours is less than workHours (6): the job cannot finish in time'
      }
    ])
    state.job.deadline = ''
    expect(checkForm(state)[0]).toMatchObject({ field: 'deadline', label: 'Deadline R' })
    state.job.deadline = '2026-12-05T18:00:00Z'
    expect(formToInput(state)).toMatchObject({ deadline: '2026-12-05T18:00:00Z' })
    expect(checkForm(state)).toEqual([])
  })

  it('stays in YAML for what the form cannot show', () => {
    expect(yamlToForm(`${EXAMPLE_SERVICE}---\n${EXAMPLE_SERVICE}`)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('this file has 2')
    })
    expect(yamlToForm('kind: [').ok).toBe(false)
    expect(yamlToForm('kind: batch\n')).toMatchObject({ ok: false })
    expect(yamlToForm('kind: job\npolicy: magic\n')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('policy magic')
    })
  })

  it('reads a command line as argv and writes it back', () => {
    expect(parseCommand(`python "a b.py" 'it"s' x`)).toEqual(['python', 'a b.py', 'it"s', 'x'])
    expect(parseCommand('["python", "-c", "print(1)"]')).toEqual(['python', '-c', 'print(1)'])
    expect(commandText(['python', 'a b.py', 'say "hi"'])).toBe(`python "a b.py" 'say "hi"'`)
  })
})
