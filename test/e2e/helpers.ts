import { expect, type Page } from '@playwright/test'
import { E2E_TOKEN } from '../../playwright.config'

export const VIEWS = [
  'workloads',
  'fleet',
  'timeline',
  'costs',
  'whatif',
  'replay',
  'settings'
] as const
/** every run keeps screenshots as artifacts; SYNKTI_UPDATE_SCREENSHOTS=1 refreshes the README's copies */
export const SCREENSHOTS = process.env.SYNKTI_UPDATE_SCREENSHOTS
  ? 'test/e2e/screenshots'
  : 'test-results/screenshots'

/** Opens the cockpit with the daemon's token and collects console errors and page errors. */
export async function openCockpit(
  page: Page,
  view: (typeof VIEWS)[number] = 'fleet'
): Promise<string[]> {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(`/#token=${E2E_TOKEN}`)
  await page.evaluate((v) => (location.hash = `#/${v}`), view)
  await expect(page.locator('[data-test="connection"]')).toContainText(/live/i)
  return errors
}

/** Counts canvas pixels close to a colour: proof that a chart actually painted something. */
export async function paintedPixels(
  page: Page,
  selector: string,
  rgb?: [number, number, number],
  tolerance = 40
): Promise<number> {
  return page.evaluate(
    ({ selector, rgb, tolerance }) => {
      let count = 0
      for (const canvas of Array.from(
        document.querySelectorAll<HTMLCanvasElement>(`${selector} canvas`)
      )) {
        const context = canvas.getContext('2d')
        if (!context || canvas.width === 0 || canvas.height === 0) continue
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue
          if (!rgb) count++
          else if (
            Math.abs(data[i] - rgb[0]) +
              Math.abs(data[i + 1] - rgb[1]) +
              Math.abs(data[i + 2] - rgb[2]) <=
            tolerance
          )
            count++
        }
      }
      return count
    },
    { selector, rgb, tolerance }
  )
}

/** Closes every toast, so screenshots show the view rather than the notifications over it. */
export async function dismissToasts(page: Page): Promise<void> {
  for (const close of await page.locator('[data-test="toast"] button[aria-label="Dismiss"]').all())
    await close.click().catch(() => {})
}
