import { isProviderError } from '../providers/errors'

/** Bad input from the user: printed as one line, exit status 2, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Provider refusals (credentials, capacity, not owned, foreign resources...) are the user's to act on: exit 2, one line. */
export async function providerRefusalsAsUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (isProviderError(error)) throw new UsageError(error.message)
    throw error
  }
}

/** Parses a flag's number, naming the flag and what it wants when the value is not acceptable. */
export function parseNumberFlag(
  flag: string,
  raw: string,
  rule: 'positive' | 'non-negative' | 'integer>=0' | 'integer>=1'
): number {
  const value = Number(raw)
  const integer = rule.startsWith('integer')
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    (rule === 'positive' && value <= 0) ||
    (rule === 'non-negative' && value < 0) ||
    (rule === 'integer>=0' && value < 0) ||
    (rule === 'integer>=1' && value < 1)
  if (bad) {
    const wants = {
      positive: 'a number > 0',
      'non-negative': 'a number >= 0',
      'integer>=0': 'a whole number >= 0',
      'integer>=1': 'a whole number >= 1'
    }[rule]
    throw new UsageError(`${flag} must be ${wants}, got "${raw}"`)
  }
  return value
}
