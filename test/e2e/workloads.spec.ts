// The Workloads view on the sandbox daemon (which starts with its demo service): apply a service from
// the YAML editor, see the server's validation at the line, and see the new service's card; and the
// Fleet table fits a 1280 px window with its actions in view.
import { expect, test } from '@playwright/test'
import { dismissToasts, openCockpit, SCREENSHOTS } from './helpers'

const SERVICE = `kind: service
name: e2e-chat
model: e2e/tiny-chat
replicas: 1
instanceTypes: [g5.xlarge]
`

test('apply a service from the editor and watch it on the Workloads view', async ({ page }) => {
  const errors = await openCockpit(page, 'workloads')
  const demo = page.locator('[data-workload="demo"]')
  await expect(demo).toBeVisible({ timeout: 30_000 })
  await expect(demo.locator('[data-test="ready"]')).toContainText('/ 3')
  await expect(page.locator('[data-test="mode"]')).toHaveText('SANDBOX ×360')

  await page.locator('[data-test="open-editor"]').click()
  const editor = page.locator('[data-test="workload-text"]')
  await expect(editor).toBeFocused()

  // a typo is refused with the line it is on
  await editor.fill(SERVICE.replace('replicas: 1', 'replica: 1'))
  await page.locator('[data-test="apply"]').click()
  const problem = page.locator('[data-test="problem"]').first()
  await expect(problem).toContainText('replica')
  await expect(problem.locator('button')).toHaveText('line 4')

  await editor.fill(SERVICE)
  await page.locator('[data-test="dry-run"]').click()
  await expect(page.locator('[data-test="preview"]')).toContainText('e2e-chat will be created')
  await page.locator('[data-test="apply"]').click()
  await expect(page.locator('[data-test="editor"]')).toHaveCount(0)

  const card = page.locator('[data-workload="e2e-chat"]')
  await expect(card).toBeVisible({ timeout: 15_000 })
  await expect(card.locator('[data-test="ready"]')).toHaveText('1 / 1', { timeout: 60_000 })
  await page.waitForTimeout(1_000)
  await dismissToasts(page)
  await page.screenshot({ path: `${SCREENSHOTS}/workloads.png` })
  // the refused typo is the one 400 the browser logs
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([])
})

test('Fleet fits 1280 px: no horizontal scroll, the actions column in view', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await openCockpit(page, 'fleet')
  const rows = page.locator('[data-test="fleet-table"] tbody tr')
  await expect(rows.first()).toBeVisible({ timeout: 30_000 })
  const overflow = await page.evaluate(() => {
    const wrap = document.querySelector('[data-test="fleet-table"]') as HTMLElement
    return {
      table: wrap.scrollWidth - wrap.clientWidth,
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth
    }
  })
  expect(overflow).toEqual({ table: 0, page: 0 })
  const actions = page.locator('[data-test="fleet-table"] thead th').last()
  await expect(actions).toHaveText('Actions')
  const box = await actions.boundingBox()
  expect(box).not.toBeNull()
  expect(box!.x + box!.width).toBeLessThanOrEqual(1280)
  await expect(rows.first().locator('[data-test="drain"]')).toBeInViewport()
  await dismissToasts(page)
  await page.screenshot({ path: `${SCREENSHOTS}/fleet-1280.png` })
})

test('a reclaim recovers on the Workloads view: the recovery count rises, ready comes back', async ({
  page
}) => {
  await openCockpit(page, 'workloads')
  const demo = page.locator('[data-workload="demo"]')
  const recoveries = demo.locator('[data-test="recoveries"]')
  await expect(recoveries).toBeVisible({ timeout: 30_000 })
  const before = Number.parseInt((await recoveries.textContent()) ?? '0', 10)
  // the sandbox reclaims a spot replica every few real seconds at ×360
  await expect
    .poll(async () => Number.parseInt((await recoveries.textContent()) ?? '0', 10), {
      timeout: 90_000
    })
    .toBeGreaterThan(before)
  await expect(demo.locator('[data-test="ready"]')).toHaveText('3 / 3', { timeout: 60_000 })
})
