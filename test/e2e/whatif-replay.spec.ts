// The paths into What-if on the sandbox daemon: Replay's "What-if on this window" (the duration
// follows the window, is checked against it before running, errors in the form's words) and a
// Workloads card's "Simulate"; and a job applied through the workload form rather than YAML.
import { expect, test, type Page } from '@playwright/test'
import { openCockpit, SCREENSHOTS } from './helpers'

/** Closes the toasts over the view; one that goes by itself meanwhile is not waited for. */
async function dismissToasts(page: Page): Promise<void> {
  for (const close of await page.locator('[data-test="toast"] button[aria-label="Dismiss"]').all())
    await close.click({ timeout: 2_000 }).catch(() => undefined)
}

/** "2026-12-01T14:05" in local time, as the Replay window's inputs take it. */
function localMinute(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

test('Replay -> What-if on this window: the duration follows the window and is checked', async ({
  page
}) => {
  test.setTimeout(240_000) // it waits for the next whole minute for its window
  const errors = await openCockpit(page, 'replay')
  await expect(page.locator('[data-test="engine-message"]')).toContainText(/[1-9]\d* instances/, {
    timeout: 30_000
  })
  // The export samples the fleet at the window's start and every 5 minutes after: a window that
  // starts at the next whole minute, once the sandbox fleet runs, holds spot capacity.
  const from = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000
  await page.waitForTimeout(from - Date.now() + 2_000)
  await page.locator('[data-test="replay-from"]').fill(localMinute(from))
  await page.locator('[data-test="replay-to"]').fill(localMinute(from + 2 * 60_000))
  await page.locator('[data-test="replay-load"]').click()
  const player = page.locator('[data-test="player"]')
  await expect(player).toBeVisible({ timeout: 20_000 })

  // the step buttons draw their icons (they used to be empty boxes)
  for (const id of ['step-back', 'play', 'step']) {
    const icon = page.locator(`[data-test="${id}"] svg`)
    await expect(icon).toBeVisible()
    const box = await icon.boundingBox()
    expect(box?.width ?? 0).toBeGreaterThan(8)
  }
  // playback speed is one radio group: one tab stop, arrows move the choice
  const speeds = page.getByRole('radiogroup', { name: 'Playback speed' })
  await speeds.getByRole('radio', { checked: true }).focus()
  await page.keyboard.press('ArrowRight')
  await expect(speeds.getByRole('radio', { checked: true })).toHaveText('600×')
  await expect(speeds.locator('[tabindex="0"]')).toHaveCount(1)

  await dismissToasts(page)
  await page.screenshot({ path: `${SCREENSHOTS}/replay.png` })
  await page.locator('[data-test="whatif"]').click()
  await expect(page).toHaveURL(/#\/whatif/)
  await expect(page.locator('[data-test="replay-window"]')).toContainText('Selected source', {
    timeout: 20_000
  })
  const form = page.locator('[data-test="whatif-form"]')
  const duration = form.locator('input[name="durationHours"]')
  await expect(duration).toHaveValue('0.03') // the 2-minute window, in hours

  // longer than the window: refused at the field, in the form's words, before anything runs
  await duration.fill('48')
  const fieldError = duration.locator('xpath=ancestor::div[contains(@class,"field")][1]')
  await expect(fieldError.locator('[data-test="field-error"]')).toHaveText(
    'Duration (h) is longer than the trace (0.03 h): at most 0.03'
  )
  await expect(page.locator('[data-test="run"]')).toBeDisabled()
  await expect(page.locator('[data-test="error-summary"]')).toContainText('Duration (h):')
  await expect(page.locator('main')).not.toContainText('--duration')
  await expect(page.locator('main')).not.toContainText('durationHours')

  await duration.fill('0.03')
  await form.locator('input[name="runs"]').fill('4')
  await expect(page.locator('[data-test="run"]')).toBeEnabled()
  await page.locator('[data-test="run"]').click()
  await expect(page.locator('[data-test="results"]')).toBeVisible({ timeout: 60_000 })
  await expect(page.locator('[data-test="run-error"]')).toHaveCount(0)
  // each policy carries its colour beside its name
  await expect(page.locator('[data-test="headline"] [data-test="swatch"]').first()).toBeVisible()
  expect(errors).toEqual([])
})

test('Simulate on a workload card opens What-if prefilled from it', async ({ page }) => {
  const errors = await openCockpit(page, 'workloads')
  const demo = page.locator('[data-workload="demo"]')
  await expect(demo).toBeVisible({ timeout: 30_000 })
  await demo.locator('[data-test="simulate-workload"]').click()
  await expect(page).toHaveURL(/#\/whatif/)
  await expect(page.locator('[data-test="workload-seed"]')).toContainText('service demo')
  await page.locator('[data-group="advanced"]').click()
  await expect(page.locator('input[name="instanceTypes.0.name"]')).toHaveValue(/^[a-z0-9]+\.\w+$/)
  await expect(page.locator('[data-test="run"]')).toBeEnabled()
  expect(errors).toEqual([])
})

test('apply a job through the workload form', async ({ page }) => {
  const errors = await openCockpit(page, 'workloads')
  await expect(page.locator('[data-workload="demo"]')).toBeVisible({ timeout: 30_000 })
  await page.locator('[data-test="open-editor"]').click()
  await page.locator('[data-editor-mode="form"]').click()
  await expect(page.locator('[data-test="workload-text"]')).toBeHidden()
  await page.locator('[data-test="form-kind-job"]').check()
  const form = page.locator('[data-test="workload-form"]')
  await form.locator('[name="job.name"]').fill('e2e-train')
  await form.locator('[name="job.command"]').fill('python train.py --epochs 3')
  await form.locator('[name="job.workHours"]').fill('2')
  // a deadline shorter than the work is refused at the field, by the CLI's rule
  await form.locator('[name="job.deadline"]').fill('1')
  await expect(form.locator('[data-test="form-error"]')).toContainText('cannot finish in time')
  await form.locator('[name="job.deadline"]').fill('6')
  await form.locator('[name="job.policy"]').selectOption('greedy')
  await form.locator('[name="job.instanceTypes"]').fill('g5.xlarge')
  await expect(form.locator('[data-test="form-error"]')).toHaveCount(0)
  await dismissToasts(page)
  await page.screenshot({ path: `${SCREENSHOTS}/workload-form.png` })
  // the YAML holds what the form says
  await page.locator('[data-editor-mode="yaml"]').click()
  await expect(page.locator('[data-test="workload-text"]')).toHaveValue(/name: e2e-train/)
  await page.locator('[data-editor-mode="form"]').click()
  await expect(form.locator('[name="job.name"]')).toHaveValue('e2e-train')
  await page.locator('[data-test="apply"]').click()
  await expect(page.locator('[data-test="editor"]')).toHaveCount(0)
  const card = page.locator('[data-workload="e2e-train"]')
  await expect(card).toBeVisible({ timeout: 15_000 })
  await expect(card).toContainText('policy greedy')
  expect(errors).toEqual([])
})
