// The OpenAI-compatible edge of the router: error bodies in OpenAI's shape, the bounded body
// reader, the little of a request body the router reads (the model), and header hygiene.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { z } from 'zod'

export type OpenAiErrorType =
  'invalid_request_error' | 'authentication_error' | 'server_error' | 'timeout_error'

/** `{"error":{"message","type","param","code"}}`, what OpenAI clients parse and show */
export interface OpenAiErrorBody {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string }
}

export function openAiError(
  message: string,
  type: OpenAiErrorType,
  code: string,
  param: string | null = null
): OpenAiErrorBody {
  return { error: { message, type, param, code } }
}

/** The router reads only the model; every other field goes to the replica untouched. */
export const routedRequestSchema = z.looseObject({
  model: z
    .string({ error: 'the request body needs a "model" string' })
    .min(1, 'the request body needs a non-empty "model"')
    .max(512, '"model" is longer than 512 characters')
})

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge'
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`)
  }
}

export class ClientGone extends Error {
  override name = 'ClientGone'
  constructor() {
    super('the client closed the connection before its request body ended')
  }
}

/** The whole body, refusing one larger than `limit` bytes (by Content-Length or as it arrives). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) return reject(new BodyTooLarge(limit))
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (error?: Error): void => {
      if (done) return
      done = true
      req.off('data', onData)
      if (error) {
        // drain what the client is still sending so it reads our answer rather than a reset
        req.resume()
        reject(error)
      } else resolve(Buffer.concat(chunks, size))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) return finish(new BodyTooLarge(limit))
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => finish())
    req.once('error', () => finish(new ClientGone()))
    req.once('close', () => {
      if (!req.complete) finish(new ClientGone())
    })
  })
}

// RFC 9110 §7.6.1: connection-specific headers are for one hop only.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
])

/** headers minus hop-by-hop ones (and those the Connection header names) and `drop` */
export function endToEndHeaders(
  headers: IncomingHttpHeaders,
  drop: readonly string[] = []
): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
  const skip = new Set([...HOP_BY_HOP, ...named, ...drop])
  const result: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !skip.has(name)) result[name] = value
  }
  return result
}
