// A loopback stand-in for the cockpit's agent API, for the agent tests and the detection bench.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { closeServer, listen } from '../../../../test/fixtures/imds-server'
import type { AgentEventReport } from '../tags'

export interface CockpitStub {
  readonly url: string
  readonly events: AgentEventReport[]
  readonly heartbeats: { instanceId: string; at: number; state: string }[]
  /** requests refused for a wrong or missing token */
  readonly unauthorized: number
  /** answer every request with this status instead (e.g. 503); undefined for normal service */
  failWith?: number
  /** called as each event report arrives */
  onEvent?: (report: AgentEventReport) => void
  close(): Promise<void>
}

export async function startCockpitStub(token: string): Promise<CockpitStub> {
  const stub = {
    url: '',
    events: [] as AgentEventReport[],
    heartbeats: [] as CockpitStub['heartbeats'],
    unauthorized: 0,
    failWith: undefined as number | undefined,
    onEvent: undefined as CockpitStub['onEvent'],
    close: () => closeServer(server)
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (stub.failWith) return res.writeHead(stub.failWith).end()
      if (req.headers.authorization !== `Bearer ${token}`) {
        stub.unauthorized++
        return res.writeHead(401).end()
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')
      if (req.method === 'POST' && req.url === '/api/agent/events') {
        stub.events.push(body)
        stub.onEvent?.(body)
      } else if (req.method === 'POST' && req.url === '/api/agent/heartbeat')
        stub.heartbeats.push(body)
      else return res.writeHead(404).end()
      res.writeHead(204).end()
    })
  })
  await listen(server)
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return stub
}
