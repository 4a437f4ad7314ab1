// Entry point of a simulation worker thread: simulates the runs it is sent and replies per run.
import { parentPort, workerData } from 'node:worker_threads'
import type { WorkerInit, WorkerReply, WorkerRequest } from './pool'
import { prepareSimulation, simulateOneRun } from './run'
import { errorText } from '../../shared/errors'

const { config } = workerData as WorkerInit
const port = parentPort!
try {
  const prepared = prepareSimulation(config)
  port.on('message', ({ runs, timelineRun }: WorkerRequest) => {
    for (const run of runs) {
      const stats = { events: 0 }
      const timelines = run === timelineRun ? {} : undefined
      const metrics = simulateOneRun(prepared, run, timelines, stats)
      const reply: WorkerReply = { run, metrics, events: stats.events }
      if (timelines) reply.timelines = timelines
      port.postMessage(reply)
    }
  })
} catch (error) {
  port.postMessage({
    error: errorText(error)
  } satisfies WorkerReply)
}
