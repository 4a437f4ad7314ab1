import { describe, expect, it } from 'vitest'
import { generate, promptsOf, tokenPiece, tokenText, usageOf } from './replica-answers'

describe('generate', () => {
  it('derives the answer from the prompt and the request seed alone', () => {
    const a = generate('user: hello there', undefined)
    expect(generate('user: hello there', undefined)).toEqual(a)
    expect(generate('user: hello there', undefined, 7)).not.toEqual(a)
    expect(generate('user: hello, there', undefined)).not.toEqual(a)
    expect(a.tokens.length).toBeGreaterThanOrEqual(8)
    expect(a.tokens.length).toBeLessThan(40)
    expect(a).toMatchObject({ finishReason: 'stop', promptTokens: 3 })
  })

  it('a limit cuts the answer short and says so; a generous one does not', () => {
    const full = generate('prompt', undefined)
    const cut = generate('prompt', 2)
    expect(cut).toEqual({
      tokens: full.tokens.slice(0, 2),
      finishReason: 'length',
      promptTokens: 1
    })
    expect(generate('prompt', 10_000)).toEqual(full)
  })

  it('streamed pieces join into the whole text', () => {
    const { tokens } = generate('join me', undefined)
    expect(tokens.map((_, t) => tokenPiece(tokens, t)).join('')).toBe(tokenText(tokens))
  })

  it('usage sums prompts and completions', () => {
    const gens = [generate('a b', 3), generate('c', 2)]
    expect(usageOf(gens)).toEqual({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 })
  })
})

describe('promptsOf', () => {
  it('chat: every message, text parts included; completion: one prompt per choice', () => {
    const chat = {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url' }] },
        { role: 'assistant', content: null }
      ]
    }
    expect(promptsOf('chat', chat)).toEqual(['system: be brief\nuser: hi \nassistant: '])
    expect(promptsOf('completion', { model: 'm', prompt: ['a', 'b'] })).toEqual(['a', 'b'])
    expect(promptsOf('completion', { model: 'm', prompt: 'a' })).toEqual(['a'])
  })
})
