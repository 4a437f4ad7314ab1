// The parts of a workload spec the controller reads. The full schema (validated, with defaults)
// lives in src/shared/workload.ts; these are its fields by name.
import type { ServiceMarket } from './service-plan'

export interface ServiceSpec {
  kind: 'service'
  name: string
  model: string
  replicas: number
  standby: number
  instanceTypes: string[]
  market: ServiceMarket
  /** $/h cap for the service's instances together; 0 or absent: no cap */
  budgetPerHour?: number
  zones?: string[]
  /** extra spot replicas beyond `replicas` */
  overProvision?: number
}
