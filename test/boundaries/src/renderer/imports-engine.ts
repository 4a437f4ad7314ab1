// breaks renderer-reaches-engine-only-through-contract
import { engineStub } from '../main/engine/engine-stub'
export const fromRenderer = engineStub
