// One colour per policy, the same in every What-if chart and beside the policy's name in the results
// (cards and metrics table), so "greedy" is the same blue whichever chart it is read in. Keyed by
// name, not by position: a run that leaves a policy out does not shift the others' colours. The
// colours read on both the light and the dark theme.
import type { PolicyName } from '@shared/simulation'

export const POLICY_COLORS: Readonly<Record<PolicyName, string>> = {
  greedy: '#2f6fde',
  fallback: '#e07b1a',
  ondemand: '#8a94a6',
  'spot-or-ondemand': '#16a2b8',
  'uniform-progress': '#1f9d55',
  'time-sliced': '#b8860b',
  'uniform-progress-oracle': '#8e44ad',
  omniscient: '#d63384'
}

const UNKNOWN_POLICY_COLOR = '#5c6b7a'

/** The colour of a policy (a policy this build does not know, from an old saved run, is grey). */
export function policyColor(policy: string): string {
  return (POLICY_COLORS as Record<string, string>)[policy] ?? UNKNOWN_POLICY_COLOR
}
