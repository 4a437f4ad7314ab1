// breaks shared-imports-only-shared
import { engineStub } from '../main/engine/engine-stub'
export const fromShared = engineStub
