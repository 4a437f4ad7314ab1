// Settings refuse bad input with a visible message and do not save it.
import { expect, test } from '@playwright/test'
import { E2E_TOKEN } from '../../playwright.config'
import { openCockpit } from './helpers'

test('settings reject bad input with a visible message', async ({ page }) => {
  const errors = await openCockpit(page, 'settings')
  const regions = page.locator('input[name="aws.regions"]')
  await expect(regions).toBeVisible()
  await regions.fill('us-east-1, moon-1')
  await expect(
    page
      .locator('[data-test="field-error"]')
      .filter({ hasText: /region/i })
      .first()
  ).toBeVisible()
  await expect(regions).toHaveAttribute('aria-invalid', 'true')
  await expect(page.locator('[data-test="save"]')).toBeDisabled()
  const budget = page.locator('input[name="budgetPerHour"]')
  await budget.fill('-3')
  await expect(
    page
      .locator('[data-test="field-error"]')
      .filter({ hasText: /budget/i })
      .first()
  ).toBeVisible()
  // nothing reached the engine
  const saved = await page.request.post('/api/rpc/getSettings', {
    headers: { authorization: `Bearer ${E2E_TOKEN}` },
    data: {}
  })
  expect((await saved.json()).result.aws.regions).toEqual(['us-east-1'])
  // and the engine refuses the same payload on its own, whatever the client
  const refused = await page.request.post('/api/rpc/updateSettings', {
    headers: { authorization: `Bearer ${E2E_TOKEN}` },
    data: { settings: { ...(await saved.json()).result, budgetPerHour: -3 } }
  })
  expect(refused.status()).toBe(400)
  expect(errors).toEqual([])
})
