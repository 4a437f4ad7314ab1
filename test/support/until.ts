// Waiting in real-time integration tests: poll until a probe answers, or fail saying what was awaited
// (and, when given, what the system was doing: logs of the runtime or the agents).
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
  explain: () => string = () => '',
  pollMs = 100
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > end) {
      const context = explain()
      throw new Error(`timed out waiting for ${what}${context ? `\n${context}` : ''}`)
    }
    await new Promise((r) => setTimeout(r, pollMs))
  }
}
