// The router Synkti users point their OpenAI client at. The controller drives it through the
// RouterPort contract; startHttpRouter is the built-in one, elbv2.ts routes through an ELBv2 target
// group and elbv2-select.ts picks between them per service.
export type { ReplicaEndpoint, ReplicaStats, RouterPort, ServiceStats } from './types'
export { startHttpRouter, DEFAULT_ROUTER_PORT } from './http-router'
export type { HttpRouter, HttpRouterOptions } from './http-router'
export type { DeclaredService } from './replica-table'
