// with second.ts: breaks no-module-cycles
import { second } from './second'
export const first = (): string => second()
