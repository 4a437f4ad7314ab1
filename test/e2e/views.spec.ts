// Every view loads on the sandbox daemon without console errors; a screenshot of each is kept (the
// README shows them).
import { expect, test } from '@playwright/test'
import { dismissToasts, openCockpit, SCREENSHOTS, VIEWS } from './helpers'

const TITLES: Record<(typeof VIEWS)[number], RegExp> = {
  workloads: /Workloads/,
  fleet: /Fleet/,
  timeline: /Timeline/,
  costs: /Costs/,
  whatif: /What-if/,
  replay: /Replay/,
  settings: /Settings/
}

test('every view loads without console errors, and each is photographed', async ({ page }) => {
  const errors = await openCockpit(page, 'fleet')
  // let the sandbox fleet come up and run for a while so the views have something to show
  await expect(page.locator('[data-test="fleet-table"] tbody tr')).toHaveCount(4, {
    timeout: 30_000
  })
  await page.waitForTimeout(20_000)
  for (const view of VIEWS) {
    await page.locator('nav').getByRole('link', { name: TITLES[view] }).first().click()
    await expect(page).toHaveURL(new RegExp(`#/${view}`))
    await expect(page.locator('main h1, main h2').first()).toContainText(TITLES[view])
    if (view === 'timeline') await page.getByRole('button', { name: 'All data' }).click()
    if (view === 'whatif') {
      // show a finished comparison rather than an empty form
      await page.locator('[data-test="whatif-form"] input[name="runs"]').fill('20')
      await page.locator('[data-test="run"]').click()
      await expect(page.locator('[data-test="results"]')).toBeVisible({ timeout: 60_000 })
    }
    await page.waitForTimeout(1_500)
    await dismissToasts(page)
    await page.screenshot({ path: `${SCREENSHOTS}/${view}.png` })
  }
  expect(errors).toEqual([])
})

test('the keyboard reaches every view and the theme toggle', async ({ page }) => {
  await openCockpit(page)
  await page.locator('nav').getByRole('link', { name: /Fleet/ }).first().focus()
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/#\/timeline/)
  await page.locator('[data-test="theme-toggle"]').focus()
  await page.keyboard.press('Enter')
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.locator('nav').getByRole('link', { name: /Fleet/ }).first().click()
  await dismissToasts(page)
  await page.screenshot({ path: `${SCREENSHOTS}/fleet-dark.png` })
})
