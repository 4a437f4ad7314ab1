// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { DEFAULT_SETTINGS, type Settings } from '@shared/api'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { fakeClient, flush, type FakeClient } from '../../../../test/support/renderer/fake-client'
import SettingsView from './SettingsView.vue'

let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

async function mountSettings(): Promise<VueWrapper> {
  wrapper = mount(SettingsView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

function field(w: VueWrapper, name: string) {
  return w.find(`[data-field="${name}"]`)
}

describe('SettingsView', () => {
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
  })

  it('loads the settings into inputs named by their settings path, labelled', async () => {
    const w = await mountSettings()
    expect(w.find('h1').text()).toBe('Settings')
    expect(client.getSettings).toHaveBeenCalledWith({})
    const regions = w.find('input[name="aws.regions"]')
    expect((regions.element as HTMLInputElement).value).toBe('us-east-1')
    expect((w.find('input[name="budgetPerHour"]').element as HTMLInputElement).value).toBe('0')
    expect(
      (w.find('input[name="mode"][value="sandbox"]').element as HTMLInputElement).checked
    ).toBe(true)
    const id = regions.attributes('id')!
    expect(w.find(`label[for="${id}"]`).text()).toContain('Regions')
    for (const name of [
      'aws.profile',
      'aws.fleetTag',
      'aws.sqsQueueUrl',
      'aws.imageId',
      'aws.securityGroupIds',
      'aws.keyName',
      'aws.instanceProfileName',
      'fleet.instanceType',
      'fleet.model',
      'fleet.cockpitUrl',
      'sandbox.speed',
      'sandbox.tracePath',
      'pollIntervalSeconds',
      'drainMarginSeconds'
    ]) {
      expect(w.find(`input[name="${name}"]`).exists(), name).toBe(true)
    }
    expect(w.find('[data-test="field-error"]').exists()).toBe(false)
    expect(w.find('[data-test="save"]').attributes('disabled')).toBeUndefined()
    expect(w.text()).toContain('takes effect when the app or daemon restarts')
    expect(w.find('[data-test="agent-install"]').text()).toContain(
      'npx synkti agent --cockpit-url http://<cockpit>:<port> --token <token>'
    )
  })

  it('rejects a bad region next to the regions field and does not save', async () => {
    const w = await mountSettings()
    const regions = w.find('input[name="aws.regions"]')
    await regions.setValue('us-east-1, moon-1')
    const errors = field(w, 'aws.regions').findAll('[data-test="field-error"]')
    expect(errors).toHaveLength(1)
    expect(errors[0].text()).toBe('region must look like us-east-1')
    expect(regions.attributes('aria-invalid')).toBe('true')
    expect(w.find('[data-test="error-summary"]').text()).toContain('Regions')
    const save = w.find('[data-test="save"]')
    expect(save.attributes('disabled')).toBeDefined()
    await w.find('form').trigger('submit')
    await flush()
    expect(client.updateSettings).not.toHaveBeenCalled()
    await regions.setValue('us-east-1, eu-west-1')
    expect(field(w, 'aws.regions').find('[data-test="field-error"]').exists()).toBe(false)
    expect(regions.attributes('aria-invalid')).toBe('false')
  })

  it('shows an error for a negative budget', async () => {
    const w = await mountSettings()
    const budget = w.find('input[name="budgetPerHour"]')
    await budget.setValue('-1')
    expect(field(w, 'budgetPerHour').find('[data-test="field-error"]').text()).toContain(
      'budget cap must be >= 0'
    )
    expect(budget.attributes('aria-invalid')).toBe('true')
    expect(w.find('[data-test="save"]').attributes('disabled')).toBeDefined()
  })

  it('saves a valid change with the full settings and confirms', async () => {
    const w = await mountSettings()
    await w.find('input[name="aws.regions"]').setValue('us-east-1, eu-west-1')
    await w.find('input[name="budgetPerHour"]').setValue('12.5')
    await w.find('input[name="mode"][value="aws"]').setValue(true)
    const expected: Settings = {
      ...DEFAULT_SETTINGS,
      mode: 'aws',
      aws: { ...DEFAULT_SETTINGS.aws, regions: ['us-east-1', 'eu-west-1'] },
      budgetPerHour: 12.5
    }
    client.updateSettings.mockResolvedValueOnce(expected)
    await w.find('[data-test="save"]').trigger('click')
    await flush()
    expect(client.updateSettings).toHaveBeenCalledTimes(1)
    expect(client.updateSettings).toHaveBeenCalledWith({ settings: expected })
    expect(w.find('[data-test="saved"]').exists()).toBe(true)
    expect(w.find('[data-test="restart-note"]').text()).toContain('AWS')
  })

  it("shows the engine's message when it refuses the settings", async () => {
    const w = await mountSettings()
    await w.find('input[name="drainMarginSeconds"]').setValue('3')
    client.updateSettings.mockRejectedValueOnce(
      new ClientError('bad-request', 'aws.profile: no such profile')
    )
    await w.find('[data-test="save"]').trigger('click')
    await flush()
    expect(w.find('[data-test="save-error"]').text()).toContain('aws.profile: no such profile')
    expect(w.find('[data-test="saved"]').exists()).toBe(false)
  })

  it('shows the credential check: ok in green, errors in red', async () => {
    const w = await mountSettings()
    client.checkCredentials.mockResolvedValueOnce({
      ok: true,
      message: 'arn:aws:iam::123456789012:user/ops'
    })
    await w.find('[data-test="check-credentials"]').trigger('click')
    await flush()
    expect(client.checkCredentials).toHaveBeenCalledWith({})
    let result = w.find('[data-test="credential-result"]')
    expect(result.text()).toContain('arn:aws:iam::123456789012:user/ops')
    expect(result.attributes('data-ok')).toBe('true')
    expect(result.classes()).toContain('settings-view__credentials--ok')

    client.checkCredentials.mockResolvedValueOnce({
      ok: false,
      message: 'The security token included in the request is expired'
    })
    await w.find('[data-test="check-credentials"]').trigger('click')
    await flush()
    result = w.find('[data-test="credential-result"]')
    expect(result.text()).toContain('expired')
    expect(result.attributes('data-ok')).toBe('false')
    expect(result.classes()).toContain('settings-view__credentials--error')

    client.checkCredentials.mockRejectedValueOnce(new ClientError('failed', 'daemon unreachable'))
    await w.find('[data-test="check-credentials"]').trigger('click')
    await flush()
    expect(w.find('[data-test="credential-result"]').text()).toContain('daemon unreachable')
  })
})
