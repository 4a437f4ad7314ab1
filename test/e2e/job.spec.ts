// A deadline job from the Workloads view's editor on the sandbox daemon: its card's progress chart
// paints, with its expected-progress line ep(t); and the Timeline's event list walks with the
// keyboard and shows an event's details in words.
import { expect, test, type Page } from '@playwright/test'
import { dismissToasts, openCockpit, paintedPixels, SCREENSHOTS } from './helpers'

/** Pixels of the theme's --ok colour (the ep(t) line) below the legend of the card's chart. */
async function expectedLinePixels(page: Page, selector: string): Promise<number> {
  return page.evaluate((selector) => {
    const css = getComputedStyle(document.documentElement).getPropertyValue('--ok').trim()
    // the colour as the canvas writes it
    const probe = document.createElement('canvas').getContext('2d')!
    probe.fillStyle = css || '#1f8a4c'
    probe.fillRect(0, 0, 1, 1)
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data
    let count = 0
    for (const canvas of Array.from(
      document.querySelectorAll<HTMLCanvasElement>(`${selector} canvas`)
    )) {
      const context = canvas.getContext('2d')
      if (!context || canvas.width === 0) continue
      const scale = canvas.width / canvas.getBoundingClientRect().width
      // skip the legend row at the top, whose ep(t) swatch has the same colour
      const top = Math.ceil(28 * scale)
      const data = context.getImageData(0, top, canvas.width, canvas.height - top).data
      for (let i = 0; i < data.length; i += 4)
        if (
          data[i + 3] > 0 &&
          Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) <= 60
        )
          count++
    }
    return count
  }, selector)
}

const JOB = `kind: job
name: e2e-train
command: ["python", "train.py"]
workHours: 6
deadlineHours: 9
changeoverHours: 0.2
checkpoint: { dir: /ckpt, stateGiB: 20, everyMinutes: 30 }
policy: uniform-progress
instanceTypes: [g5.xlarge]
`

test('apply a job from the editor: its progress chart paints with the ep(t) line', async ({
  page
}) => {
  const errors = await openCockpit(page, 'workloads')
  await page.locator('[data-test="open-editor"]').click()
  await page.locator('[data-test="example-job"]').click()
  await expect(page.locator('[data-test="workload-text"]')).toHaveValue(/kind: job/)
  await page.locator('[data-test="workload-text"]').fill(JOB)
  await page.locator('[data-test="apply"]').click()
  await expect(page.locator('[data-test="editor"]')).toHaveCount(0)

  const card = page.locator('[data-workload="e2e-train"]')
  await expect(card).toBeVisible({ timeout: 15_000 })
  // the controller's first decision, with the policy's reason
  await expect(card.locator('[data-test="decision"]')).toContainText(/on spot|on on-demand/, {
    timeout: 30_000
  })
  const chart = '[data-workload="e2e-train"] .job-progress-chart'
  await expect(page.locator(`${chart} canvas`)).toHaveCount(1)
  // progress accrues on the sandbox clock (×360: a job hour every 10 s)
  await expect
    .poll(
      async () =>
        Number.parseFloat((await card.locator('[data-test="progress"]').textContent()) ?? '0'),
      {
        timeout: 60_000
      }
    )
    .toBeGreaterThan(0.2)
  await expect.poll(() => paintedPixels(page, chart), { timeout: 10_000 }).toBeGreaterThan(2_000)
  // the dashed ep(t) line across the plot, not only its legend swatch
  await expect.poll(() => expectedLinePixels(page, chart), { timeout: 10_000 }).toBeGreaterThan(80)
  await expect(card.locator('[role="img"]')).toHaveAttribute('aria-label', /expected \d+\.\d\d h/)
  await expect(card.locator('[data-test="job-cost"]')).toContainText('vs $')
  // a little more of the run for the README's picture
  await expect
    .poll(
      async () =>
        Number.parseFloat((await card.locator('[data-test="progress"]').textContent()) ?? '0'),
      { timeout: 60_000 }
    )
    .toBeGreaterThan(1.5)
  await dismissToasts(page)
  await card.scrollIntoViewIfNeeded()
  await page.screenshot({ path: `${SCREENSHOTS}/workloads-job.png` })

  // cancel it from its card, so the specs after this one see the demo fleet alone (one daemon
  // serves every spec file)
  await card.locator('[data-test="cancel-workload"]').click()
  await page.locator('[data-test="confirm-ok"]').click()
  await expect(card).toHaveCount(0, { timeout: 30_000 })
  await page.locator('nav').getByRole('link', { name: /Fleet/ }).first().click()
  await expect(page.locator('[data-test="fleet-table"] tbody tr')).toHaveCount(4, {
    timeout: 60_000
  })
  expect(errors).toEqual([])
})

test('the Timeline event list walks with the keyboard and shows details in words', async ({
  page
}) => {
  const errors = await openCockpit(page, 'timeline')
  await page.locator('[data-range="fit"]').click()
  const list = page.locator('[data-test="event-list"]')
  await expect(list.locator('[role="option"]').nth(3)).toBeVisible({ timeout: 30_000 })
  await list.focus()
  await expect(list).toBeFocused()
  const first = await list.getAttribute('aria-activedescendant')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('ArrowDown')
  const third = await list.getAttribute('aria-activedescendant')
  expect(third).not.toBe(first)
  await expect(page.locator(`#${third}`)).toHaveClass(/timeline-view__item--active/)
  await page.keyboard.press('Enter')
  const details = page.locator('[data-test="event-details"]')
  await expect(details.locator('[data-test="detail-kind"]')).toBeVisible()
  await expect(page.locator(`#${third}`)).toHaveAttribute('aria-selected', 'true')
  // sandbox time, and no raw JSON
  await expect(details.locator('[data-test="detail-time"]')).toHaveText(/^\+/)
  expect(await details.textContent()).not.toContain('{')
  await page.keyboard.press('End')
  await page.keyboard.press('Enter')
  await expect(details.locator('[data-test="detail-kind"]')).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(details.locator('[data-test="detail-kind"]')).toHaveCount(0)
  expect(errors).toEqual([])
})
