// breaks the one-error-text rule
export function describe(error: unknown): string {
  return (error as Error).message
}
