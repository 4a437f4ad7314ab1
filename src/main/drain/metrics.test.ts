import { describe, expect, it } from 'vitest'
import { renderVllmMetrics } from '../../../test/fixtures/vllm-stub'
import { parseVllmQueue } from './metrics'

describe('parseVllmQueue', () => {
  it('reads vLLM exposition text, summing over label sets', () => {
    const body = renderVllmMetrics({ running: 7, waiting: 3, engines: 2 })
    expect(body).toContain('vllm:num_requests_running{engine="1",model_name=')
    expect(parseVllmQueue(body)).toEqual({ ok: true, running: 7, waiting: 3 })
  })

  it('matches the vllm_ spelling and renamed families with the same ending', () => {
    expect(parseVllmQueue('vllm_num_requests_running 2\nvllm_num_requests_waiting 1\n')).toEqual({
      ok: true,
      running: 2,
      waiting: 1
    })
    expect(
      parseVllmQueue(
        'vllm:scheduler_num_requests_running{a="b"} 4\nvllm:scheduler_num_requests_waiting{a="b"} 0\n'
      )
    ).toEqual({ ok: true, running: 4, waiting: 0 })
    // not a vllm metric, and not the same name with a suffix
    expect(parseVllmQueue('num_requests_running 0\nnum_requests_waiting 0\n').ok).toBe(false)
    expect(
      parseVllmQueue('vllm:num_requests_running_total 0\nvllm:num_requests_waiting 0\n').ok
    ).toBe(false)
  })

  it('treats a body without the gauges as unparsable, not idle', () => {
    for (const body of ['', '<html><body>502</body></html>', '{"status":"ok"}', 'garbage here\n']) {
      expect(parseVllmQueue(body)).toMatchObject({ ok: false })
    }
    expect(parseVllmQueue('vllm:num_requests_running 0\n')).toEqual({
      ok: false,
      reason: 'metrics without vllm num_requests_waiting'
    })
    expect(parseVllmQueue('vllm:num_requests_running NaN\nvllm:num_requests_waiting 0\n').ok).toBe(
      false
    )
  })

  it('reads the last line without a trailing newline, and CRLF line ends', () => {
    const body = 'vllm:num_requests_running 0\nvllm:num_requests_waiting 5'
    expect(parseVllmQueue(body)).toEqual({ ok: true, running: 0, waiting: 5 })
    expect(parseVllmQueue(body.replace('\n', '\r\n'))).toEqual({ ok: true, running: 0, waiting: 5 })
  })

  it('is not blinded by odd lines of other metrics (an empty HELP text, a histogram)', () => {
    const body =
      '# HELP vllm:lora_requests_info \n# TYPE vllm:lora_requests_info gauge\nweird{{ line\n' +
      renderVllmMetrics({ running: 1, waiting: 2 })
    expect(parseVllmQueue(body)).toEqual({ ok: true, running: 1, waiting: 2 })
  })

  it('names the line and the problem of a bad queue sample', () => {
    expect(parseVllmQueue('vllm:num_requests_running 1\nvllm:num_requests_waiting -2\n')).toEqual({
      ok: false,
      reason: 'line 2 (vllm:num_requests_waiting): negative value -2'
    })
    expect(parseVllmQueue('vllm:num_requests_running{a="1",a="2"} 0\n').ok).toBe(false)
    expect(
      parseVllmQueue(
        'vllm:num_requests_running{b="2",a="1"} 1\nvllm:num_requests_running{a="1",b="2"} 0\n'
      )
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/given twice/) })
  })
})
