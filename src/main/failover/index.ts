// Launching within a budget: the spend cap and the one launch path that checks it and records the
// outcome. The workload controller (src/main/controller) decides what to launch; this folder only
// makes sure a launch never slips past the cap and always leaves a record.
export { createBudget, fleetSpendPerHour } from './budget'
export type { Budget, BudgetDecision, LaunchCost } from './budget'
export { launchWithinBudget, waitRunning } from './launcher'
export type { LaunchDeps, LaunchResult } from './launcher'
