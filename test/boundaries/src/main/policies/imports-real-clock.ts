// breaks pure-cores-import-only-shared-and-cores (the real clock)
import { systemClockStub } from '../clock/system-clock-stub'
export const fromPolicies = systemClockStub.now()
