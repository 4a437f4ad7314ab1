// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { parse } from 'yaml'
import { EXAMPLE_SERVICE } from './model'
import WorkloadForm, { type EditorMode } from './WorkloadForm.vue'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
})

function mountForm(initial = EXAMPLE_SERVICE) {
  const text = ref(initial)
  const mode = ref<EditorMode>('yaml')
  let edits = 0
  const Host = defineComponent({
    setup: () => () =>
      h(WorkloadForm, {
        text: text.value,
        'onUpdate:text': (t: string) => (text.value = t),
        mode: mode.value,
        'onUpdate:mode': (m: EditorMode) => (mode.value = m),
        onEdited: () => edits++
      })
  })
  wrapper = mount(Host, { attachTo: document.body })
  return { w: wrapper, text, mode, edits: () => edits }
}

const errorAt = (w: VueWrapper, name: string): string | undefined => {
  const field = w.find(`[name="${name}"]`).element.closest('.field')
  return field?.querySelector('[data-test="form-error"]')?.textContent?.trim()
}

describe('WorkloadForm', () => {
  it('reads the YAML into the form, writes every edit back, and keeps it when switching', async () => {
    const { w, text, mode, edits } = mountForm()
    expect(w.find('[name="service.name"]').exists()).toBe(false)
    await w.find('[data-editor-mode="form"]').trigger('click')
    expect(mode.value).toBe('form')
    expect((w.find('[name="service.name"]').element as HTMLInputElement).value).toBe('llama')
    await w.find('[name="service.replicas"]').setValue('4')
    await w.find('[name="service.market"]').setValue('spot')
    expect(parse(text.value)).toMatchObject({ kind: 'service', replicas: 4, market: 'spot' })
    expect(edits()).toBeGreaterThan(0)
    await w.find('[data-editor-mode="yaml"]').trigger('click')
    text.value = text.value.replace('replicas: 4', 'replicas: 5')
    await w.find('[data-editor-mode="form"]').trigger('click')
    expect((w.find('[name="service.replicas"]').element as HTMLInputElement).value).toBe('5')
  })

  it("shows the CLI's problems at the field, and a job's fields", async () => {
    const { w, text } = mountForm()
    await w.find('[data-editor-mode="form"]').trigger('click')
    await w.find('[name="service.standby"]').setValue('-1')
    expect(errorAt(w, 'service.standby')).toBe('expected a whole number from 0 to 16, got -1')
    expect(w.find('[name="service.standby"]').attributes('aria-invalid')).toBe('true')
    expect(w.find('[data-test="form-summary"]').text()).toContain('Standby')
    await w.find('[data-test="form-kind-job"]').setValue(true)
    await w.find('[name="job.name"]').setValue('nightly')
    await w.find('[name="job.command"]').setValue('python train.py --epochs 3')
    await w.find('[name="job.workHours"]').setValue('6')
    await w.find('[name="job.deadline"]').setValue('4')
    expect(errorAt(w, 'job.deadline')).toBe(
      '4 hours is less than workHours (6): the job cannot finish in time'
    )
    await w.find('[name="job.deadline"]').setValue('8')
    await w.find('[name="job.policy"]').setValue('greedy')
    expect(w.findAll('[data-test="form-error"]')).toHaveLength(0)
    expect(parse(text.value)).toMatchObject({
      kind: 'job',
      name: 'nightly',
      command: ['python', 'train.py', '--epochs', '3'],
      workHours: 6,
      deadlineHours: 8,
      policy: 'greedy'
    })
  })

  it('stays in YAML, saying why, for a file the form cannot show', async () => {
    const { w, mode } = mountForm(`${EXAMPLE_SERVICE}---\n${EXAMPLE_SERVICE}`)
    await w.find('[data-editor-mode="form"]').trigger('click')
    expect(mode.value).toBe('yaml')
    expect(w.find('[data-test="form-read-error"]').text()).toContain('this file has 2')
  })
})
