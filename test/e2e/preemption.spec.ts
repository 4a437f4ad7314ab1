// A sandbox preemption shows in the cockpit (a notice toast; the replica under notice is drained and
// terminated within seconds once its service has other ready replicas) and as a notice mark on the
// timeline.
import { expect, test } from '@playwright/test'
import { openCockpit, paintedPixels } from './helpers'

// the timeline draws notices as red diamonds (#d03131 in the light theme)
const NOTICE_RED: [number, number, number] = [208, 49, 49]

test('a sandbox preemption appears in the fleet and on the timeline', async ({ page }) => {
  const errors = await openCockpit(page, 'fleet')
  // a toast is raised for the reclaimed replica: the notice opens it, its failover's phases update it
  await expect(
    page
      .locator('[data-test="toast"]')
      .filter({ hasText: /Reclaim notice|Failover/ })
      .first()
  ).toBeVisible({ timeout: 120_000 })
  const events = await page.request.post('/api/rpc/events', {
    headers: { authorization: `Bearer ${(await import('../../playwright.config')).E2E_TOKEN}` },
    data: { from: 0, to: Date.now() + 60_000, kinds: ['notice'] }
  })
  const notices = (await events.json()).result
  expect(notices.length).toBeGreaterThan(0)

  await page
    .locator('nav')
    .getByRole('link', { name: /Timeline/ })
    .first()
    .click()
  // "Last 1 h" counts sandbox time (10 real seconds at x360): the whole data holds the notice
  await page.getByRole('button', { name: 'All data' }).click()
  await expect
    .poll(() => paintedPixels(page, '.timeline-view', NOTICE_RED), { timeout: 20_000 })
    .toBeGreaterThan(20)
  expect(errors).toEqual([])
})
