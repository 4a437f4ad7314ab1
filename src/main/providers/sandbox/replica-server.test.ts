import { afterEach, describe, expect, it } from 'vitest'
import { manualClock, type ManualClock } from '../../../../test/support/manual-clock'
import { errorText } from '../../../shared/errors'
import { systemClock } from '../../clock'
import { drain, probeMetrics } from '../../drain'
import {
  startSandboxReplica,
  type SandboxReplica,
  type SandboxReplicaOptions
} from './replica-server'

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct'
const started: SandboxReplica[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.kill()))
})

async function replica(options: Partial<SandboxReplicaOptions> = {}): Promise<SandboxReplica> {
  const r = await startSandboxReplica({
    model: MODEL,
    clock: systemClock,
    loadDelayMs: 0,
    requestMs: 0,
    perTokenMs: 0,
    ...options
  })
  started.push(r)
  return r
}

/** wait (real time, bounded) until the condition holds */
async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** the parts of OpenAI answers and errors these tests read */
interface OpenAiBody {
  id: string
  object: string
  created: number
  model: string
  data?: unknown[]
  choices: {
    index: number
    message: { role: string; content: string }
    text: string
    delta: { content?: string }
    finish_reason: string | null
  }[]
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
  error: { message: string; type: string; param: string | null; code: number }
}
const read = async (res: Response): Promise<OpenAiBody> => (await res.json()) as OpenAiBody

const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })

const chat = (content: string, extra: object = {}) => ({
  model: MODEL,
  messages: [{ role: 'user', content }],
  ...extra
})

/** the `data:` payloads of a server-sent event stream */
function events(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      expect(block.startsWith('data: ')).toBe(true)
      return block.slice('data: '.length)
    })
}

async function queue(url: string): Promise<{ running: number; waiting: number }> {
  const probe = await probeMetrics(`${url}/metrics`, 1000)
  if (!probe.ok) throw new Error(probe.reason)
  return { running: probe.running, waiting: probe.waiting }
}

describe('loading, then ready', () => {
  it('/health 503 and no model listed until the load delay has passed', async () => {
    const clock: ManualClock = manualClock(1_700_000_000_000)
    const r = await replica({ clock, loadDelayMs: 30_000 })
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(r.state).toBe('loading')
    expect((await fetch(`${r.url}/health`)).status).toBe(503)
    expect(await read(await fetch(`${r.url}/v1/models`))).toEqual({ object: 'list', data: [] })
    const early = await post(`${r.url}/v1/chat/completions`, chat('hi'))
    expect(early.status).toBe(503)
    expect(await read(early)).toEqual({
      error: {
        message: `the model ${MODEL} is still loading`,
        type: 'ServiceUnavailableError',
        param: null,
        code: 503
      }
    })

    await clock.advance(29_999)
    expect((await fetch(`${r.url}/health`)).status).toBe(503)
    await clock.advance(1)
    await r.whenReady()
    expect(r.state).toBe('ready')
    expect((await fetch(`${r.url}/health`)).status).toBe(200)
    expect(await read(await fetch(`${r.url}/v1/models`))).toEqual({
      object: 'list',
      data: [
        {
          id: MODEL,
          object: 'model',
          created: 1_700_000_030,
          owned_by: 'vllm',
          root: MODEL,
          parent: null
        }
      ]
    })
  })

  it('a replica killed while loading never becomes ready', async () => {
    const r = await replica({ clock: manualClock(0), loadDelayMs: 10_000 })
    const ready = r.whenReady()
    await r.kill()
    await expect(ready).rejects.toThrow('replica stopped')
    expect(r.state).toBe('closed')
  })
})

describe('answers', () => {
  it('chat completions: the OpenAI shape, the same text for the same prompt on any replica', async () => {
    const a = await replica({ replicaId: 'i-aaa' })
    const b = await replica({ replicaId: 'i-bbb' })
    const res = await post(`${a.url}/v1/chat/completions`, chat('Say something about spot GPUs.'))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-synkti-replica')).toBe('i-aaa')
    const body = await read(res)
    expect(body).toMatchObject({
      id: 'chatcmpl-i-aaa-1',
      object: 'chat.completion',
      model: MODEL,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: expect.any(String) },
          logprobs: null,
          finish_reason: 'stop'
        }
      ]
    })
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(5)
    const words = body.choices[0].message.content.split(' ')
    expect(words.length).toBeGreaterThanOrEqual(8)
    // "user: Say something about spot GPUs." is 6 words
    expect(body.usage).toEqual({
      prompt_tokens: 6,
      completion_tokens: words.length,
      total_tokens: 6 + words.length
    })

    const again = await read(
      await post(`${b.url}/v1/chat/completions`, chat('Say something about spot GPUs.'))
    )
    expect(again.id).toBe('chatcmpl-i-bbb-1')
    expect(again.choices[0].message.content).toBe(body.choices[0].message.content)
    const other = await read(await post(`${a.url}/v1/chat/completions`, chat('Something else')))
    expect(other.id).toBe('chatcmpl-i-aaa-2')
    expect(other.choices[0].message.content).not.toBe(body.choices[0].message.content)
  })

  it('max_tokens shortens the answer and finishes with length', async () => {
    const r = await replica()
    const body = await read(
      await post(`${r.url}/v1/chat/completions`, chat('Tell a story.', { max_tokens: 3 }))
    )
    expect(body.choices[0].message.content.split(' ')).toHaveLength(3)
    expect(body.choices[0].finish_reason).toBe('length')
    expect(body.usage.completion_tokens).toBe(3)
  })

  it('completions: one choice per prompt', async () => {
    const r = await replica()
    const body = await read(
      await post(`${r.url}/v1/completions`, { model: MODEL, prompt: ['one two', 'three'] })
    )
    expect(body).toMatchObject({
      id: 'cmpl-sandbox-1',
      object: 'text_completion',
      model: MODEL,
      choices: [
        { index: 0, text: expect.any(String), logprobs: null, finish_reason: 'stop' },
        { index: 1, text: expect.any(String), logprobs: null, finish_reason: 'stop' }
      ]
    })
    const tokens = body.choices.reduce(
      (n: number, c: { text: string }) => n + c.text.split(' ').length,
      0
    )
    expect(body.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: tokens,
      total_tokens: 3 + tokens
    })
  })

  it('streams chat as server-sent chunks ending with [DONE], the same text as unstreamed', async () => {
    const r = await replica({ perTokenMs: 1 })
    const whole = await read(await post(`${r.url}/v1/chat/completions`, chat('Stream me')))
    const res = await post(
      `${r.url}/v1/chat/completions`,
      chat('Stream me', { stream: true, stream_options: { include_usage: true } })
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const data = events(await res.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    for (const chunk of chunks)
      expect(chunk).toMatchObject({
        id: 'chatcmpl-sandbox-2',
        object: 'chat.completion.chunk',
        model: MODEL
      })
    expect(chunks[0].choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }
    ])
    const usage = chunks.at(-1)
    expect(usage.choices).toEqual([])
    expect(usage.usage).toEqual(whole.usage)
    const finish = chunks.at(-2)
    expect(finish.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }])
    const text = chunks
      .slice(1, -2)
      .map((c) => c.choices[0].delta.content)
      .join('')
    expect(text).toBe(whole.choices[0].message.content)
    expect(chunks.slice(1, -2)).toHaveLength(whole.usage.completion_tokens)
  })

  it('streams completions too', async () => {
    const r = await replica()
    const res = await post(`${r.url}/v1/completions`, {
      model: MODEL,
      prompt: 'Once',
      max_tokens: 4,
      stream: true
    })
    const data = events(await res.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    expect(chunks).toHaveLength(5)
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true)
    expect(chunks.at(-1).choices).toEqual([
      { index: 0, text: '', logprobs: null, finish_reason: 'length' }
    ])
    expect(
      chunks
        .slice(0, 4)
        .map((c) => c.choices[0].text)
        .join('')
        .split(' ')
    ).toHaveLength(4)
  })
})

describe('client errors, OpenAI-style', () => {
  it('another model is a 404', async () => {
    const r = await replica()
    const res = await post(`${r.url}/v1/chat/completions`, { ...chat('hi'), model: 'gpt-4o' })
    expect(res.status).toBe(404)
    expect(await read(res)).toEqual({
      error: {
        message: 'The model `gpt-4o` does not exist.',
        type: 'NotFoundError',
        param: 'model',
        code: 404
      }
    })
    const completion = await post(`${r.url}/v1/completions`, { model: 'other', prompt: 'x' })
    expect(completion.status).toBe(404)
  })

  it('bad JSON, a bad body, an oversized body, unknown paths and methods', async () => {
    const r = await replica({ maxBodyBytes: 1000 })
    const notJson = await post(`${r.url}/v1/chat/completions`, '{"model": ')
    expect(notJson.status).toBe(400)
    expect((await read(notJson)).error.message).toMatch(/^the body is not JSON \(/)

    const noMessages = await post(`${r.url}/v1/chat/completions`, { model: MODEL })
    expect(noMessages.status).toBe(400)
    expect((await read(noMessages)).error).toMatchObject({
      type: 'BadRequestError',
      param: 'messages',
      code: 400
    })
    const twoChoices = await post(`${r.url}/v1/chat/completions`, chat('hi', { n: 2 }))
    expect((await read(twoChoices)).error.message).toBe('n: the sandbox replica answers n = 1 only')

    const big = await post(`${r.url}/v1/chat/completions`, chat('x'.repeat(2000)))
    expect(big.status).toBe(413)
    expect((await read(big)).error.message).toBe('the request body is over 1000 bytes')

    expect((await fetch(`${r.url}/v1/embeddings`)).status).toBe(404)
    expect((await fetch(`${r.url}/v1/chat/completions`)).status).toBe(405)
    expect(r.completed).toBe(0)
  })
})

describe('/metrics: the running and waiting gauges, read by the drain’s parser', () => {
  it('counts the requests really in progress; beyond maxConcurrency they wait', async () => {
    const clock = manualClock(0)
    const r = await replica({ clock, maxConcurrency: 2, requestMs: 1000, perTokenMs: 0 })
    expect(await queue(r.url)).toEqual({ running: 0, waiting: 0 })
    const body = await (await fetch(`${r.url}/metrics`)).text()
    expect(body).toContain(`vllm:num_requests_running{model_name="${MODEL}",engine="0"} 0`)
    expect(body).toContain('# TYPE vllm:num_requests_waiting gauge')

    const answers = Array.from({ length: 5 }, (_, i) =>
      post(`${r.url}/v1/chat/completions`, chat(`request ${i}`))
    )
    await until(() => r.running === 2 && r.waiting === 3, '2 running and 3 waiting')
    expect(await queue(r.url)).toEqual({ running: 2, waiting: 3 })

    await clock.advance(1000) // the first two finish, the next two start
    await until(() => r.completed === 2 && r.running === 2, 'two done')
    expect(await queue(r.url)).toEqual({ running: 2, waiting: 1 })
    await clock.advance(1000)
    await until(() => r.completed === 4 && r.running === 1, 'four done')
    expect(await queue(r.url)).toEqual({ running: 1, waiting: 0 })
    await clock.advance(1000)
    const statuses = await Promise.all(answers.map(async (a) => (await a).status))
    expect(statuses).toEqual([200, 200, 200, 200, 200])
    expect(await queue(r.url)).toEqual({ running: 0, waiting: 0 })
    expect(await (await fetch(`${r.url}/metrics`)).text()).toContain(
      `vllm:request_success_total{model_name="${MODEL}",engine="0",finished_reason="stop"} 5`
    )
  })

  it('a client that goes away frees its slot (waiting or running)', async () => {
    const clock = manualClock(0)
    const r = await replica({ clock, maxConcurrency: 1, requestMs: 1000 })
    const running = new AbortController()
    const waiting = new AbortController()
    const first = fetch(`${r.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chat('a')),
      signal: running.signal
    })
    await until(() => r.running === 1, 'one running')
    const second = fetch(`${r.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chat('b')),
      signal: waiting.signal
    })
    await until(() => r.waiting === 1, 'one waiting')
    waiting.abort()
    await expect(second).rejects.toThrow()
    await until(() => r.waiting === 0, 'the waiting one gone')
    running.abort()
    await expect(first).rejects.toThrow()
    await until(() => r.running === 0, 'the running one gone')
    expect(await queue(r.url)).toEqual({ running: 0, waiting: 0 })
  })

  it('a full queue is refused with 503 rather than held without bound', async () => {
    const clock = manualClock(0)
    const r = await replica({ clock, maxConcurrency: 1, maxWaiting: 1, requestMs: 1000 })
    const held = [post(`${r.url}/v1/completions`, { model: MODEL, prompt: 'a' })]
    await until(() => r.running === 1, 'one running')
    held.push(post(`${r.url}/v1/completions`, { model: MODEL, prompt: 'b' }))
    await until(() => r.waiting === 1, 'one waiting')
    const refused = await post(`${r.url}/v1/completions`, { model: MODEL, prompt: 'c' })
    expect(refused.status).toBe(503)
    expect((await read(refused)).error.message).toBe('too many requests waiting')
    await clock.advance(2000)
    expect((await Promise.all(held)).map((res) => res.status)).toEqual([200, 200])
  })
})

describe('close() and kill()', () => {
  it('kill() resets every in-flight request at once, streamed or not', async () => {
    const clock = manualClock(0)
    const r = await replica({ clock, maxConcurrency: 2, requestMs: 0, perTokenMs: 1000 })
    const outcome = (answer: Promise<Response>): Promise<string> =>
      answer.then(
        (res) => `HTTP ${res.status}`,
        (error: unknown) => errorText(error)
      )
    const whole = outcome(post(`${r.url}/v1/chat/completions`, chat('whole')))
    const streamed = await post(`${r.url}/v1/chat/completions`, chat('streamed', { stream: true }))
    expect(streamed.status).toBe(200) // headers sent, tokens still coming
    const rest = streamed.text().then(
      () => 'complete',
      (error: unknown) => errorText(error)
    )
    const queued = outcome(post(`${r.url}/v1/chat/completions`, chat('queued')))
    await until(() => r.running === 2 && r.waiting === 1, 'two running, one waiting')

    await r.kill()
    expect(r.state).toBe('closed')
    // undici's words for a connection cut by the other side
    expect(await whole).toBe('TypeError: fetch failed: UND_ERR_SOCKET')
    expect(await queued).toBe('TypeError: fetch failed: UND_ERR_SOCKET')
    expect(await rest).toMatch(/^TypeError: terminated/)
    expect(await outcome(fetch(`${r.url}/health`))).toBe('TypeError: fetch failed: ECONNREFUSED')
  })

  it('close() stops accepting, lets in-flight requests finish, then stops', async () => {
    const clock = manualClock(0)
    const r = await replica({ clock, maxConcurrency: 1, requestMs: 1000, closeTimeoutMs: 60_000 })
    const first = post(`${r.url}/v1/chat/completions`, chat('first'))
    await until(() => r.running === 1, 'one running')
    const second = post(`${r.url}/v1/chat/completions`, chat('second'))
    await until(() => r.waiting === 1, 'one waiting')

    let closed = false
    const closing = r.close().then(() => (closed = true))
    expect(r.state).toBe('closing')
    await expect(fetch(`${r.url}/health`)).rejects.toThrow(/fetch failed/) // no new connections
    await clock.advance(1000)
    expect((await first).status).toBe(200)
    expect(closed).toBe(false)
    await clock.advance(1000)
    const last = await second
    expect(last.status).toBe(200)
    expect((await read(last)).choices[0].message.content).toEqual(expect.any(String))
    await closing
    expect(r.state).toBe('closed')
    expect(r.completed).toBe(2)
  })

  it('close() is bounded: what has not finished by closeTimeoutMs is cut', async () => {
    const clock = manualClock(0)
    const r = await replica({ clock, requestMs: 10_000, closeTimeoutMs: 3000 })
    const slow = post(`${r.url}/v1/chat/completions`, chat('slow'))
    await until(() => r.running === 1, 'one running')
    const closing = r.close()
    await clock.advance(3000)
    await closing
    await expect(slow).rejects.toThrow(/fetch failed/)
  })
})

describe('the fail-closed drain against a real replica', () => {
  it('sees drained once the in-flight requests have finished', async () => {
    const r = await replica({ maxConcurrency: 2, requestMs: 300 })
    const answers = [1, 2, 3].map((i) => post(`${r.url}/v1/chat/completions`, chat(`drain ${i}`)))
    await until(() => r.running === 2 && r.waiting === 1, 'two running and one waiting')
    const result = await drain({
      metricsUrl: `${r.url}/metrics`,
      deadline: Date.now() + 10_000,
      pollMs: 25
    })
    expect(result).toMatchObject({ outcome: 'drained', lastRunning: 0, lastWaiting: 0 })
    // two rounds of 300 ms ran before the queue was empty
    expect(result.endedAt - result.startedAt).toBeGreaterThanOrEqual(450)
    expect(r.completed).toBe(3)
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 200, 200])
  })

  it('times out, not drained, while requests are still running at the deadline', async () => {
    const r = await replica({ requestMs: 5000 })
    const slow = post(`${r.url}/v1/chat/completions`, chat('slow')).catch((e: unknown) => e)
    await until(() => r.running === 1, 'one running')
    const result = await drain({
      metricsUrl: `${r.url}/metrics`,
      deadline: Date.now() + 200,
      pollMs: 25
    })
    expect(result).toMatchObject({
      outcome: 'timed-out',
      lastRunning: 1,
      reason: 'still 1 running and 0 waiting at the deadline'
    })
    await r.kill()
    await slow
  })
})
