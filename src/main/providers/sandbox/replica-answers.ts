// What the sandbox's serving replica answers: OpenAI-shaped bodies (the subset vLLM's server gives)
// and the text itself, derived from the prompt alone so every replica of a model gives the same
// answer to the same request (a request the router retries on another replica reads the same).
import { z } from 'zod'
import { createRandom, mixSeed } from '../../../shared/random'

/** at most this many prompt characters (all messages together) */
export const MAX_PROMPT_CHARS = 256 * 1024
/** completions the sandbox writes are short: 8 to 39 words, fewer when max_tokens says so */
const MIN_NATURAL_TOKENS = 8
const NATURAL_TOKEN_SPREAD = 32

const VOCABULARY = [
  'spot', 'capacity', 'replica', 'drain', 'notice', 'reclaim', 'standby', 'zone', 'price',
  'budget', 'router', 'request', 'model', 'token', 'latency', 'warm', 'cold', 'boot', 'serve',
  'ready', 'health', 'queue', 'batch', 'deadline', 'checkpoint', 'resume', 'progress', 'policy',
  'market', 'fallback', 'on-demand', 'savings', 'the', 'a', 'keeps', 'moves', 'answers', 'waits',
  'before', 'after', 'while', 'every', 'quietly', 'quickly', 'again', 'safely', 'cheaply', 'now'
] // prettier-ignore

// Requests are read loosely (unknown fields pass): OpenAI clients send temperature, top_p, user and
// more, which vLLM accepts; the sandbox reads only what shapes its answer, each field bounded.
const maxTokens = z.number().int().min(1).max(131_072).nullish()
const common = {
  model: z.string().min(1).max(256),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: maxTokens,
  n: z.literal(1, { error: 'the sandbox replica answers n = 1 only' }).nullish(),
  seed: z.number().int().nullish()
}
const contentPart = z.looseObject({ type: z.string().max(64), text: z.string().optional() })
const message = z.looseObject({
  role: z.string().min(1).max(64),
  content: z.union([z.string(), z.array(contentPart).max(64), z.null()]).optional()
})

export const chatRequestSchema = z.looseObject({
  ...common,
  messages: z.array(message).min(1).max(1024),
  max_completion_tokens: maxTokens
})
export const completionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(16)])
})

export type ChatRequest = z.output<typeof chatRequestSchema>
export type CompletionRequest = z.output<typeof completionRequestSchema>
export type Endpoint = 'chat' | 'completion'

/** The prompt texts of a request: one per choice (a completion may batch several prompts). */
export function promptsOf(endpoint: Endpoint, request: ChatRequest | CompletionRequest): string[] {
  if (endpoint === 'completion') {
    const prompt = (request as CompletionRequest).prompt
    return Array.isArray(prompt) ? prompt : [prompt]
  }
  const text = (request as ChatRequest).messages
    .map((m) =>
      typeof m.content === 'string'
        ? `${m.role}: ${m.content}`
        : `${m.role}: ${(m.content ?? []).map((part) => part.text ?? '').join(' ')}`
    )
    .join('\n')
  return [text]
}

export interface Generation {
  tokens: string[]
  finishReason: 'stop' | 'length'
  promptTokens: number
}

/** FNV-1a over UTF-16 code units: a stable 32-bit digest of the prompt. */
function digest(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash | 0
}

/** The answer to a prompt: the same words for the same prompt, seed and limit, on every replica. */
export function generate(prompt: string, limit: number | undefined, seed = 0): Generation {
  const random = createRandom(mixSeed(digest(prompt), seed))
  const natural = MIN_NATURAL_TOKENS + Math.floor(random.next() * NATURAL_TOKEN_SPREAD)
  const count = limit === undefined ? natural : Math.min(natural, limit)
  const tokens = Array.from(
    { length: count },
    () => VOCABULARY[Math.floor(random.next() * VOCABULARY.length)]
  )
  const promptTokens = Math.max(1, prompt.split(/\s+/).filter(Boolean).length)
  return { tokens, finishReason: count < natural ? 'length' : 'stop', promptTokens }
}

/** The whole text of an answer. */
export const tokenText = (tokens: readonly string[]): string => tokens.join(' ')

/** Token `t` as streamed: each after the first carries its leading space, as a tokenizer's would. */
export const tokenPiece = (tokens: readonly string[], t: number): string =>
  t === 0 ? tokens[0] : ` ${tokens[t]}`

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

export function usageOf(generations: readonly Generation[]): Usage {
  const prompt = generations.reduce((sum, g) => sum + g.promptTokens, 0)
  const completion = generations.reduce((sum, g) => sum + g.tokens.length, 0)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

export interface AnswerHeader {
  id: string
  created: number
  model: string
}

/** The whole answer (no streaming). */
export function fullAnswer(
  endpoint: Endpoint,
  header: AnswerHeader,
  generations: readonly Generation[]
): object {
  const choices = generations.map((g, index) =>
    endpoint === 'chat'
      ? {
          index,
          message: { role: 'assistant', content: tokenText(g.tokens) },
          logprobs: null,
          finish_reason: g.finishReason
        }
      : { index, text: tokenText(g.tokens), logprobs: null, finish_reason: g.finishReason }
  )
  return {
    ...header,
    object: endpoint === 'chat' ? 'chat.completion' : 'text_completion',
    choices,
    usage: usageOf(generations)
  }
}

/** One server-sent chunk of a streamed answer, for one choice. */
export function streamChunk(
  endpoint: Endpoint,
  header: AnswerHeader,
  index: number,
  part: { role?: true; text?: string; finishReason?: Generation['finishReason'] }
): object {
  const finish_reason = part.finishReason ?? null
  if (endpoint === 'completion')
    return {
      ...header,
      object: 'text_completion',
      choices: [{ index, text: part.text ?? '', logprobs: null, finish_reason }]
    }
  const delta = part.role
    ? { role: 'assistant', content: '' }
    : part.text !== undefined
      ? { content: part.text }
      : {}
  return {
    ...header,
    object: 'chat.completion.chunk',
    choices: [{ index, delta, logprobs: null, finish_reason }]
  }
}

/** The usage chunk a client asks for with stream_options.include_usage (no choices). */
export function usageChunk(
  endpoint: Endpoint,
  header: AnswerHeader,
  generations: readonly Generation[]
): object {
  return {
    ...header,
    object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    choices: [],
    usage: usageOf(generations)
  }
}

/** vLLM's error body (the OpenAI shape). */
export function errorBody(status: number, type: string, message: string, param?: string): object {
  return { error: { message, type, param: param ?? null, code: status } }
}
