/**
 * One line of text for any thrown value: the one way errors become messages, in the engine, the CLI
 * and the cockpit. A named error keeps its name (`TraceError: ...`); a fetch failure adds the
 * useful part of its cause (ECONNREFUSED, a timeout); a string stays itself; anything else is JSON.
 */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    const causeText =
      cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : ''
    const name = error.name === 'Error' || !error.name ? '' : `${error.name}: `
    return `${name}${error.message || error.name}${causeText}`
  }
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch (_notSerialisable) {
    // a cycle or a BigInt: the plain string form is the best that can be said
    return String(error)
  }
}
