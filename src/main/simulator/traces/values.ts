import { TraceError } from './types'

/** Checks one raw trace value: a finite, non-negative whole number (a count or a 0/1 flag). */
export function checkCount(file: string, value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TraceError(file, `${where} is not a number (${short(value)})`)
  }
  if (value < 0) throw new TraceError(file, `${where} is negative (${value})`)
  if (!Number.isInteger(value))
    throw new TraceError(file, `${where} is not a whole number (${value})`)
  if (value > 2 ** 31 - 1) throw new TraceError(file, `${where} is too large (${value})`)
  return value
}

/** Checks one price: finite and non-negative, $/h. */
export function checkPrice(file: string, value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TraceError(file, `${where} is not a number (${short(value)})`)
  }
  if (value < 0) throw new TraceError(file, `${where} is negative (${value})`)
  return value
}

export function isBinary(values: Int32Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] > 1) return false
  return true
}

/** A value quoted for an error message, cut short so the message stays one line. */
export function short(value: unknown): string {
  let text: string
  try {
    text =
      typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value)
  } catch {
    text = String(value)
  }
  text = text.replace(/\s+/g, ' ')
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}
