export { createFailoverCoordinator } from './coordinator'
export type {
  FailoverCoordinator,
  FailoverDeps,
  FailoverOptions,
  ReplacementPolicy
} from './coordinator'
export { createStandbyPool } from './standby'
export type { StandbyConfig, StandbyPool, StandbyStatus } from './standby'
export { createBudget, fleetSpendPerHour } from './budget'
export type { Budget, BudgetDecision, LaunchCost } from './budget'
export { launchWithinBudget, waitRunning } from './launcher'
export type { LaunchDeps, LaunchResult } from './launcher'
export { FAILOVER_PHASES } from './record'
export type {
  FailoverPhase,
  FailoverRecord,
  FailoverTarget,
  PhaseOutcome,
  PhaseRecord,
  TargetVia
} from './record'
export type { LiveFacts, Selection } from './select'
