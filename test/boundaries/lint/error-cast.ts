// breaks the one-error-text rule
export function describe(error: unknown): string {
  return (error as Error).message
}

// breaks it too, written by hand
export function describeAgain(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
