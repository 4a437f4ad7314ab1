export { drain, drainDeadline, probeMetrics, DEFAULT_DRAIN_MARGIN_MS } from './drain'
export type { DrainOptions, MetricsProbe } from './drain'
export { MAX_METRICS_BODY_BYTES, parseVllmQueue } from './metrics'
export type { QueueDepth, QueueParse } from './metrics'
