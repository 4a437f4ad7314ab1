export { loadTrace, traceFiles, zoneFromFileName, instanceTypeHint } from './load'
export { writeTraceJson } from './write'
export { TraceError } from './types'
export type { LoadedTrace, LoadTraceOptions, TraceConvention, TraceZone } from './types'
