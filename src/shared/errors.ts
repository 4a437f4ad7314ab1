/** One line of text for any thrown value; the one way errors become messages. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    // fetch failures hide the useful part (ECONNREFUSED, timeout) in `cause`
    const cause = (error as { cause?: unknown }).cause
    const causeText =
      cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : ''
    return `${error.name === 'Error' ? '' : error.name + ': '}${error.message}${causeText}`
  }
  return String(error)
}
