// What the cloud remembers for the controller: every instance a workload owns carries these tags from
// its launch on, so a restart, a settings change or a second look re-adopts it instead of leaking it.
import { INSTANCE_ROLES, type InstanceRole, type ManagedInstance } from '../../shared/fleet'

export const WORKLOAD_TAG = 'synkti:workload'
export const ROLE_TAG = 'synkti:role'
export const GENERATION_TAG = 'synkti:generation'
/** on a replacement: the instance whose notice it answers (links the failover across restarts) */
export const REPLACES_TAG = 'synkti:replaces'
/** on an on-demand replica launched only because spot could not be had */
export const FALLBACK_TAG = 'synkti:fallback'

export const ROLES = INSTANCE_ROLES
export type Role = InstanceRole

export function workloadOf(instance: ManagedInstance): string | undefined {
  return instance.tags[WORKLOAD_TAG] || undefined
}

export function roleOf(instance: ManagedInstance): Role | undefined {
  const role = instance.tags[ROLE_TAG]
  return (ROLES as readonly string[]).includes(role) ? (role as Role) : undefined
}

export function generationOf(instance: ManagedInstance): number {
  const n = Number(instance.tags[GENERATION_TAG])
  return Number.isInteger(n) && n > 0 ? n : 0
}

export function launchTags(o: {
  workload: string
  role: Role
  generation: number
  replaces?: string
  fallback?: boolean
}): Record<string, string> {
  return {
    [WORKLOAD_TAG]: o.workload,
    [ROLE_TAG]: o.role,
    [GENERATION_TAG]: String(o.generation),
    ...(o.replaces ? { [REPLACES_TAG]: o.replaces } : {}),
    ...(o.fallback ? { [FALLBACK_TAG]: '1' } : {})
  }
}
