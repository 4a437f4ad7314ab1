// The router Synkti users point their OpenAI client at. The controller drives it through the
// RouterPort contract; startHttpRouter is today's implementation (ELBv2 target groups come next).
export type { ReplicaEndpoint, ReplicaStats, RouterPort, ServiceStats } from './types'
export { startHttpRouter, DEFAULT_ROUTER_PORT } from './http-router'
export type { HttpRouter, HttpRouterOptions } from './http-router'
export type { DeclaredService } from './replica-table'
