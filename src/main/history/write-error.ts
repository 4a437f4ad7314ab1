import { errorText } from '../../shared/errors'

/**
 * History could not store a write (a full disk, a read-only file, a closed database): whoever asked
 * is answered 503 with the reason, so an agent retries or reports through its other channel.
 */
export class HistoryWriteError extends Error {
  readonly apiCode = 'unavailable'
  constructor(
    readonly what: string,
    readonly reason: string
  ) {
    super(`history cannot store ${what}: ${reason}`)
  }
}

/** The condition a failed write is reported under: SQLite's message, one line. */
export function writeFailureReason(error: unknown): string {
  return errorText(error).split('\n')[0]
}
