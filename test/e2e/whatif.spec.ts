// A what-if run from the cockpit completes on the daemon and its charts actually paint.
import { expect, test } from '@playwright/test'
import { openCockpit, paintedPixels } from './helpers'

test('a what-if run completes and its charts paint', async ({ page }) => {
  const errors = await openCockpit(page, 'whatif')
  const form = page.locator('[data-test="whatif-form"]')
  await expect(form).toBeVisible()
  await form.locator('input[name="runs"]').fill('8')
  await expect(page.locator('[data-test="run"]')).toBeEnabled()
  await page.locator('[data-test="run"]').click()
  await expect(page.locator('[data-test="results"]')).toBeVisible({ timeout: 60_000 })
  // every policy is in the metrics table, with a mean and its 95% interval
  const table = page.locator('[data-test="metrics-table"]')
  for (const policy of ['greedy', 'fallback', 'ondemand']) await expect(table).toContainText(policy)
  await expect(table).toContainText(/\[[-\d.,$]+, [-\d.,$]+\]/)
  // the charts drew: their canvases hold painted pixels
  for (const chart of ['cost-chart', 'hours-chart', 'completion-chart', 'sim-timeline-chart']) {
    await expect
      .poll(() => paintedPixels(page, `[data-test="${chart}"]`), { timeout: 15_000 })
      .toBeGreaterThan(500)
  }
  // the run was saved to history
  await expect(page.locator('[data-test="saved-runs"]')).not.toContainText('No saved runs')
  expect(errors).toEqual([])
})

test('the what-if form rejects bad input next to the field and will not run', async ({ page }) => {
  await openCockpit(page, 'whatif')
  const duration = page.locator('[data-test="whatif-form"] input[name="durationHours"]')
  await duration.fill('-5')
  await expect(page.locator('[data-test="field-error"]').first()).toBeVisible()
  await expect(page.locator('[data-test="field-error"]').first()).toContainText(/duration/i)
  await expect(page.locator('[data-test="run"]')).toBeDisabled()
})
