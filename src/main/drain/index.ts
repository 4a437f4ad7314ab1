export { drain, drainDeadline, probeMetrics, DEFAULT_DRAIN_MARGIN_MS } from './drain'
export type { DrainOptions, MetricsProbe } from './drain'
export { parseVllmQueue } from './metrics'
export type { QueueDepth, QueueParse } from './metrics'
