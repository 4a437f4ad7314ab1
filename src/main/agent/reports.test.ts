import { describe, expect, it } from 'vitest'
import { systemClock } from '../clock'
import type { ReportSender } from '../providers/aws/agent-channel'
import { queueReports } from './reports'

const retry = { attempts: 3, baseMs: 1, maxMs: 2 }

describe('queueReports', () => {
  it('retries one report under one id, and answers a sender that cannot be made as not sent', async () => {
    const ids: (string | undefined)[] = []
    let fail = 2
    const sender: ReportSender = {
      target: 'q',
      send: async (_kind, _body, id) => {
        ids.push(id)
        return fail-- > 0 ? { ok: false, reason: 'throttled' } : { ok: true }
      }
    }
    const reports = queueReports({
      queueUrl: 'q',
      sender: async () => sender,
      clock: systemClock,
      retry
    })
    expect(await reports.send('events', { instanceId: 'i-1' })).toEqual({ ok: true, attempts: 3 })
    expect(new Set(ids).size).toBe(1)
    const broken = queueReports({
      queueUrl: 'q',
      sender: () =>
        Promise.reject(new Error('IMDS GET /latest/meta-data/placement/region answered 404')),
      clock: systemClock,
      retry
    })
    expect(await broken.send('heartbeat', { instanceId: 'i-1' })).toEqual({
      ok: false,
      attempts: 1,
      reason:
        'cannot reach the reports queue: IMDS GET /latest/meta-data/placement/region answered 404'
    })
  })
})
